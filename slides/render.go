package slides

import (
	"fmt"
	"html"
	"maps"
	"slices"
	"strings"

	"github.com/alecthomas/chroma/v2"
	"github.com/yuin/goldmark/parser"
)

// deckRenderer renders the steps of one deck. It lives for one Parse and
// collects what the rendering finds (code languages) and caches what it
// looks up (chroma lexers).
type deckRenderer struct {
	opts Options
	refs map[string]parser.Reference // the deck's link definitions
	// classes caches rendered content classes by offset and id prefix:
	// a span may be rendered twice (classes.go), and must not render its
	// nested classes twice again, and so on.
	classes map[classKey]renderedClass
	langs   map[string]bool
	lexers  map[string]chroma.Lexer
	p       *problems
	line    int // line of the step being rendered, for problems

	markdown  int  // bytes of Markdown rendered so far (maxDeckMarkdown)
	highlight int  // bytes of code highlighted so far (maxDeckHighlight)
	full      bool // maxDeckMarkdown was reached
	tooLarge  bool // a piece over maxPieceSize was reported
}

func newRenderer(defs []linkDef, opts Options, p *problems) *deckRenderer {
	return &deckRenderer{
		opts:    opts,
		p:       p,
		refs:    references(defs),
		langs:   map[string]bool{},
		lexers:  map[string]chroma.Lexer{},
		classes: map[classKey]renderedClass{},
	}
}

// slide renders one built step.
func (r *deckRenderer) slide(b *built) Slide {
	props := make(map[string]string, len(b.props))
	for k, v := range b.props {
		props[k] = v.value
	}
	name, _ := b.raw.prop("name")
	r.line = b.raw.line
	s := Slide{
		Index:      b.index,
		Number:     b.number,
		Name:       name,
		Classes:    splitClasses(props["class"]),
		Properties: props,
		Continued:  b.continued,
		StepOf:     b.stepOf,
		Line:       b.raw.line,
		Macros:     macrosIn(b.body, []string{}),
	}
	s.HTML, s.heading = r.nodes(b.body, fmt.Sprintf("s%d-", b.index), false)
	if b.raw.hasNotes {
		r.line = b.raw.notesLine
		s.NotesHTML, _ = r.nodes(b.raw.notes, fmt.Sprintf("n%d-", b.index), false)
	}
	return s
}

// nodes renders a body or notes: the text and macro HTML go to goldmark
// as one piece of Markdown, each content class as a placeholder that is
// then replaced by the class rendered on its own (see classes.go). It
// also returns the text of the first heading, for (*Deck).Title: the
// piece's own, else the first found in its classes. inSpan is true for
// the body of a span, where every class is inline.
func (r *deckRenderer) nodes(ns []node, idPrefix string, inSpan bool) (string, string) {
	var md strings.Builder
	var swaps []string // old, new, old, new...
	var classHeading string
	k := 0
	for _, n := range ns {
		switch n.kind {
		case textNode, htmlNode:
			md.WriteString(n.text)
		case classNode:
			ph := classPlaceholder(n, k)
			k++
			startsLine := n.block && atLineStart(md.String())
			md.WriteString(ph)
			if startsLine {
				// The div placeholder opens an HTML block, which runs
				// to a blank line: end it here, so that what follows
				// the "]" is Markdown again.
				md.WriteString("\n\n")
			}
			c := r.class(n, idPrefix)
			if classHeading == "" {
				classHeading = c.heading
			}
			alone := c.alone
			if inSpan {
				alone = "<p>" + c.inline + "</p>"
			}
			swaps = append(swaps,
				"<p>"+ph+"</p>", alone,
				ph, c.inline,
				escapedPlaceholder(ph), html.EscapeString(n.source))
		}
	}
	out, heading := r.toHTML(md.String(), idPrefix)
	if len(swaps) > 0 {
		// Replacer tries the olds in order at each position: a
		// placeholder that is a paragraph of its own takes c.alone.
		out = strings.NewReplacer(swaps...).Replace(out)
	}
	if heading == "" {
		heading = classHeading
	}
	return strings.TrimRight(out, "\n"), heading
}

// atLineStart reports whether what is written next after md starts its
// line, but for indentation and list or block quote markers: where
// CommonMark would start an HTML block.
func atLineStart(md string) bool {
	i := len(md)
	for i > 0 && md[i-1] != '\n' {
		if !strings.ContainsRune(" \t>-*+.)0123456789", rune(md[i-1])) {
			return false // what stops a look back at a long line early
		}
		i--
	}
	for _, f := range strings.Fields(md[i:]) {
		if f != ">" && f != "-" && f != "*" && f != "+" && !isOrderedMarker(f) {
			return false
		}
	}
	return true
}

// isOrderedMarker reports whether f is an ordered list marker: 1 to 9
// digits, then "." or ")".
func isOrderedMarker(f string) bool {
	n := len(f) - 1
	if n < 1 || n > 9 || (f[n] != '.' && f[n] != ')') {
		return false
	}
	return strings.Trim(f[:n], "0123456789") == ""
}

// macrosIn appends the names of the macros used in ns to names, once each.
func macrosIn(ns []node, names []string) []string {
	for _, n := range ns {
		switch {
		case n.kind == htmlNode && n.macro != "" && !slices.Contains(names, n.macro):
			names = append(names, n.macro)
		case n.kind == classNode:
			names = macrosIn(n.kids, names)
		}
	}
	return names
}

// languages returns the code languages seen, sorted.
func (r *deckRenderer) languages() []string {
	return append([]string{}, slices.Sorted(maps.Keys(r.langs))...)
}
