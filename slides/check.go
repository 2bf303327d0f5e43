package slides

import (
	"cmp"
	"fmt"
	"html"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"strings"
)

// Problems a deck can have besides those found while scanning (unclosed
// fences, unknown macros, nesting) and assembling (unknown templates):
// duplicate slide names, property lines that look like typos of a known
// property or carry a value remark does not understand, and local images
// that do not exist.

// problems collects a deck's problems.
type problems struct {
	file string
	list []Problem
}

func (p *problems) add(line int, format string, args ...any) {
	p.list = append(p.list, Problem{File: p.file, Line: max(line, 1), Message: fmt.Sprintf(format, args...)})
}

// sorted returns the problems by line, in the order found within a line,
// without repeats.
func (p *problems) sorted() []Problem {
	out := []Problem{}
	seen := map[Problem]bool{}
	for _, pr := range p.list {
		if !seen[pr] {
			seen[pr] = true
			out = append(out, pr)
		}
	}
	slices.SortStableFunc(out, func(a, b Problem) int { return cmp.Compare(a.Line, b.Line) })
	return out
}

// propLine returns the line of r's last property line for key, or r.line.
func propLine(r *rawSlide, key string) int {
	line := r.line
	for _, pr := range r.props {
		if pr.key == key {
			line = pr.line
		}
	}
	return line
}

// included returns the slides not excluded.
func included(raws []*rawSlide) []*rawSlide {
	return slices.DeleteFunc(slices.Clone(raws), func(r *rawSlide) bool {
		v, _ := r.prop("exclude")
		return strings.ToLower(v) == "true"
	})
}

// checkNames reports slide names used twice: "#name" links and templates
// would find only one of them.
func checkNames(raws []*rawSlide, p *problems) {
	first := map[string]int{}
	for _, r := range included(raws) {
		name, _ := r.prop("name")
		if name == "" {
			continue
		}
		line := propLine(r, "name")
		if at, ok := first[name]; ok {
			p.add(line, "duplicate slide name %q, first used at line %d", name, at)
			continue
		}
		first[name] = line
	}
}

// checkProperties reports property lines that look like a typo of a known
// property, unless the deck uses the key as a {{ variable }}, and known
// properties whose value remark would not understand.
func checkProperties(raws []*rawSlide, p *problems, src string) {
	vars := map[string]bool{}
	for s := src; ; {
		v, ok := nextVar(s)
		if !ok {
			break
		}
		vars[v.name] = true
		s = s[v.end:]
	}
	for _, r := range included(raws) {
		for _, pr := range r.props {
			switch pr.key {
			case "layout", "count":
				if pr.value != "true" && pr.value != "false" {
					p.add(pr.line, "%s: %s is not understood: write %s: true or %s: false (lower case)", pr.key, pr.value, pr.key, pr.key)
				}
			case "exclude":
				if v := strings.ToLower(pr.value); v != "true" && v != "false" {
					p.add(pr.line, "exclude: %s is not understood: write exclude: true or exclude: false", pr.value)
				}
			}
			if isKnownProp(pr.key) || vars[pr.key] {
				continue
			}
			if known, ok := typoOf(pr.key); ok {
				p.add(pr.line, "property %q looks like a typo of %q (as written it is only a variable for {{ %s }})", pr.key, known, pr.key)
			}
		}
	}
}

