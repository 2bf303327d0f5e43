package slides

import (
	"strings"
)

// Templates, layouts and steps, as remark's slideshow builds them:
//
//   - A slide with "exclude: true" is dropped before anything else.
//   - A "--" step takes the step before it as its template.
//   - Otherwise "template: NAME" names an earlier slide (any slide with a
//     name, layout or not) as the template; an unknown name falls through
//     to the rules below, and is reported.
//   - Otherwise "layout: false" ends the current layout, and a slide gets
//     the current layout as its template.
//   - A slide with "layout: true" is not shown or counted; it becomes the
//     current layout.
//
// Inheriting from a template: "class" is the template's classes then the
// slide's; other properties are copied unless the slide sets them, except
// name, layout and count. The body is the template's with "{{content}}"
// replaced by the slide's body, or the slide's body appended when the
// template has no "{{content}}". Then {{ key }} in the body is replaced by
// the slide's property key ("\{{ key }}" stays literal, unknown keys stay
// as written).
//
// Numbers, as remark gives them: a slide or step is counted unless it has
// "count: false" or, under countIncrementalSlides: false (options.go), it
// is a "--" step without a count line of its own. Every step shows the
// number of the last counted one up to it, itself included: a "count:
// false" slide shows the number of the counted slide before it (0 before
// any), and the last step's number is the total.
//
// One departure from remark, as the issue asks: speaker notes are never
// inherited (remark prefixes the template's notes).

// propVal is a property after inheritance, with the line that set it.
type propVal struct {
	value string
	line  int
}

// built is a slide after inheritance: what gets rendered.
type built struct {
	raw       *rawSlide
	props     map[string]propVal
	body      []node
	index     int // among shown steps
	number    int
	stepOf    int
	continued bool
}

// inherited reports whether a slide takes property key from its template:
// all but name, layout and count. remark sets its own "continued" on
// every slide, so that is never copied either.
func inherited(key string) bool {
	switch key {
	case "name", "layout", "count", "continued":
		return false
	}
	return true
}

// assemble applies templates and numbering and returns the steps shown.
func assemble(raws []*rawSlide, opts Options, p *problems) []*built {
	raws = included(raws)
	var shown []*built
	byName := map[string]*built{}
	var layout *built
	number := 0
	size, full := 0, false // Markdown in the bodies built so far
	for i, r := range raws {
		continued := r.continued
		if v, ok := r.prop("continued"); ok {
			continued = v == "true"
		}
		isLayout := propIs(r, "layout", "true")

		var tmpl *built
		tname, hasTemplate := r.prop("template")
		switch {
		case continued && i > 0:
			if len(shown) > 0 {
				tmpl = shown[len(shown)-1]
			}
		case hasTemplate && byName[tname] != nil:
			tmpl = byName[tname]
		case propIs(r, "layout", "false"):
			layout = nil
		case layout != nil && !isLayout:
			tmpl = layout
		}
		if hasTemplate && byName[tname] == nil && !(continued && i > 0) {
			reportTemplate(raws[i+1:], r, tname, p)
		}

		b := &built{raw: r, props: inheritProps(r, tmpl), body: r.body}
		switch {
		case size > maxDeckMarkdown:
			b.body = nil // see limits.go: no more could be rendered
		case tmpl != nil:
			b.body = inheritBody(tmpl.body, r.body)
		}
		if size += bodySize(b.body); size > maxDeckMarkdown && !full {
			full = true
			p.add(r.line, "the slides add up to more than %d KB of Markdown (each step repeats its slide); the steps from here on are left empty", maxDeckMarkdown>>10)
		}
		if name, _ := r.prop("name"); name != "" {
			byName[name] = b
		}
		if isLayout {
			layout = b
			continue
		}
		b.index, b.stepOf = len(shown), len(shown)
		if continued && tmpl != nil {
			b.continued, b.stepOf = true, tmpl.stepOf
		}
		if counted(r, continued, opts) {
			number++
		}
		b.number = number
		shown = append(shown, b)
	}
	for _, b := range shown {
		b.body = expandVars(b.body, b.props, b.continued)
	}
	return shown
}

// counted reports whether r, a shown slide or step, advances the count.
// As in remark, only r's own count line matters (count is not inherited),
// and any value but "false" counts.
func counted(r *rawSlide, continued bool, opts Options) bool {
	count, ok := r.prop("count")
	if !ok && continued && !opts.CountIncrementalSlides {
		return false
	}
	return count != "false"
}

// propIs reports whether r's own property key is exactly value.
func propIs(r *rawSlide, key, value string) bool {
	v, ok := r.prop(key)
	return ok && v == value
}

// reportTemplate reports a template name that no earlier slide has.
func reportTemplate(later []*rawSlide, r *rawSlide, name string, p *problems) {
	line := r.line
	for _, pr := range r.props {
		if pr.key == "template" {
			line = pr.line
		}
	}
	for _, l := range later {
		if n, _ := l.prop("name"); n == name {
			p.add(line, "template %q is defined later, at line %d: a template must come before the slides that use it", name, l.line)
			return
		}
	}
	p.add(line, "unknown template %q: no slide before this one has name: %s", name, name)
}

