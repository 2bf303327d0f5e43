package slides

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// Golden tests: each testdata/golden/*.txt holds one case, a deck and the
// model it must parse to, in sections:
//
//	what the case proves, in prose
//	-- deck.md --          the deck ("-- deck.md crlf --": with CRLF line ends)
//	-- files --            optional: files that exist beside the deck
//	-- want --             the dump of the parsed deck (see dump)
//
// In the deck section a line ending in "⏎" ends just before it, so that
// trailing spaces can be seen (and survive editors). Run one case with
// go test -run 'TestGolden/NAME'; rewrite the want sections with
// go test -run TestGolden -update.

var update = flag.Bool("update", false, "rewrite the want sections of testdata/golden/*.txt")

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			c := readGolden(t, file)
			d := Parse("deck.md", c.deck, c.fsys)
			got := dump(d)
			if *update {
				c.want = got
				writeGolden(t, file, c)
				return
			}
			if got != c.want {
				t.Errorf("%s: model differs (run with -update to accept)\n%s", file, diffLines(c.want, got))
			}
		})
	}
}

// goldenCase is one parsed golden file.
type goldenCase struct {
	sections []section // as read, to write back
	deck     []byte
	fsys     fstest.MapFS
	want     string
}

type section struct {
	header string // "" for the prose before the first section
	body   string
}

func readGolden(t testing.TB, file string) *goldenCase {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	c := &goldenCase{fsys: fstest.MapFS{}}
	cur := &section{}
	for line := range strings.Lines(string(raw)) {
		trimmed := strings.TrimSuffix(line, "\n")
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) > 6 {
			c.sections = append(c.sections, *cur)
			cur = &section{header: trimmed}
			continue
		}
		cur.body += line
	}
	c.sections = append(c.sections, *cur)
	for _, s := range c.sections {
		fields := strings.Fields(strings.Trim(s.header, "- "))
		switch {
		case s.header == "":
		case fields[0] == "deck.md":
			body := strings.ReplaceAll(s.body, "⏎\n", "\n")
			body = strings.TrimSuffix(body, "⏎")
			if slices.Contains(fields, "crlf") {
				body = strings.ReplaceAll(body, "\n", "\r\n")
			}
			c.deck = []byte(body)
		case fields[0] == "files":
			for _, f := range strings.Fields(s.body) {
				c.fsys[f] = &fstest.MapFile{Data: []byte("x")}
			}
		case fields[0] == "want":
			c.want = s.body
		default:
			t.Fatalf("%s: unknown section %q", file, s.header)
		}
	}
	if c.deck == nil {
		t.Fatalf("%s: no deck.md section", file)
	}
	return c
}

func writeGolden(t testing.TB, file string, c *goldenCase) {
	t.Helper()
	var b strings.Builder
	wrote := false
	for _, s := range c.sections {
		if s.header == "-- want --" {
			s.body, wrote = c.want, true
		}
		if s.header != "" {
			b.WriteString(s.header + "\n")
		}
		b.WriteString(s.body)
	}
	if !wrote {
		b.WriteString("-- want --\n" + c.want)
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// dump writes a deck's model as readable text: one block per step, then
// problems, options other than remark's defaults, languages and files.
// Empty fields are left out.
func dump(d *Deck) string {
	var b strings.Builder
	for _, s := range d.Slides {
		fmt.Fprintf(&b, "step %d: number=%d line=%d", s.Index, s.Number, s.Line)
		if s.Continued {
			fmt.Fprintf(&b, " continued stepOf=%d", s.StepOf)
		} else if s.StepOf != s.Index {
			fmt.Fprintf(&b, " stepOf=%d", s.StepOf)
		}
		b.WriteString("\n")
		if s.Name != "" {
			fmt.Fprintf(&b, "  name: %s\n", s.Name)
		}
		if len(s.Classes) > 0 {
			fmt.Fprintf(&b, "  classes: %s\n", strings.Join(s.Classes, " "))
		}
		if len(s.Properties) > 0 {
			b.WriteString("  properties:\n")
			for _, k := range slices.Sorted(maps.Keys(s.Properties)) {
				fmt.Fprintf(&b, "    %s: %s\n", k, s.Properties[k])
			}
		}
		if len(s.Macros) > 0 {
			fmt.Fprintf(&b, "  macros: %s\n", strings.Join(s.Macros, " "))
		}
		if pl := s.Poll; pl != nil {
			fmt.Fprintf(&b, "  poll: id=%s line=%d answer=%d\n    question: %s\n", pl.ID, pl.Line, pl.Answer, pl.Question)
			for i, o := range pl.Options {
				fmt.Fprintf(&b, "    option %d: %s\n", i, o)
			}
		}
		b.WriteString("  html:\n")
		indent(&b, s.HTML)
		if s.NotesHTML != "" {
			b.WriteString("  notes:\n")
			indent(&b, s.NotesHTML)
		}
	}
	if len(d.Problems) > 0 {
		b.WriteString("problems:\n")
		for _, p := range d.Problems {
			fmt.Fprintf(&b, "  %s\n", p)
		}
	}
	if d.Options != defaultOptions() {
		fmt.Fprintf(&b, "options: highlightLines=%v countIncrementalSlides=%v\n", d.Options.HighlightLines, d.Options.CountIncrementalSlides)
	}
	if len(d.Languages) > 0 {
		fmt.Fprintf(&b, "languages: %s\n", strings.Join(d.Languages, " "))
	}
	if len(d.Files) > 0 {
		fmt.Fprintf(&b, "files: %s\n", strings.Join(d.Files, " "))
	}
	return b.String()
}

// indent writes s with every non-empty line indented by four spaces.
func indent(b *strings.Builder, s string) {
	if s == "" {
		return
	}
	for line := range strings.Lines(s + "\n") {
		if line != "\n" {
			b.WriteString("    ")
		}
		b.WriteString(line)
	}
}

// diffLines shows the first lines where want and got differ.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("first difference at want line %d:\nwant: %q\ngot:  %q", i+1, wl, gl)
		}
	}
	return "(no line differs)"
}
