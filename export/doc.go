// Package export writes a deck as a static site that works offline, opened
// from file:// or from any static host under a sub-path: index.html with
// every step of every slide in it, the stylesheets and one classic script
// (built from the live pages' own modules, see bundle.go), and the local
// images the deck refers to; or the same as one self-contained HTML file.
//
// It reads only the deck's folder, through an os.Root, and writes only into
// an empty folder or over an earlier export (see write.go). It does not
// import server: it renders from slides, assets and demo directly.
package export
