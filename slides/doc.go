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
//     layouts, templates and inheritance. wiretalk's own "poll:" makes the
//     slide's last list a poll (poll.go); remark shows it as a list.
//   - ".a.b[...]" wraps its (balanced) contents in a span, or a div if
//     they span lines; "\.a[" is literal text. A span's contents are
//     inline where remark's are: ".red[*]" is <span class="red">*</span>
//     (see classes.go). Markdown after a div's closing "]" is Markdown
//     again. Macros are written "![:name args](url)": see macro.go.
//   - Markdown is CommonMark plus tables, strikethrough, autolinks and
//     footnotes. Code is highlighted by chroma with CSS classes
//     (HighlightCSS).
//   - Every step is numbered, as remark numbers it: each "--" step too,
//     and a "count: false" slide shows the number of the counted slide
//     before it; the last step's number is the total (template.go).
//   - Deck options, remark's remark.create({...}), are property lines on
//     the first slide (options.go): "highlightLines: true" highlights a
//     code line that starts with "*" (class "hl", the "*" turned into a
//     space) where remark's default keeps the "*" as code;
//     "countIncrementalSlides: false" gives "--" steps their slide's
//     number. (*Deck).Options tells what a deck set.
//
// Where this package departs from remark on purpose, the code says so in
// place. The main one: speaker notes are not inherited from templates or
// by "--" steps.
//
// # Markdown: goldmark (CommonMark) against remark's marked 0.3.9
//
// remark renders Markdown with marked 0.3.9, which predates CommonMark;
// wiretalk uses goldmark, which follows it. Most decks look the same. The
// differences below stay, as CommonMark is the better defined engine; a
// deck that wants the same result in both writes it the second way.
//
//   - Two blank lines end a list in marked, not in CommonMark. "- one",
//     two blank lines, "- two" is two lists in remark and one loose list
//     (items in <p>) here; "  more" after two blank lines is a paragraph
//     of its own in remark and a second paragraph of the item here. Use
//     one blank line, or none.
//   - A fence in an unindented list item: "- item" followed by a line
//     "```js" at the start of the line puts the code inside the item in
//     remark; in CommonMark the fence is not indented enough to belong to
//     the item, so the list ends and the code follows it. Indent the
//     fence to the item's text ("  ```js") to keep it in the item.
//   - A non-breaking space after "#": marked turns every U+00A0 into a
//     space before it reads the deck, so "#\u00a0Title" is a heading in
//     remark; in CommonMark "#" must be followed by a space or a tab, so
//     it is the paragraph "#\u00a0Title" here, and a non-breaking space
//     stays one everywhere. Type an ordinary space.
//
// Parsing takes time linear in the deck's size, within the limits of
// limits.go (a deck of at most 1 MB, Markdown rendered in pieces of at
// most 16 KB...); past them a deck still parses and has a problem.
package slides
