// Package slides reads decks written in remark's Markdown dialect and
// renders them to HTML with goldmark, highlighting code with chroma.
//
// Deck authors are trusted: raw HTML in a deck is passed through to the
// page as written, as remark does. Do not render decks from strangers.
//
// This package has no network code. It must not import server, demo or
// protocol; file access is injected (an fs.FS) so that tests never touch
// the real disk by accident.
package slides
