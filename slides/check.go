package slides

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Problems a deck can have besides those found while scanning (unclosed
// fences, unknown macros, nesting), assembling (unknown templates) and
// looking for files (files.go): duplicate slide names, and property lines
// that look like typos of a known property or carry a value remark does
// not understand.

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
			case "minutes":
				if m, err := strconv.ParseFloat(pr.value, 64); err != nil || !(m > 0) || math.IsInf(m, 0) {
					p.add(pr.line, "minutes: %s is not understood: write the slide's planned minutes as a positive number, e.g. minutes: 2.5", pr.value)
				}
			case "exclude":
				if v := strings.ToLower(pr.value); v != "true" && v != "false" {
					p.add(pr.line, "exclude: %s is not understood: write exclude: true or exclude: false", pr.value)
				}
			}
			if isKnownProp(pr.key) || slices.Contains(optionKeys(), pr.key) || vars[pr.key] {
				continue
			}
			if known, ok := typoOf(pr.key); ok {
				p.add(pr.line, "property %q looks like a typo of %q (as written it is only a variable for {{ %s }})", pr.key, known, pr.key)
			}
		}
	}
}

// typoOf returns the known property or deck option that key is probably
// a misspelling of: the same in another case, or within one edit (two for
// keys longer than five letters), a swap of neighbours counting as one.
func typoOf(key string) (string, bool) {
	lower := strings.ToLower(key)
	known := append(knownProps(), optionKeys()...)
	for _, k := range known {
		if lower == strings.ToLower(k) {
			return k, true
		}
	}
	best, bestDist := "", 3
	for _, k := range known {
		limit := 1
		if len(k) > 5 {
			limit = 2
		}
		if d := editDistance(lower, strings.ToLower(k)); d <= limit && d < bestDist {
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
