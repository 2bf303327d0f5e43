package slides

import (
	"bytes"
	"html"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// The user's talk, as its author wrote it for remark. testdata holds a
// copy so that the tests run anywhere; TestTalkCopyIsCurrent keeps it
// honest where the original is at hand.
const (
	talkFile     = "testdata/websockets-talk.md"
	talkOriginal = "../../shared/decks/websockets-talk.md"
)

func loadTalk(t testing.TB) (*Deck, []byte) {
	t.Helper()
	src, err := os.ReadFile(talkFile)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Load(fstest.MapFS{"websockets-talk.md": {Data: src}}, "websockets-talk.md")
	if err != nil {
		t.Fatal(err)
	}
	return d, src
}

func TestTalkCopyIsCurrent(t *testing.T) {
	orig, err := os.ReadFile(talkOriginal)
	if err != nil {
		t.Skipf("original talk not available: %v", err)
	}
	cp, err := os.ReadFile(talkFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(orig, cp) {
		t.Errorf("%s differs from %s: copy it again", talkFile, talkOriginal)
	}
}

func TestTalkStructure(t *testing.T) {
	d, _ := loadTalk(t)
	if len(d.Problems) > 0 {
		t.Errorf("the talk has problems: %v", d.Problems)
	}
	if len(d.Slides) != 12 {
		t.Fatalf("got %d steps, want 12", len(d.Slides))
	}
	var numbers, continued, withNotes []int
	for i, s := range d.Slides {
		if s.Index != i {
			t.Errorf("step %d has Index %d", i, s.Index)
		}
		numbers = append(numbers, s.Number)
		if s.Continued {
			continued = append(continued, i)
		}
		if s.NotesHTML != "" {
			withNotes = append(withNotes, i)
		}
	}
	// The talk sets no options: remark numbers every step.
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}; !slices.Equal(numbers, want) {
		t.Errorf("numbers = %v, want %v", numbers, want)
	}
	if want := []int{5, 8}; !slices.Equal(continued, want) {
		t.Errorf("continued steps = %v, want %v", continued, want)
	}
	if d.Slides[5].StepOf != 4 || d.Slides[8].StepOf != 7 {
		t.Errorf("stepOf of the steps = %d, %d; want 4, 7", d.Slides[5].StepOf, d.Slides[8].StepOf)
	}
	if want := []int{0, 1, 3, 4, 5, 6, 7, 8, 9, 11}; !slices.Equal(withNotes, want) {
		t.Errorf("steps with notes = %v, want %v", withNotes, want)
	}
	if want := []string{"http", "javascript", "ruby"}; !slices.Equal(d.Languages, want) {
		t.Errorf("languages = %v, want %v", d.Languages, want)
	}
	if len(d.Files) != 0 {
		t.Errorf("files = %v, want none (the images are on the web)", d.Files)
	}
}

// Each step shows what it should, and its own notes only.
func TestTalkContent(t *testing.T) {
	d, _ := loadTalk(t)
	for _, c := range []struct {
		step              int
		html, notes, not  []string
		backgroundImageOn bool
	}{
		{step: 0, html: []string{"<h1>Websockets</h1>", "<p>A binary protocol"}, notes: []string{"eliminates polling"}},
		{step: 1, html: []string{"<h1>Why Websockets?</h1>"}, notes: []string{"<li>Flash</li>"}, backgroundImageOn: true},
		{step: 2, html: []string{"<h1>How do they work?</h1>"}},
		{step: 3, html: []string{"<h2>Client Request</h2>", `<code class="language-http">`}, notes: []string{"Must be HTTP/1.1"}},
		{step: 4, html: []string{"<h2>Server Response</h2>"}, notes: []string{"Van Halen"}, not: []string{"Security"}},
		// The step repeats the server response and adds the ruby; its
		// notes are its own, not the slide's.
		{step: 5, html: []string{"<h2>Server Response</h2>", "<h3>&quot;Security&quot;</h3>", `<code class="language-ruby">`}, notes: []string{"Magic"}, not: []string{"Van Halen"}},
		{step: 6, html: []string{"<h1>The Protocol</h1>"}, notes: []string{"FIN bit", "<code>0x0</code>"}},
		{step: 7, html: []string{"<h2>Data Masking</h2>"}, notes: []string{"XOR"}, not: []string{"language-javascript"}},
		{step: 8, html: []string{"<h2>Data Masking</h2>", `<code class="language-javascript">`}, notes: []string{"strong source of entropy"}, not: []string{"XOR"}},
		{step: 9, notes: []string{"<h1>Heartbeating</h1>", "Mandatory pongs"}, backgroundImageOn: true},
		{step: 10, html: []string{"<h1>Demo</h1>"}},
		{step: 11, html: []string{"<h1>Gotchas</h1>", "<h2>Security</h2>", "<li>Load balancing</li>"}, notes: []string{"Nginx &gt;=1.4.0"}},
	} {
		s := d.Slides[c.step]
		for _, want := range c.html {
			if !strings.Contains(s.HTML, want) {
				t.Errorf("step %d: HTML lacks %q:\n%s", c.step, want, s.HTML)
			}
		}
		for _, want := range c.notes {
			if !strings.Contains(s.NotesHTML, want) {
				t.Errorf("step %d: notes lack %q:\n%s", c.step, want, s.NotesHTML)
			}
		}
		for _, unwanted := range c.not {
			if strings.Contains(s.HTML, unwanted) || strings.Contains(s.NotesHTML, unwanted) {
				t.Errorf("step %d: has %q, which belongs to another step", c.step, unwanted)
			}
		}
		bg := s.Properties["background-image"]
		if c.backgroundImageOn != strings.HasPrefix(bg, "url(http") {
			t.Errorf("step %d: background-image = %q", c.step, bg)
		}
	}
	if d.Slides[9].HTML != "" {
		t.Errorf("the heartbeat slide shows only its background; HTML = %q", d.Slides[9].HTML)
	}
}

var spanClass = regexp.MustCompile(`<span class="[a-z0-9]+">`)

// Code is highlighted by chroma with classes: tokens in spans, no inline
// styles.
func TestTalkCodeIsHighlighted(t *testing.T) {
	d, _ := loadTalk(t)
	for _, c := range []struct {
		step  int
		token string
	}{
		{3, `<span class="nf">GET</span>`},
		{5, `<span class="nb">require</span>`},
		{8, `<span class="kd">var</span>`},
	} {
		h := d.Slides[c.step].HTML
		if !strings.Contains(h, c.token) {
			t.Errorf("step %d: no %s in\n%s", c.step, c.token, h)
		}
		if strings.Contains(h, "style=") {
			t.Errorf("step %d: inline styles in highlighted code", c.step)
		}
		if n := len(spanClass.FindAllString(h, -1)); n < 10 {
			t.Errorf("step %d: only %d token spans", c.step, n)
		}
	}
}

var tag = regexp.MustCompile(`<[^>]*>`)

// The frame diagram comes out character for character, spaces included,
// one span.line per source line.
func TestTalkDiagramKeepsAlignment(t *testing.T) {
	d, src := loadTalk(t)
	text := string(src)
	start := strings.Index(text, "```\n      0                   1")
	end := strings.Index(text[start+4:], "```\n")
	if start < 0 || end < 0 {
		t.Fatal("diagram not found in the talk")
	}
	want := text[start+4 : start+4+end]

	h := d.Slides[6].HTML
	i, j := strings.Index(h, "<pre"), strings.Index(h, "</pre>")
	if i < 0 || j < 0 {
		t.Fatalf("no <pre> on the protocol slide:\n%s", h)
	}
	got := html.UnescapeString(tag.ReplaceAllString(h[i:j], ""))
	if got != want {
		t.Errorf("diagram changed:\ngot:\n%s\nwant:\n%s", got, want)
	}
	if lines, spans := strings.Count(want, "\n"), strings.Count(h[i:j], `<span class="line">`); lines != spans {
		t.Errorf("diagram has %d lines but %d line spans", lines, spans)
	}
}

func BenchmarkParseTalk(b *testing.B) {
	src, err := os.ReadFile(talkFile)
	if err != nil {
		b.Fatal(err)
	}
	Parse("talk.md", src, nil) // warm up chroma's lexers
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		Parse("talk.md", src, nil)
	}
}
