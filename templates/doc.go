// Package templates embeds the html/template pages that wiretalk serves:
// the audience view, the presenter view and the frame inspector.
//
// It holds templates only; it must not import any other wiretalk package.
package templates
