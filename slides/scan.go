package slides

import (
	"sort"
	"strings"
)

// The scanner splits a deck into slides, steps and notes. It follows
// remark's lexer, which tries, at each position, code blocks, inline code,
// content classes, fences, link definitions, macros, separators and notes
// markers, the earliest match winning. Here the block constructs are tried
// where a line starts and the inline ones (inline code, content classes,
// macros) as the scan walks along a line. Code is skipped whole, so nothing
// inside it splits a slide or expands.
//
// Every step either consumes what it looked at or moves one byte on, and
// every look-ahead is cached or precomputed (bracket pairs, fence closers),
// so a scan is linear in the deck's size whatever the input.

type scanner struct {
	src    string
	lines  lineIndex
	b      *builder
	p      *problems
	defs   []linkDef        // link reference definitions, for every slide
	closes map[int]int      // offset of '[' → offset of its ']', built on first use
	fences map[string][]int // fence run → offsets of lines that are only that run
	deep   bool             // maxClassDepth was reported
}

func newScanner(src string, p *problems) *scanner {
	return &scanner{src: src, lines: newLineIndex(src), b: newBuilder(), p: p}
}

// run scans the whole deck and returns its slides, properties extracted.
func (s *scanner) run() []*rawSlide {
	s.scan(0, len(s.src), true, 0)
	for _, r := range s.b.slides {
		extractProps(r)
	}
	return s.b.slides
}

// scan scans src[start:end]. top is true for the deck itself and false
// for the inside of a content class, where separators and notes markers
// are plain text (remark lexes class bodies without them).
func (s *scanner) scan(start, end int, top bool, depth int) {
	pos := start    // where the scan is
	from := start   // start of the text not yet handed to the builder
	anchor := start // where the last block construct ended: remark's "^"
	var tick, rbrack, rparen seeker
	tick.c, rbrack.c, rparen.c = '`', ']', ')'
	flush := func(to int) {
		if to > from {
			s.b.text(s.src[from:to], s.lines.line(from))
		}
	}
	for pos < end {
		if pos == start || s.src[pos-1] == '\n' {
			if next, kind := s.blockAt(pos, start, end, anchor, top); kind != noBlock {
				if kind != codeBlock { // code stays in the text; the rest is not text
					flush(pos)
					from = next
					s.block(kind, pos, next)
				}
				pos, anchor = next, next
				continue
			}
		}
		switch s.src[pos] {
		case '`':
			// remark's inline code, `([^`]+?)`: a backquote not followed by
			// another runs to the next backquote, on this line or a later
			// one, and hides what is between.
			if pos+1 < end && s.src[pos+1] != '`' {
				if q := tick.next(s.src, pos+2, end); q >= 0 {
					pos = q + 1
					continue
				}
			}
		case '!':
			if m, ok := s.matchMacro(pos, end, &rbrack, &rparen); ok {
				flush(pos)
				s.macro(m)
				pos, from = m.end, m.end
				continue
			}
		case '.', '\\':
			c, next := s.matchClass(pos, end)
			if c.close >= 0 {
				flush(pos)
				from = s.contentClass(c, depth)
				pos = c.close + 1
				continue
			}
			if next > pos {
				pos = next // nothing can start before next
				continue
			}
		}
		pos++
	}
	flush(end)
}

// Kinds of block construct found at the start of a line.
type blockKind uint8

const (
	noBlock        blockKind = iota
	codeBlock                // indented or fenced code: stays in the text
	separator                // ---, -- or <!-- break -->
	notesStart               // ???
	linkDefinition           // [id]: url "title"
	wideTable                // a table delimiter row too wide to render
)

// blockAt looks for a block construct at the line starting at pos and
// returns where the scan resumes. anchor is where the last construct
// ended: as remark's ^, it lets indented code start there.
func (s *scanner) blockAt(pos, start, end, anchor int, top bool) (int, blockKind) {
	lineEnd := s.lineEnd(pos, end)
	line := s.src[pos:lineEnd]
	next := min(lineEnd+1, end)

	prevBlank := pos == anchor || pos == start+1 || (pos >= start+2 && s.src[pos-2] == '\n')
	if prevBlank && isIndentedCode(line) {
		for next < end {
			e := s.lineEnd(next, end)
			if l := s.src[next:e]; l != "" && !isIndentedCode(l) {
				break
			}
			next = min(e+1, end)
		}
		return next, codeBlock
	}
	if run, ok := fenceOpener(line); ok {
		if closeEnd, ok := s.fenceCloser(run, next, end); ok {
			return closeEnd, codeBlock
		}
		s.p.add(s.lines.line(pos), "unclosed code fence %s: no later line is exactly %s", run, run)
	}
	if top {
		switch line {
		case "---", "--":
			return next, separator
		case "???":
			return next, notesStart
		}
		if isBreakComment(line) {
			return next, separator
		}
	}
	if _, ok := parseLinkDef(line); ok {
		return next, linkDefinition
	}
	if isWideTableRow(line) {
		return next, wideTable
	}
	return pos, noBlock
}

