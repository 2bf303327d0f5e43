// Package slides reads decks written in remark's Markdown dialect and
// renders them to HTML with goldmark, highlighting code with chroma.
//
// Deck authors are trusted: raw HTML in a deck is passed through to the
// page as written, as remark does. Do not render decks from strangers.
//
// This package has no network code. It must not import server, demo or
// protocol; file access is injected (an fs.FS) so that tests never touch
// the real disk by accident.
//
// # The dialect
//
// A deck is parsed once (Parse, Load) into a Deck: one Slide per step shown
// on screen, each with its HTML rendered once. The rules follow remark:
//
//   - Line endings are normalised (CRLF and CR become LF, a leading BOM is
//     dropped) and, if every non-blank line is indented, the common
//     indentation is removed.
//   - A line that is exactly "---" (or "<!-- break -->") starts a new
//     slide; exactly "--" starts an incremental step, which shows the
//     previous step's content followed by its own; exactly "???" starts the
//     speaker notes, which run to the next separator. A second "???"
//     replaces the notes before it. Separators do not count inside fenced
//     code (closed by the same run of ``` or ~~~), indented code, inline
//     code (which, as in remark, may span lines), or the brackets of a
//     content class. The text is split before Markdown sees it, so
//     "Title" followed by "---" is a slide break, not a heading.
//   - Property lines ("key: value", or "<!-- key: value -->") at the top of
//     a slide set name, class, background-*, layout, template, count and
//     exclude; other keys are variables for {{ key }}. See template.go for
//     layouts, templates and inheritance.
//   - ".a.b[...]" wraps its (balanced) contents in a span, or a div if
//     they span lines; "\.a[" is literal text. Macros are written
//     "![:name args](url)": see macro.go.
//   - Markdown is CommonMark plus tables, strikethrough, autolinks and
//     footnotes. Code is highlighted by chroma with CSS classes
//     (HighlightCSS); a code line starting with "*" is highlighted (class
//     "hl") with the "*" turned into a space, as remark's highlightLines
//     does.
//
// Where this package departs from remark on purpose, the code says so in
// place. The main ones: speaker notes are not inherited from templates or
// by "--" steps, and "--" steps share their slide's number.
//
// Parsing takes time linear in the deck's size, within the limits of
// limits.go (a deck of at most 1 MB, Markdown rendered in pieces of at
// most 16 KB...); past them a deck still parses and has a problem.
package slides
