package slides

import (
	"sort"
	"strings"
)

// normalize prepares a deck's bytes for the scanner: a leading UTF-8 byte
// order mark is dropped, CRLF and lone CR become LF, and, as remark does
// (its issue #105: decks inlined in an indented textarea), when every
// non-blank line starts with spaces or tabs the common indentation is cut
// from every line. None of this changes how many lines there are, so line
// numbers in problems match the file.
func normalize(src []byte) string {
	s := strings.TrimPrefix(string(src), "\uFEFF")
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	return dedent(s)
}

// dedent removes the indentation shared by all non-blank lines. Spaces and
// tabs count one column each, as in remark.
func dedent(s string) string {
	common := -1
	for line := range strings.Lines(s) {
		line = strings.TrimSuffix(line, "\n")
		n := len(line) - len(strings.TrimLeft(line, " \t"))
		if n == len(line) {
			continue // blank
		}
		if common < 0 || n < common {
			common = n
		}
		if common == 0 {
			return s
		}
	}
	if common <= 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for line := range strings.Lines(s) {
		cut := 0
		for cut < common && cut < len(line) && (line[cut] == ' ' || line[cut] == '\t') {
			cut++
		}
		b.WriteString(line[cut:])
	}
	return b.String()
}

// lineIndex maps byte offsets in the normalised deck to 1-based lines.
type lineIndex []int // offsets where lines start

func newLineIndex(s string) lineIndex {
	starts := []int{0}
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// line returns the line holding byte offset off.
func (x lineIndex) line(off int) int {
	return sort.Search(len(x), func(i int) bool { return x[i] > off })
}
