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
	refs   map[string]parser.Reference // the deck's link definitions
	langs  map[string]bool
	lexers map[string]chroma.Lexer
	p      *problems
	line   int // line of the step being rendered, for problems

	markdown  int  // bytes of Markdown rendered so far (maxDeckMarkdown)
	highlight int  // bytes of code highlighted so far (maxDeckHighlight)
	full      bool // maxDeckMarkdown was reached
	tooLarge  bool // a piece over maxPieceSize was reported
}

func newRenderer(defs []linkDef, p *problems) *deckRenderer {
	return &deckRenderer{
		p:      p,
		refs:   references(defs),
		langs:  map[string]bool{},
		lexers: map[string]chroma.Lexer{},
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
		HTML:       r.nodes(b.body, fmt.Sprintf("s%d-", b.index)),
		Continued:  b.continued,
		StepOf:     b.stepOf,
		Line:       b.raw.line,
		Macros:     macrosIn(b.body, []string{}),
	}
	if b.raw.hasNotes {
		r.line = b.raw.notesLine
		s.NotesHTML = r.nodes(b.raw.notes, fmt.Sprintf("n%d-", b.index))
	}
	return s
}

// nodes renders a body or notes: the text and macro HTML go to goldmark
// as one piece of Markdown, each content class as a placeholder that is
// then replaced by the class rendered on its own (see classes.go).
func (r *deckRenderer) nodes(ns []node, idPrefix string) string {
	var md strings.Builder
	var swaps []string // old, new, old, new...
	k := 0
	for _, n := range ns {
		switch n.kind {
		case textNode, htmlNode:
			md.WriteString(n.text)
		case classNode:
			ph := classPlaceholder(n, k)
			k++
			md.WriteString(ph)
			swaps = append(swaps,
				ph, wrapClass(n, r.nodes(n.kids, idPrefix)),
				escapedPlaceholder(ph), html.EscapeString(n.source))
		}
	}
	out := r.toHTML(md.String(), idPrefix)
	if len(swaps) > 0 {
		out = strings.NewReplacer(swaps...).Replace(out)
	}
	return strings.TrimRight(out, "\n")
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
