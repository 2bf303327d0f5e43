package slides

import (
	"bytes"
	"strings"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdown is the one goldmark instance, built on first use. Its parsers
// and renderers keep no state between documents; what one rendering needs
// to know (the renderer collecting languages, the id prefix for
// footnotes) travels on the document node as the chunkAttr attribute.
var markdown = sync.OnceValue(func() goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(
			extension.Table,
			extension.Strikethrough,
			extension.Linkify,
			extension.NewFootnote(extension.WithFootnoteIDPrefixFunction(footnotePrefix)),
		),
		goldmark.WithRendererOptions(
			html.WithUnsafe(), // deck authors are trusted: see the package doc
			renderer.WithNodeRenderers(util.Prioritized(codeRenderer{}, 100)),
		),
	)
})

// deckContext is goldmark's parser context for one piece of a deck, where
// a link reference resolves, as in remark, to a definition anywhere in the
// deck (content classes and notes included), unless the piece defines it.
type deckContext struct {
	parser.Context
	refs map[string]parser.Reference
}

func (c deckContext) Reference(label string) (parser.Reference, bool) {
	if ref, ok := c.Context.Reference(label); ok {
		return ref, true
	}
	ref, ok := c.refs[label]
	return ref, ok
}

// references indexes a deck's link definitions the way goldmark looks
// them up. As in remark, a later definition of a label wins.
func references(defs []linkDef) map[string]parser.Reference {
	refs := make(map[string]parser.Reference, len(defs))
	for _, d := range defs {
		key := util.ToLinkReference([]byte(d.label))
		refs[key] = parser.NewReference([]byte(d.label), []byte(d.dest), []byte(d.title))
	}
	return refs
}

// chunkAttr names the document attribute that holds the *chunk being
// rendered.
const chunkAttr = "wiretalk-chunk"

// chunk is what one goldmark rendering needs from its caller.
type chunk struct {
	r        *deckRenderer
	idPrefix string // keeps footnote ids apart between slides on one page
}

// chunkOf returns the chunk that n's document is rendered for.
func chunkOf(n ast.Node) *chunk {
	doc := n.OwnerDocument()
	if doc == nil {
		return nil
	}
	v, _ := doc.AttributeString(chunkAttr)
	c, _ := v.(*chunk)
	return c
}

func footnotePrefix(n ast.Node) []byte {
	if c := chunkOf(n); c != nil {
		return []byte(c.idPrefix)
	}
	return nil
}

// toHTML renders one piece of Markdown. It also returns the text of the
// piece's first top-level heading of level 1 or 2, "" if none (see
// (*Deck).Title).
func (r *deckRenderer) toHTML(md, idPrefix string) (string, string) {
	md = strings.TrimLeft(md, " \t\n") // remark's markdown.replace(/^\s+/, '')
	if md == "" || r.full {
		return "", ""
	}
	if r.markdown += len(md); r.markdown > maxDeckMarkdown {
		r.full = true
		r.p.add(r.line, "the slides add up to more than %d KB of Markdown (each step repeats its slide); the steps from here on are left empty", maxDeckMarkdown>>10)
		return "", ""
	}
	if len(md) > maxPieceSize {
		if !r.tooLarge {
			r.tooLarge = true
			r.p.add(r.line, "%d KB of Markdown in one piece; wiretalk renders at most %d KB at once, so it is shown as plain text (as are any later ones)", len(md)>>10, maxPieceSize>>10)
		}
		return tooLarge(md), ""
	}
	src := []byte(md)
	m := markdown()
	pc := deckContext{Context: parser.NewContext(), refs: r.refs}
	doc := m.Parser().Parse(text.NewReader(src), parser.WithContext(pc))
	doc.SetAttributeString(chunkAttr, &chunk{r: r, idPrefix: idPrefix})
	var b bytes.Buffer
	if err := m.Renderer().Render(&b, src, doc); err != nil {
		// Rendering writes to memory and our renderers do not fail; keep
		// what was written rather than lose the slide.
		b.WriteString("<!-- wiretalk: " + strings.ReplaceAll(err.Error(), "--", "- -") + " -->")
	}
	return b.String(), firstHeading(doc, src)
}
