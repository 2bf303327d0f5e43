package slides

import (
	"fmt"
	"html"
	"strings"
)

// Content classes: ".a.b[contents]" wraps contents in <span class="a b">,
// or in a <div> when the brackets span lines. As in remark:
//   - a class name starts with a letter, "_" or "-" and goes on with
//     letters, digits, "_" and "-";
//   - the contents run to the matching "]", counting every bracket, even
//     in code; with no matching "]" the text stays as it is;
//   - the contents are scanned again (code, inline code, classes, macros)
//     but never split into slides;
//   - "\.a[contents]" is the literal text ".a[contents]";
//   - the contents are rendered as Markdown on their own; in a span a
//     lone paragraph is unwrapped, so ".red[**x**]" is a span around
//     <strong>.

// classMatch is a content class found by matchClass.
type classMatch struct {
	start   int    // offset of "." or of the escaping "\"
	open    int    // offset of "["
	close   int    // offset of the matching "]", or -1 if there is none
	classes string // space separated
	escaped bool
}

// matchClass looks for a content class at pos. When there is none it
// returns close == -1 and next, the first offset where one might start:
// past a run of ".name" that is not followed by "[", or past an opening
// bracket that has no match. This keeps the scan linear.
func (s *scanner) matchClass(pos, end int) (classMatch, int) {
	c := classMatch{start: pos, close: -1}
	i := pos
	if s.src[i] == '\\' {
		c.escaped = true
		i++
	}
	var names []string
	for i < end && s.src[i] == '.' && i+1 < end && isClassStart(s.src[i+1]) {
		j := i + 2
		for j < end && isClassChar(s.src[j]) {
			j++
		}
		names = append(names, s.src[i+1:j])
		i = j
	}
	if len(names) == 0 {
		return c, pos + 1
	}
	if i >= end || s.src[i] != '[' {
		return c, i
	}
	c.open = i
	c.classes = strings.Join(names, " ")
	if cl := s.closeOf(i); cl >= 0 && cl < end {
		c.close = cl
		return c, cl + 1
	}
	return c, i + 1
}

func isClassStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '-'
}

func isClassChar(c byte) bool {
	return isClassStart(c) || '0' <= c && c <= '9'
}

// closeOf returns the offset of the "]" matching the "[" at open, or -1.
// Counting brackets forward from open, as remark does, pairs them the same
// way as a stack over the whole deck, so the pairs are computed once.
func (s *scanner) closeOf(open int) int {
	if s.closes == nil {
		s.closes = make(map[int]int)
		var stack []int
		for i := 0; i < len(s.src); i++ {
			switch s.src[i] {
			case '[':
				stack = append(stack, i)
			case ']':
				if n := len(stack); n > 0 {
					s.closes[stack[n-1]] = i
					stack = stack[:n-1]
				}
			}
		}
	}
	if cl, ok := s.closes[open]; ok {
		return cl
	}
	return -1
}

// contentClass hands a matched class to the builder and returns where
// pending text now starts.
func (s *scanner) contentClass(c classMatch, depth int) int {
	if c.escaped {
		return c.start + 1 // drop the "\"; the rest is text, contents unscanned
	}
	if depth >= maxClassDepth {
		if !s.deep {
			s.deep = true
			s.p.add(s.lines.line(c.start), "content classes nested more than %d deep: the inner ones are left as text", maxClassDepth)
		}
		return c.start
	}
	inner := s.src[c.open+1 : c.close]
	s.b.openClass(c.classes, strings.Contains(inner, "\n"), s.src[c.start:c.close+1], c.start, s.lines.line(c.start))
	s.scan(c.open+1, c.close, false, depth+1)
	s.b.closeClass()
	return c.close + 1
}

// classPlaceholder is what stands for the i-th content class in the
// Markdown handed to goldmark, while its contents are rendered apart. A
// div at the start of a line makes an HTML block and a span stays inline,
// as remark's own <div>/<span> would; the contents, which may hold blank
// lines, replace it afterwards (see render.go).
func classPlaceholder(n node, i int) string {
	tag := "span"
	if n.block {
		tag = "div"
	}
	return fmt.Sprintf("<%s data-wt-class=%d></%s>", tag, i, tag)
}

// renderedClass is a content class rendered for both places its
// placeholder can land: a paragraph of its own (alone) or within other
// text (inline).
type renderedClass struct {
	alone, inline string
	heading       string // the first heading inside, for (*Deck).Title
}

