package slides

import (
	"html"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"strings"
)

// Files a deck refers to: images, in Markdown, in raw HTML or through the
// scale macro, and background-image url(...) properties. Those that are
// local (not URLs) are listed in Deck.Files, relative to the deck, for the
// server to serve and watch, and reported if missing or outside the
// deck's folder.

// checkFiles finds the local files the shown slides refer to (images in
// their HTML or notes, background-image url(...) properties), reports
// those that do not exist in fsys (when it is not nil) or lie outside the
// deck's folder, and returns the others, cleaned and sorted.
func checkFiles(d *Deck, shown []*built, src string, lines lineIndex, fsys fs.FS, p *problems) []string {
	seen := map[string]bool{}
	files := []string{}
	// check looks at ref once; line finds where it is written, if needed.
	check := func(ref string, line func() int) {
		name, ok := LocalPath(ref)
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

// LocalPath returns ref, a reference written in a deck (an image's src,
// a url(...) argument), as a cleaned path relative to the deck's folder,
// or false if it is a URL, an absolute path or a fragment. It is the rule
// that lists Deck.Files, so the export finds the files by it too.
func LocalPath(ref string) (string, bool) {
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