// block hands the builder a block construct found by blockAt on the line
// from pos to next.
func (s *scanner) block(kind blockKind, pos, next int) {
	line := strings.TrimSuffix(s.src[pos:next], "\n")
	switch kind {
	case separator:
		s.b.separator(line == "--", s.lines.line(next))
	case notesStart:
		s.b.notes(s.lines.line(pos))
	case linkDefinition:
		d, _ := parseLinkDef(line)
		s.defs = append(s.defs, d)
	case wideTable:
		n := s.lines.line(pos)
		s.p.add(n, "table with %d columns: wiretalk renders at most %d, so this row is shown as text", strings.Count(line, "|")-1, maxTableColumns)
		s.b.text(`\`+s.src[pos:next], n) // escaped, it is no longer a delimiter row
	}
}

// lineEnd returns the offset of the newline ending the line at pos, or end.
func (s *scanner) lineEnd(pos, end int) int {
	if i := strings.IndexByte(s.src[pos:end], '\n'); i >= 0 {
		return pos + i
	}
	return end
}

// isIndentedCode reports whether line is a line of indented code: four
// spaces or a tab, then something.
func isIndentedCode(line string) bool {
	if strings.TrimSpace(line) == "" {
		return false
	}
	return strings.HasPrefix(line, "    ") || strings.HasPrefix(line, "\t")
}

// isBreakComment reports whether line is "<!-- break -->", a slide
// separator that is invisible in other Markdown viewers.
func isBreakComment(line string) bool {
	body, ok := strings.CutPrefix(line, "<!--")
	if !ok {
		return false
	}
	body, ok = strings.CutSuffix(body, "-->")
	return ok && strings.TrimSpace(body) == "break"
}

// fenceOpener reports whether line opens fenced code and returns its fence
// run (``` or ~~~, three or more). As in remark, the fence may be indented
// by any number of spaces. The info string may hold anything but a
// backquote after a backquote fence (CommonMark; remark takes one word).
func fenceOpener(line string) (string, bool) {
	t := strings.TrimLeft(line, " ")
	if len(t) < 3 || (t[0] != '`' && t[0] != '~') {
		return "", false
	}
	n := 0
	for n < len(t) && t[n] == t[0] {
		n++
	}
	if n < 3 || (t[0] == '`' && strings.IndexByte(t[n:], '`') >= 0) {
		return "", false
	}
	return t[:n], true
}

// fenceRun returns the run if line holds nothing but a fence run, between
// spaces or tabs: a possible closing fence.
func fenceRun(line string) string {
	t := strings.Trim(line, " \t")
	if len(t) < 3 || (t[0] != '`' && t[0] != '~') || strings.Trim(t, t[:1]) != "" {
		return ""
	}
	return t
}

// fenceCloser finds the first line at or after from, ending by end, that
// closes a fence of run: the same run exactly, as remark's \4 back
// reference requires. It returns where the scan resumes after it.
func (s *scanner) fenceCloser(run string, from, end int) (int, bool) {
	if s.fences == nil {
		s.fences = make(map[string][]int)
		for off := 0; off < len(s.src); {
			e := s.lineEnd(off, len(s.src))
			if r := fenceRun(s.src[off:e]); r != "" {
				s.fences[r] = append(s.fences[r], off)
			}
			off = e + 1
		}
	}
	// Closers on whole lines, then the region's last line, which a content
	// class's "]" may cut short.
	offs := s.fences[run]
	if i := sort.SearchInts(offs, from); i < len(offs) {
		if e := s.lineEnd(offs[i], len(s.src)); e <= end {
			return min(e+1, end), true
		}
	}
	if end < len(s.src) && from < end {
		last := strings.LastIndexByte(s.src[from:end], '\n') + 1 + from
		if fenceRun(s.src[last:end]) == run {
			return end, true
		}
	}
	return 0, false
}

// seeker finds the next occurrence of one byte in a region, remembering
// its answer so that a scan stays linear however often it asks.
type seeker struct {
	c     byte
	at    int
	valid bool
}

// next returns the offset of the first c in src[from:end], or -1.
func (k *seeker) next(src string, from, end int) int {
	if from >= end {
		return -1
	}
	if !k.valid || k.at < from {
		k.valid = true
		k.at = end
		if i := strings.IndexByte(src[from:end], k.c); i >= 0 {
			k.at = from + i
		}
	}
	if k.at >= end {
		return -1
	}
	return k.at
}

// parseLinkDef parses line as a link reference definition as remark
// takes it: [label]: url, optionally <url>, then optionally "title",
// 'title' or (title), all on one line. remark takes these out of the text
// and makes them work anywhere in the deck; so does wiretalk (see
// deckContext). Footnote definitions, [^id]: text, are left alone.
func parseLinkDef(line string) (linkDef, bool) {
	t := strings.TrimLeft(line, " ")
	if !strings.HasPrefix(t, "[") {
		return linkDef{}, false
	}
	label, rest, ok := strings.Cut(t[1:], "]:")
	if !ok || label == "" || strings.Contains(label, "]") || strings.HasPrefix(label, "^") {
		return linkDef{}, false
	}
	rest = strings.TrimPrefix(strings.TrimLeft(rest, " "), "<")
	n := 0
	for n < len(rest) && !isSpace(rest[n]) && rest[n] != '>' {
		n++
	}
	if n == 0 {
		return linkDef{}, false
	}
	d := linkDef{label: label, dest: rest[:n]}
	rest = strings.TrimPrefix(rest[n:], ">")
	title := strings.TrimSpace(rest)
	if title == "" {
		return d, true
	}
	if !strings.HasPrefix(rest, " ") || len(title) < 2 ||
		!strings.ContainsRune(`"(`, rune(title[0])) || !strings.ContainsRune(`")`, rune(title[len(title)-1])) {
		return linkDef{}, false
	}
	d.title = title[1 : len(title)-1]
	return d, true
}

// linkDef is a link reference definition: [label]: dest "title".
type linkDef struct {
	label, dest, title string
}
