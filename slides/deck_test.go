package slides

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

func TestProblemString(t *testing.T) {
	p := Problem{File: "talk.md", Line: 12, Message: "unknown template \"x\""}
	if got, want := p.String(), `talk.md:12: unknown template "x"`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// Load looks for images next to the deck, also when the deck is in a
// folder of fsys, and reports them deck-relative.
func TestLoadResolvesFilesNextToTheDeck(t *testing.T) {
	fsys := fstest.MapFS{
		"talks/deck.md":       {Data: []byte("![a](img/a.png)\n---\nbackground-image: url('img/b.png')\n")},
		"talks/img/a.png":     {Data: []byte("png")},
		"img/b.png":           {Data: []byte("in the wrong folder")},
		"talks/unrelated.txt": {},
	}
	d, err := Load(fsys, "talks/deck.md")
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "talks/deck.md" {
		t.Errorf("Name = %q", d.Name)
	}
	if got := strings.Join(d.Files, " "); got != "img/a.png img/b.png" {
		t.Errorf("Files = %q, want both images, deck-relative", got)
	}
	if len(d.Problems) != 1 || d.Problems[0].String() != `talks/deck.md:3: image "img/b.png" not found next to the deck` {
		t.Errorf("Problems = %v, want only img/b.png missing, at line 3", d.Problems)
	}
}

func TestLoadUnreadableIsAnError(t *testing.T) {
	_, err := Load(fstest.MapFS{}, "nope.md")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want fs.ErrNotExist", err)
	}
}

// One goldmark and one chroma formatter serve every Parse: parsing decks
// at once must be safe (run with -race) and give the same result.
func TestParseConcurrently(t *testing.T) {
	want := dump(Parse("a.md", []byte(concurrentDeck), nil))
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			if got := dump(Parse("a.md", []byte(concurrentDeck), nil)); got != want {
				errs <- got
			}
		})
	}
	wg.Wait()
	close(errs)
	for got := range errs {
		t.Errorf("concurrent parse differs:\n%s", diffLines(want, got))
	}
}

const concurrentDeck = "# A[^1]\n\n```go\n*x := 1\n```\n\n[^1]: note\n---\n.c[*b*] ![:inspector]()\n--\n```ruby\nputs 1\n```\n???\n`n`\n"

func TestHighlightCSS(t *testing.T) {
	css := string(HighlightCSS())
	for _, want := range []string{
		".chroma .k {",                      // light, by default
		".chroma ." + highlightClass + " {", // highlighted lines
		"@media (prefers-color-scheme: dark) {\n",
		"  .chroma .k {",     // dark, in the media query
		".dark .chroma .k {", // dark, under a .dark ancestor
		".dark .chroma [class] {",
	} {
		if !strings.Contains(css, want) {
			t.Errorf("stylesheet lacks %q", want)
		}
	}
	if strings.Count(css, "{") != strings.Count(css, "}") {
		t.Error("unbalanced braces")
	}
	if first, again := HighlightCSS(), HighlightCSS(); &first[0] != &again[0] {
		t.Error("the stylesheet is generated again on each call")
	}
}

// Past the limits of limits.go a deck still parses, quickly, and says
// what it left out.
func TestLimitsAreReported(t *testing.T) {
	for _, c := range []struct {
		name, src, problem string
	}{
		{"deck too large", strings.Repeat("x", maxDeckSize+1), "1:the deck is 1024 KB; wiretalk reads decks up to 1024 KB"},
		{"piece too large", "# Big\n\n" + strings.Repeat("word ", maxPieceSize/5+1), "1:16 KB of Markdown in one piece"},
		{"wide table", "|a|\n|" + strings.Repeat("-|", maxTableColumns+1) + "\n", "2:table with 65 columns"},
		{"too many steps", strings.Repeat("--\n"+strings.Repeat("x", 1000)+"\n", 1000), "more than 512 KB of Markdown"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := Parse("big.md", []byte(c.src), nil)
			var got []string
			for _, p := range d.Problems {
				got = append(got, fmt.Sprintf("%d:%s", p.Line, p.Message))
			}
			if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, c.problem) }) {
				t.Errorf("problems = %q, want one with %q", got, c.problem)
			}
			if len(got) > 2 {
				t.Errorf("%d problems, want each limit reported once", len(got))
			}
		})
	}
	d := Parse("big.md", []byte("|a|\n|"+strings.Repeat("-|", maxTableColumns+1)+"\n"), nil)
	if h := d.Slides[0].HTML; strings.Contains(h, "<table>") || !strings.Contains(h, "|-|-|") {
		t.Errorf("a too wide table should show as text, got:\n%s", h)
	}
	d = Parse("big.md", []byte(strings.Repeat("word ", maxPieceSize/5+1)), nil)
	if h := d.Slides[0].HTML; !strings.HasPrefix(h, `<pre class="wt-too-large">word word`) {
		t.Errorf("a too large slide should show as plain text, got:\n%.100s", h)
	}
}

// The title is the text of the first slide's first h1 or h2, as a
// <title> shows it, or of the first slide with one.
func TestTitle(t *testing.T) {
	for _, c := range []struct{ deck, want string }{
		{"# WebSockets, *frame* by `frame` &amp; \\*more\\*\n## Sub", "WebSockets, frame by frame & *more*"},
		{"Setext\ntitle\n======", "Setext title"},
		{"### Too small\n\ntext\n---\n## Second slide", "Second slide"},
		{"class: middle\n\n.title[\n# In a class\n]", "In a class"},
		{".center[# A centred title]", "A centred title"},
		{".x[\n# The class's\n]\n\n# The slide's own", "The slide's own"},
		{"# <em>Raw</em> HTML is left out", "Raw HTML is left out"},
		{"no heading at all\n---\n### nor here", ""},
	} {
		if got := Parse("t.md", []byte(c.deck), nil).Title(); got != c.want {
			t.Errorf("%q: Title() = %q, want %q", c.deck, got, c.want)
		}
	}
}
