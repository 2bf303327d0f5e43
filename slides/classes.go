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
	s.b.openClass(c.classes, strings.Contains(inner, "\n"), s.src[c.start:c.close+1], s.lines.line(c.start))
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

// wrapClass renders a content class around its rendered contents. As in
// remark, a span's lone paragraph is unwrapped; a div keeps it.
func wrapClass(n node, inner string) string {
	tag := "span"
	if n.block {
		tag = "div"
	}
	if !n.block {
		inner = unwrapParagraph(inner)
	}
	return "<" + tag + ` class="` + n.classes + `">` + inner + "</" + tag + ">"
}

// unwrapParagraph returns the inside of s if s is a single paragraph.
func unwrapParagraph(s string) string {
	t := strings.TrimSpace(s)
	inner, ok := strings.CutPrefix(t, "<p>")
	if !ok {
		return t
	}
	inner, ok = strings.CutSuffix(inner, "</p>")
	if !ok || strings.Contains(inner, "<p>") || strings.Contains(inner, "</p>") {
		return t
	}
	return inner
}

// escapedPlaceholder is classPlaceholder as it appears if goldmark took it
// for code: then the class's source is shown instead, as code.
func escapedPlaceholder(ph string) string {
	return html.EscapeString(ph)
}
