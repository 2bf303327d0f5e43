package slides

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wiretalk/slides/decktest"
)

// FuzzParse feeds the parser anything: it must not panic or hang, must be
// deterministic, and must keep the model's invariants. Seeds: the corpus
// in testdata/fuzz/FuzzParse, every golden deck, the features deck and the
// user's talk where it is at hand.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/golden/*.txt")
	for _, file := range files {
		c := readGolden(f, file)
		f.Add(c.deck)
	}
	_, features := decktest.Features(f)
	f.Add(features)
	if src, err := os.ReadFile(filepath.Join(decktest.Root(f), decktest.UserTalkPath)); err == nil {
		f.Add(src) // where it is at hand
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		d := Parse("fuzz.md", src, nil)
		checkInvariants(t, d, src)
		if again := dump(Parse("fuzz.md", src, nil)); again != dump(d) {
			t.Fatalf("two parses differ")
		}
	})
}

// checkInvariants checks what holds for every deck, whatever its source.
func checkInvariants(t *testing.T, d *Deck, src []byte) {
	t.Helper()
	lines := strings.Count(string(src), "\n") + strings.Count(string(src), "\r") + 2
	for i, s := range d.Slides {
		if s.Index != i {
			t.Fatalf("step %d has Index %d", i, s.Index)
		}
		if s.StepOf > i || s.StepOf < 0 || d.Slides[s.StepOf].Continued {
			t.Fatalf("step %d: StepOf %d does not name a first step", i, s.StepOf)
		}
		if s.Continued != (s.StepOf != i) {
			t.Fatalf("step %d: Continued %v but StepOf %d", i, s.Continued, s.StepOf)
		}
		prev := 0
		if i > 0 {
			prev = d.Slides[i-1].Number
		}
		if s.Number != prev && s.Number != prev+1 {
			t.Fatalf("step %d: number %d, but the step before has %d", i, s.Number, prev)
		}
		if _, own := s.Properties["count"]; s.Continued && !d.Options.CountIncrementalSlides && !own && s.Number != prev {
			t.Fatalf("step %d: a step with a number of its own under countIncrementalSlides: false", i)
		}
		if s.Line < 1 || s.Line > lines {
			t.Fatalf("step %d: line %d out of range", i, s.Line)
		}
		if s.Classes == nil || s.Properties == nil || s.Macros == nil {
			t.Fatalf("step %d: nil slice or map", i)
		}
	}
	for _, p := range d.Problems {
		if p.File != d.Name || p.Line < 1 || p.Line > lines || p.Message == "" {
			t.Fatalf("bad problem %q", p)
		}
	}
	if d.Problems == nil || d.Languages == nil || d.Files == nil {
		t.Fatal("nil slice in Deck")
	}
}

// Inputs built to make a careless scanner quadratic (or worse) must parse
// in time linear in their size: each is about 100 KB, and a quadratic parse
// of one would take far longer than the bound.
func TestPathologicalInputsParseQuickly(t *testing.T) {
	const n = 20000
	cases := map[string]string{
		"nested classes":      strings.Repeat(".a[", n) + strings.Repeat("]", n),
		"unclosed classes":    strings.Repeat(".a[", n),
		"class name chains":   strings.Repeat(".a", 3*n),
		"escaped classes":     strings.Repeat(`\.a[`, n),
		"open brackets":       strings.Repeat("[", 5*n),
		"lone backquotes":     strings.Repeat("`x\n", n),
		"macro openers":       strings.Repeat("![:m ", n),
		"macros":              strings.Repeat("![:inspector]()\n", n/2),
		"unclosed fences":     strings.Repeat("```a\n~~~b\n", n/2),
		"fence runs":          fenceRuns(300),
		"variable openers":    strings.Repeat("{{", 3*n),
		"variables":           "v: x\n" + strings.Repeat("{{ v }}", n),
		"separators":          strings.Repeat("---\n--\n???\n", n/4),
		"indented code":       strings.Repeat("\n    code `\n", n/2),
		"link definitions":    strings.Repeat("[a]: http://x\n", n/4),
		"property lines":      strings.Repeat("k: v\n", n),
		"emphasis":            strings.Repeat("*a **b ", n),
		"layout and template": strings.Repeat("layout: true\nname: t\n{{content}}\n---\ntemplate: t\nx\n---\n", n/40),
		// What goldmark and chroma are slow on; limits.go bounds them.
		"unclosed links":    strings.Repeat("[a](", n),
		"nested lists":      strings.Repeat("- ", 2*n),
		"nested quotes":     strings.Repeat(">", 2*n) + " x",
		"js comments":       "```js\n" + strings.Repeat("/* ", n) + "\n```\n",
		"many code blocks":  strings.Repeat("```js\n"+strings.Repeat("/* ", 500)+"\n```\n", 50),
		"wide table":        "|" + strings.Repeat("a|", 5000) + "\n|" + strings.Repeat("-|", 5000) + "\n" + strings.Repeat("|x\n", 2000),
		"steps accumulate":  strings.Repeat("--\nsome text of a step\n", n/4),
		"classes of links":  strings.Repeat(".c["+strings.Repeat("[a](", 1000)+"]\n", 40),
		"spans on one line": strings.Repeat(".a[x] ", n),
		"divs on one line":  strings.Repeat(".a[\n] ", n/2),
		// A span whose body is a block is rendered twice (classes.go):
		// nested 32 deep, that must not double at every level (2^32).
		"nested block spans": strings.Repeat(strings.Repeat(".a[# ", maxClassDepth)+"x"+strings.Repeat("]", maxClassDepth)+"\n", 100),
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			start, cpu := time.Now(), cpuTime()
			d := Parse("big.md", []byte(src), nil)
			checkInvariants(t, d, []byte(src))
			// CPU time, not the clock: on a shared machine the clock
			// also counts the other processes' turns.
			if used := cpuTime() - cpu; used > 10*time.Second {
				t.Errorf("took %v of CPU", used)
			} else {
				t.Logf("%d bytes, %d steps, %v of CPU (%v on the clock)", len(src), len(d.Slides), used, time.Since(start))
			}
		})
	}
}

// fenceRuns opens fences of every length from 3 to n, none closed, so that
// each looks for its closer.
func fenceRuns(n int) string {
	var b strings.Builder
	for i := 3; i < n; i++ {
		b.WriteString(strings.Repeat("`", i) + "x\n")
	}
	return b.String()
}
