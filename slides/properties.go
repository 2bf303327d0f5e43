package slides

import (
	"slices"
	"strings"
)

// Property lines sit at the very top of a slide: "key: value" (the key of
// letters, digits, "_" and "-", the colon right after it), or the same
// inside an HTML comment on its own line, "<!-- key: value -->". Blank
// lines may come between them; the first other line ends them. Keys are
// case sensitive and a later line wins.
//
// remark also takes a "<!-- key: value -->" comment from anywhere in the
// slide's first stretch of text, even from inside fenced code; wiretalk
// takes them only at the top, as the issue defines it.

// knownProps returns the properties remark (and wiretalk) give a meaning
// to. Any other key is a variable, usable as {{ key }}.
func knownProps() []string {
	return []string{
		"name", "class", "layout", "template", "count", "exclude", "continued",
		"background-image", "background-color", "background-size", "background-position",
		"poll",    // wiretalk's own: poll.go
		"minutes", // wiretalk's own: the slide's share of the talk, for the presenter's pacing
	}
}

func isKnownProp(key string) bool {
	return slices.Contains(knownProps(), key)
}

// extractProps moves the property lines at the top of r's body into
// r.props.
func extractProps(r *rawSlide) {
	if len(r.body) == 0 || r.body[0].kind != textNode {
		return // remark too looks only at a slide's first text
	}
	n := &r.body[0]
	rest, line := n.text, n.line
	for {
		t := strings.TrimLeft(rest, "\n")
		line += len(rest) - len(t)
		rest = t
		text, after, _ := strings.Cut(t, "\n")
		key, value, ok := propertyLine(text)
		if !ok {
			break
		}
		r.props = append(r.props, prop{key: key, value: value, line: line})
		rest, line = after, line+1
	}
	n.text, n.line = rest, line
	if rest == "" {
		r.body = r.body[1:]
	}
}

// propertyLine parses one property line.
func propertyLine(line string) (key, value string, ok bool) {
	if c, found := strings.CutPrefix(line, "<!--"); found {
		c, found = strings.CutSuffix(strings.TrimRight(c, " \t"), "-->")
		if !found {
			return "", "", false
		}
		key, value, ok = propertyLine(strings.TrimLeft(c, " \t"))
		return key, strings.TrimSpace(value), ok
	}
	key, value, found := strings.Cut(line, ":")
	if !found || key == "" {
		return "", "", false
	}
	for i := 0; i < len(key); i++ {
		if !isClassChar(key[i]) { // letters, digits, "_", "-": remark's [-\w]
			return "", "", false
		}
	}
	return key, strings.TrimSpace(value), true
}

// splitClasses splits a class property, "a, b c", into class names,
// without empties or repeats.
func splitClasses(v string) []string {
	out := []string{}
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		dup := false
		for _, c := range out {
			dup = dup || c == f
		}
		if !dup {
			out = append(out, f)
		}
	}
	return out
}

// Style turns the slide's background properties into a CSS declaration
// list for its style attribute, values as the author wrote them (remark
// does the same). A value holding ";", "{" or "}" is left out, so that it
// cannot end the declaration and start another. An image without a size
// covers the slide, centred. The live pages and the export both use it.
func (s *Slide) Style() string {
	var b strings.Builder
	for _, k := range []string{"background-image", "background-color", "background-size", "background-position"} {
		if v := strings.TrimSpace(s.Properties[k]); v != "" && !strings.ContainsAny(v, ";{}") {
			b.WriteString(k + ": " + v + "; ")
		}
	}
	if s.Properties["background-image"] != "" && s.Properties["background-size"] == "" {
		b.WriteString("background-size: cover; background-position: center; ")
	}
	return strings.TrimSpace(b.String())
}