// class renders a content class. A div keeps its contents as blocks. A
// span's contents are inline when remark's would be: a lone paragraph is
// unwrapped, and a lone "*", "-", "+", "#", ">" or "1." is text (marked,
// remark's Markdown engine, starts no list, heading or quote without text
// after the marker; CommonMark starts an empty one), so ".red[*]" is
// <span class="red">*</span>. Contents that are a block in remark too,
// such as ".center[# Title]", are that block in a div with the classes
// when the span is a paragraph of its own; within other text they are
// shown as text, never as a block inside a <p>, where remark's page
// would move the block out of the paragraph and lose the classes.
func (r *deckRenderer) class(n node, idPrefix string) renderedClass {
	key := classKey{n.at, idPrefix}
	if c, ok := r.classes[key]; ok {
		return c
	}
	c := r.renderClass(n, idPrefix)
	r.classes[key] = c
	return c
}

// classKey tells apart the renderings of classes: a class at one offset
// renders alike wherever a step repeats it, but for its footnote ids.
type classKey struct {
	at       int
	idPrefix string
}

func (r *deckRenderer) renderClass(n node, idPrefix string) renderedClass {
	inner, heading := r.nodes(n.kids, idPrefix, !n.block)
	if n.block {
		div := wrap("div", n.classes, inner)
		return renderedClass{alone: div, inline: div, heading: heading}
	}
	if p, ok := paragraphInside(inner); ok || inner == "" {
		if !ok {
			p = inner
		}
		span := wrap("span", n.classes, p)
		return renderedClass{alone: "<p>" + span + "</p>", inline: span, heading: heading}
	}
	text := inner
	if escaped, changed := escapeBlockStart(n.kids); changed {
		text, _ = r.nodes(escaped, idPrefix, true)
	}
	text, _ = paragraphInside(text)
	span := wrap("span", n.classes, text)
	if loneMarker(n.kids) {
		return renderedClass{alone: "<p>" + span + "</p>", inline: span}
	}
	return renderedClass{alone: wrap("div", n.classes, inner), inline: span, heading: heading}
}

func wrap(tag, classes, inner string) string {
	return "<" + tag + ` class="` + classes + `">` + inner + "</" + tag + ">"
}

// paragraphInside returns the inside of s if s is a single paragraph.
func paragraphInside(s string) (string, bool) {
	t := strings.TrimSpace(s)
	inner, ok := strings.CutPrefix(t, "<p>")
	if !ok {
		return t, false
	}
	inner, ok = strings.CutSuffix(inner, "</p>")
	if !ok || strings.Contains(inner, "<p>") || strings.Contains(inner, "</p>") {
		return t, false
	}
	return inner, true
}

// loneMarker reports whether ns is only a block marker that marked takes
// as text: "*", "-", "+", "#" to "######", ">", or an ordered list
// marker, between spaces.
func loneMarker(ns []node) bool {
	if len(ns) != 1 || ns[0].kind != textNode {
		return false
	}
	t := strings.TrimSpace(ns[0].text)
	switch {
	case t == "*" || t == "-" || t == "+" || t == ">":
		return true
	case t != "" && len(t) <= 6 && strings.Trim(t, "#") == "":
		return true
	}
	return isOrderedMarker(t)
}

// escapeBlockStart returns ns with a backslash before the marker that
// makes its first line a block (list, heading, quote, rule, code fence),
// so that goldmark reads the line as a paragraph, and whether it added
// one. Raw HTML is left as the author wrote it. ns is not modified.
func escapeBlockStart(ns []node) ([]node, bool) {
	if len(ns) == 0 || ns[0].kind != textNode {
		return ns, false
	}
	out := append([]node{}, ns...)
	t := strings.TrimLeft(out[0].text, " \t\n")
	i := 0
	for i < len(t) && i < 9 && '0' <= t[i] && t[i] <= '9' {
		i++ // an ordered list marker: escape its "." or ")"
	}
	if i > 0 && (i == len(t) || (t[i] != '.' && t[i] != ')')) {
		i = 0
	}
	if i >= len(t) || (i == 0 && strings.IndexByte("#*+->_~`", t[i]) < 0) {
		return ns, false
	}
	out[0].text = t[:i] + `\` + t[i:]
	return out, true
}

// escapedPlaceholder is classPlaceholder as it appears if goldmark took it
// for code: then the class's source is shown instead, as code.
func escapedPlaceholder(ph string) string {
	return html.EscapeString(ph)
}
