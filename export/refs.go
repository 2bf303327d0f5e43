package export

import (
	"html"
	"strings"
)

// mapRefs calls f with each reference in h, a fragment of HTML or a CSS
// declaration list: the values of src attributes and the arguments of
// url(...), unescaped and unquoted. When f returns a replacement and true,
// the reference is replaced by it in the result.
func mapRefs(h string, f func(ref string) (string, bool)) string {
	var b strings.Builder
	lower := asciiLower(h) // same offsets as h
	done := 0
	for i := 0; i < len(h); {
		s := strings.Index(lower[i:], "src=")
		u := strings.Index(lower[i:], "url(")
		var start, end int
		switch {
		case s < 0 && u < 0:
			i = len(h)
			continue
		case u < 0 || s >= 0 && s < u:
			at := i + s
			i = at + len("src=")
			if at > 0 && !isSpace(h[at-1]) {
				continue
			}
			if i >= len(h) {
				continue
			}
			if q := h[i]; q == '"' || q == '\'' {
				e := strings.IndexByte(h[i+1:], q)
				if e < 0 {
					continue
				}
				start, end = i+1, i+1+e
			} else {
				e := strings.IndexAny(h[i:], " \t\n>")
				if e < 0 {
					e = len(h) - i
				}
				start, end = i, i+e
			}
		default:
			at := i + u
			i = at + len("url(")
			e := strings.IndexByte(h[i:], ')')
			if e < 0 {
				continue
			}
			start, end = i, i+e
			for start < end && isSpace(h[start]) {
				start++
			}
			for end > start && isSpace(h[end-1]) {
				end--
			}
			if end-start >= 2 && (h[start] == '"' || h[start] == '\'' || strings.HasPrefix(h[start:], "&#34;") || strings.HasPrefix(h[start:], "&#39;") || strings.HasPrefix(h[start:], "&quot;")) {
				q := h[start : start+1]
				if q == "&" {
					q = h[start : start+strings.IndexByte(h[start:], ';')+1]
				}
				if strings.HasSuffix(h[start:end], q) && end-start >= 2*len(q) {
					start, end = start+len(q), end-len(q)
				}
			}
		}
		i = end
		repl, ok := f(html.UnescapeString(h[start:end]))
		if !ok {
			continue
		}
		b.WriteString(h[done:start])
		b.WriteString(repl)
		done = end
	}
	if done == 0 {
		return h
	}
	b.WriteString(h[done:])
	return b.String()
}

// isRemote reports whether ref is fetched from the network: an http(s)
// URL or a scheme-relative one.
func isRemote(ref string) bool {
	r := strings.ToLower(strings.TrimSpace(ref))
	return strings.HasPrefix(r, "http://") || strings.HasPrefix(r, "https://") || strings.HasPrefix(r, "//")
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
