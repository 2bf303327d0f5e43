// Package assets embeds the browser side of wiretalk: plain JavaScript
// modules and CSS, with no framework, no build step and no CDN, so that a
// talk works on bad conference Wi-Fi.
//
// It holds files only; it must not import any other wiretalk package.
package assets