// typoOf returns the known property that key is probably a misspelling
// of: the same in another case, or within one edit (two for keys longer
// than five letters), a swap of neighbours counting as one.
func typoOf(key string) (string, bool) {
	lower := strings.ToLower(key)
	if isKnownProp(lower) {
		return lower, true
	}
	best, bestDist := "", 3
	for _, k := range knownProps() {
		limit := 1
		if len(k) > 5 {
			limit = 2
		}
		if d := editDistance(lower, k); d <= limit && d < bestDist {
			best, bestDist = k, d
		}
	}
	return best, best != ""
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and swaps of neighbours.
func editDistance(a, b string) int {
	if d := len(a) - len(b); d > 2 || d < -2 {
		return 3 // more than any limit typoOf uses
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// checkFiles finds the local files the shown slides refer to (images in
// their HTML or notes, background-image url(...) properties), reports
// those that do not exist in fsys (when it is not nil) or lie outside the
// deck's folder, and returns the others, cleaned and sorted.
func checkFiles(d *Deck, shown []*built, src string, lines lineIndex, fsys fs.FS, p *problems) []string {
	seen := map[string]bool{}
	files := []string{}
	// check looks at ref once; line finds where it is written, if needed.
	check := func(ref string, line func() int) {
		name, ok := localPath(ref)
		if !ok || seen[name] {
			return
		}
		seen[name] = true
		switch {
		case name == ".." || strings.HasPrefix(name, "../"):
			p.add(line(), "image %q is outside the deck's folder, which is all wiretalk serves", ref)
		case !fs.ValidPath(name):
			p.add(line(), "image %q is not a valid path", ref)
		default:
			files = append(files, name)
			if fsys == nil {
				return
			}
			if _, err := fs.Stat(fsys, name); err != nil {
				p.add(line(), "image %q not found next to the deck", ref)
			}
		}
	}
	for i, s := range d.Slides {
		from := lines[min(max(s.Line-1, 0), len(lines)-1)]
		for _, h := range []string{s.HTML, s.NotesHTML} {
			for _, ref := range imgSources(h) {
				check(ref, func() int { return lineOf(src, lines, ref, from, s.Line) })
			}
		}
		if bg, ok := shown[i].props["background-image"]; ok {
			for _, ref := range cssURLs(bg.value) {
				check(ref, func() int { return bg.line })
			}
		}
	}
	slices.Sort(files)
	return files
}

// lineOf guesses the line where ref is written: its first occurrence at or
// after offset from, else anywhere (it may come from a template), else
// fallback.
func lineOf(src string, lines lineIndex, ref string, from, fallback int) int {
	if i := strings.Index(src[from:], ref); i >= 0 {
		return lines.line(from + i)
	}
	if i := strings.Index(src, ref); i >= 0 {
		return lines.line(i)
	}
	return fallback
}

// localPath returns ref as a cleaned path relative to the deck's folder,
// or false if it is a URL, an absolute path or a fragment.
func localPath(ref string) (string, bool) {
	ref = strings.TrimSpace(ref)
	if ref == "" || strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "#") || hasScheme(ref) {
		return "", false
	}
	if i := strings.IndexAny(ref, "?#"); i >= 0 {
		ref = ref[:i]
	}
	if u, err := url.PathUnescape(ref); err == nil {
		ref = u
	}
	if ref == "" {
		return "", false
	}
	return path.Clean(ref), true
}

// hasScheme reports whether ref starts with a URL scheme such as "http:"
// or "data:".
func hasScheme(ref string) bool {
	for i := 0; i < len(ref); i++ {
		c := ref[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return true
		default:
			return false
		}
	}
	return false
}

// imgSources returns the src attributes of the <img> tags in h, unescaped.
func imgSources(h string) []string {
	var out []string
	lower := asciiLower(h)
	for i := 0; ; {
		k := strings.Index(lower[i:], "<img")
		if k < 0 {
			return out
		}
		i += k + len("<img")
		end := strings.IndexByte(lower[i:], '>')
		if end < 0 {
			return out
		}
		tag, ltag := h[i:i+end], lower[i:i+end]
		i += end
		for j := 0; ; {
			a := strings.Index(ltag[j:], "src=")
			if a < 0 {
				break
			}
			a += j
			j = a + len("src=")
			if a == 0 || !isSpace(ltag[a-1]) {
				continue
			}
			out = append(out, html.UnescapeString(attrValue(tag[j:])))
			break
		}
	}
}

// attrValue returns the attribute value at the start of s, quoted or not.
func attrValue(s string) string {
	if s == "" {
		return ""
	}
	if q := s[0]; q == '"' || q == '\'' {
		if e := strings.IndexByte(s[1:], q); e >= 0 {
			return s[1 : 1+e]
		}
		return s[1:]
	}
	if e := strings.IndexAny(s, " \t\n/"); e >= 0 {
		return s[:e]
	}
	return s
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// asciiLower lowers ASCII letters only, so offsets stay the same.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// cssURLs returns the url(...) arguments in a CSS value, unquoted.
func cssURLs(v string) []string {
	var out []string
	for {
		i := strings.Index(v, "url(")
		if i < 0 {
			return out
		}
		v = v[i+len("url("):]
		e := strings.IndexByte(v, ')')
		if e < 0 {
			return out
		}
		u := strings.TrimSpace(v[:e])
		if len(u) >= 2 && (u[0] == '"' || u[0] == '\'') && u[len(u)-1] == u[0] {
			u = u[1 : len(u)-1]
		}
		out = append(out, u)
		v = v[e+1:]
	}
}
