package slides

import (
	"html"
	"strings"
)

// Macros are remark's "![:name arg1, arg2](url)": the name runs to the
// first space or "]", the arguments (comma separated, trimmed) to the
// "]", and the optional "(url)" to the first ")". Like the other inline
// constructs, a macro inside code is left alone. wiretalk knows:
//
//	![:inspector]()        <div class="wt-inspector" data-macro="inspector"></div>,
//	                       where the page mounts the live frame inspector
//	![:scale 50%](img.png) <img src="img.png" style="width: 50%">, remark's
//	                       built-in macro for scaling images
//	![:heartbeat]()        <div class="wt-heartbeat" data-macro="heartbeat"></div>,
//	                       where the pages draw the room's round-trip times
//
// remark stops with an error on an unknown macro; here it is a problem
// and its text is shown as written.

// macroUse is one macro found by matchMacro.
type macroUse struct {
	name   string
	args   []string
	url    string
	hasURL bool
	start  int
	end    int // offset just past the macro
}

// matchMacro looks for a macro at pos.
func (s *scanner) matchMacro(pos, end int, rbrack, rparen *seeker) (macroUse, bool) {
	if !strings.HasPrefix(s.src[pos:end], "![:") {
		return macroUse{}, false
	}
	nameStart := pos + 3
	k := rbrack.next(s.src, nameStart, end)
	if k < 0 {
		return macroUse{}, false
	}
	nameEnd := nameStart
	for nameEnd < k && s.src[nameEnd] != ' ' {
		nameEnd++
	}
	if nameEnd == nameStart {
		return macroUse{}, false
	}
	m := macroUse{name: s.src[nameStart:nameEnd], start: pos, end: k + 1}
	for a := range strings.SplitSeq(s.src[nameEnd:k], ",") {
		m.args = append(m.args, strings.TrimSpace(a))
	}
	if k+1 < end && s.src[k+1] == '(' {
		if r := rparen.next(s.src, k+2, end); r >= 0 {
			m.url, m.hasURL, m.end = s.src[k+2:r], true, r+1
		}
	}
	return m, true
}

// macro expands m into the builder, or reports it.
func (s *scanner) macro(m macroUse) {
	line := s.lines.line(m.start)
	switch m.name {
	case "inspector":
		s.b.html(`<div class="wt-inspector" data-macro="inspector"></div>`, m.name, line)
	case "heartbeat":
		s.b.html(`<div class="wt-heartbeat" data-macro="heartbeat"></div>`, m.name, line)
	case "scale":
		width := m.args[0]
		if width == "" || !m.hasURL || strings.TrimSpace(m.url) == "" {
			s.p.add(line, "macro scale needs a width and an image: ![:scale 50%%](image.png)")
		}
		img := `<img src="` + html.EscapeString(strings.TrimSpace(m.url)) + `" style="width: ` + html.EscapeString(width) + `">`
		s.b.html(img, m.name, line)
	default:
		s.p.add(line, "unknown macro %q: wiretalk knows ![:inspector](), ![:heartbeat]() and ![:scale 50%%](image.png)", m.name)
		// As text, not as the image Markdown would make of it.
		literal := strings.ReplaceAll(html.EscapeString(s.src[m.start:m.end]), "[", "&#91;")
		s.b.html(literal, "", line)
	}
}