// inheritProps merges r's own properties with its template's.
func inheritProps(r *rawSlide, tmpl *built) map[string]propVal {
	props := make(map[string]propVal, len(r.props))
	for _, pr := range r.props {
		props[pr.key] = propVal{pr.value, pr.line}
	}
	if tmpl == nil {
		return props
	}
	for k, v := range tmpl.props {
		if !inherited(k) {
			continue
		}
		own, ok := props[k]
		switch {
		case k == "class" && ok && own.value != "":
			props[k] = propVal{v.value + ", " + own.value, own.line}
		case !ok:
			props[k] = v
		}
	}
	return props
}

// inheritBody returns the template's body with {{content}} replaced by
// body, or with body appended if the template has no {{content}}. The
// template's nodes are not modified.
func inheritBody(tmpl, body []node) []node {
	out, found := replaceContent(tmpl, body)
	if !found {
		// remark joins the two without even a line break; keeping one
		// lets a list or paragraph go on across steps.
		if n := len(out); n > 0 && (out[n-1].kind != textNode || !strings.HasSuffix(out[n-1].text, "\n")) {
			out = appendText(out, "\n", out[n-1].line)
		}
		out = append(out, body...)
	}
	return out
}

func replaceContent(ns, body []node) ([]node, bool) {
	out := make([]node, 0, len(ns)+len(body))
	found := false
	for _, n := range ns {
		switch n.kind {
		case textNode:
			rest := n.text
			for {
				v, ok := nextVar(rest)
				if !ok {
					break
				}
				if v.escaped || v.name != "content" {
					out = appendText(out, rest[:v.end], n.line)
					rest = rest[v.end:]
					continue
				}
				out = appendText(out, rest[:v.start], n.line)
				out = append(out, body...)
				rest = rest[v.end:]
				found = true
			}
			out = appendText(out, rest, n.line)
		case classNode:
			kids, f := replaceContent(n.kids, body)
			n.kids, found = kids, found || f
			out = append(out, n)
		default:
			out = append(out, n)
		}
	}
	return out, found
}

// bodySize returns the bytes of Markdown and HTML in ns.
func bodySize(ns []node) int {
	n := 0
	for _, x := range ns {
		n += len(x.text) + bodySize(x.kids)
	}
	return n
}

// appendText appends Markdown to ns, joining it to a text node before it.
func appendText(ns []node, s string, line int) []node {
	if s == "" {
		return ns
	}
	if n := len(ns); n > 0 && ns[n-1].kind == textNode {
		ns[n-1].text += s
		return ns
	}
	return append(ns, node{kind: textNode, text: s, line: line})
}

// expandVars returns ns with {{ key }} replaced by property values.
func expandVars(ns []node, props map[string]propVal, continued bool) []node {
	out := make([]node, len(ns))
	for i, n := range ns {
		switch n.kind {
		case textNode:
			n.text = expandText(n.text, props, continued)
		case classNode:
			n.kids = expandVars(n.kids, props, continued)
		}
		out[i] = n
	}
	return out
}

func expandText(s string, props map[string]propVal, continued bool) string {
	var b strings.Builder
	for {
		v, ok := nextVar(s)
		if !ok {
			break
		}
		b.WriteString(s[:v.start])
		literal := strings.TrimPrefix(s[v.start:v.end], `\`)
		switch {
		case v.escaped:
			b.WriteString(literal)
		case v.name == "continued":
			b.WriteString(map[bool]string{false: "false", true: "true"}[continued])
		case v.name == "content":
			if pv, ok := props["content"]; ok {
				b.WriteString(pv.value)
			} // else: an unused {{content}} vanishes, as in remark
		default:
			if pv, ok := props[v.name]; ok {
				b.WriteString(pv.value)
			} else {
				b.WriteString(literal)
			}
		}
		s = s[v.end:]
	}
	if b.Len() == 0 {
		return s
	}
	b.WriteString(s)
	return b.String()
}

// variable is one {{ name }} found by nextVar.
type variable struct {
	start, end int // the match, including a leading "\" if escaped
	name       string
	escaped    bool
}

// nextVar finds the first {{ name }} in s: remark's (\\)?{{([^}\n]+)}},
// the name trimmed. It runs in time linear in len(s): after a failed try
// it resumes where that try stopped, since any start in between would
// stop at the same place.
func nextVar(s string) (variable, bool) {
	for i := 0; i+1 < len(s); {
		k := strings.Index(s[i:], "{{")
		if k < 0 {
			return variable{}, false
		}
		i += k
		j := i + 2
		for j < len(s) && s[j] != '}' && s[j] != '\n' {
			j++
		}
		if j > i+2 && strings.HasPrefix(s[j:], "}}") {
			v := variable{start: i, end: j + 2, name: strings.TrimSpace(s[i+2 : j])}
			if i > 0 && s[i-1] == '\\' {
				v.start, v.escaped = i-1, true
			}
			return v, true
		}
		if j == i+2 {
			i++ // "{{}" or "{{\n": the next "{" may start a match
		} else {
			i = j
		}
	}
	return variable{}, false
}
