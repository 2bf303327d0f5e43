package slides

import (
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/util"
)

// Title returns the deck's title, as a page's <title> shows it: the text
// of the first heading (level 1 or 2) of the first slide, or, if that
// slide has none, of the first slide that has one; "" if no slide has.
// Within a slide, a heading in its own text comes before one inside a
// content class.
func (d *Deck) Title() string {
	for _, s := range d.Slides {
		if s.heading != "" {
			return s.heading
		}
	}
	return ""
}

// firstHeading returns the plain text of doc's first top-level heading of
// level 1 or 2, spaces collapsed, or "".
func firstHeading(doc ast.Node, src []byte) string {
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		if h, ok := n.(*ast.Heading); ok && h.Level <= 2 {
			var b strings.Builder
			plainText(&b, h, src)
			if t := strings.Join(strings.Fields(b.String()), " "); t != "" {
				return t
			}
		}
	}
	return ""
}

// plainText writes the text of n's inline descendants, as a reader sees
// it: backslash escapes and entities resolved, markup and raw HTML left
// out.
func plainText(b *strings.Builder, n ast.Node, src []byte) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch t := c.(type) {
		case *ast.Text:
			v := t.Segment.Value(src)
			if !t.IsRaw() {
				v = util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(v)))
			}
			b.Write(v)
			if t.SoftLineBreak() || t.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(t.Value)
		case *ast.RawHTML:
		default:
			plainText(b, c, src)
		}
	}
}
