package slides

import (
	"html"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"wiretalk/slides/decktest"
)

// Real decks, end to end: the user's own talk, written for remark, where
// it is at hand (decktest: skipped elsewhere, a failure under CI=true), and
// the features deck of testdata/decks, which uses the same features (remote
// background images, notes on "--" steps, http, ruby and javascript code,
// the ASCII frame diagram) and runs everywhere. Each test runs on both.

// realDeck is what the tests expect of one deck.
type realDeck struct {
	name      string
	open      func(testing.TB) (string, []byte)
	steps     int
	numbers   []int // the number each step shows
	continued []int // the steps that are "--" steps
	stepOf    map[int]int
	withNotes []int
	languages []string
	content   []stepContent
	code      []codeToken
	diagram   int // the step with the frame diagram
	bare      int // the step that shows only its background image
}

// stepContent is what one step must show, in its HTML and in its notes,
// what it must not (it belongs to another step), and whether it has a
// remote background image.
type stepContent struct {
	step                  int
	html, notes, not      []string
	remoteBackgroundImage bool
}

// codeToken is a token chroma must have highlighted on a step.
type codeToken struct {
	step  int
	token string
}

func realDecks() []realDeck {
	return []realDeck{
		{
			name:      "features deck",
			open:      decktest.Features,
			steps:     12,
			numbers:   []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, // no options: remark numbers every step
			continued: []int{5, 8},
			stepOf:    map[int]int{5: 4, 8: 7},
			withNotes: []int{0, 1, 3, 4, 5, 6, 7, 8, 9, 11},
			languages: []string{"http", "javascript", "ruby"},
			content: []stepContent{
				{step: 0, html: []string{"<h1>Chat, live</h1>", "<p>From refresh buttons"}, notes: []string{"three times over"}},
				{step: 1, html: []string{"<h1>Why not just poll?</h1>"}, notes: []string{"<li>Most polls come back empty.</li>"}, remoteBackgroundImage: true},
				{step: 2, html: []string{"<h1>What changes on the wire?</h1>"}},
				{step: 3, html: []string{"<h2>The browser asks</h2>", `<code class="language-http">`}, notes: []string{"<code>Origin</code>"}},
				{step: 4, html: []string{"<h2>The server agrees</h2>"}, notes: []string{"Status 101"}, not: []string{"Where the answer"}},
				// The step repeats the server's answer and adds the ruby;
				// its notes are its own, not the slide's.
				{step: 5, html: []string{"<h2>The server agrees</h2>", "<h3>Where the answer comes from</h3>", `<code class="language-ruby">`}, notes: []string{"fixed GUID"}, not: []string{"Status 101"}},
				{step: 6, html: []string{"<h1>Every message is a frame</h1>"}, notes: []string{"FIN", "<code>0x1</code>"}},
				{step: 7, html: []string{"<h2>Masked, always</h2>"}, notes: []string{"confused proxy"}, not: []string{"language-javascript"}},
				{step: 8, html: []string{"<h2>Masked, always</h2>", `<code class="language-javascript">`}, notes: []string{"cycling every four bytes"}, not: []string{"confused proxy"}},
				{step: 9, notes: []string{"<h1>Staying alive</h1>", "ping before they do"}, remoteBackgroundImage: true},
				{step: 10, html: []string{"<h1>Demo</h1>"}},
				{step: 11, html: []string{"<h1>Lessons</h1>", "<h2>Capacity</h2>", "<li>Sticky sessions</li>"}, notes: []string{"proxy_read_timeout &gt;= 60s"}},
			},
			code: []codeToken{
				{3, `<span class="nf">GET</span>`},
				{5, `<span class="nb">require</span>`},
				{8, `<span class="kd">function</span>`},
			},
			diagram: 6,
			bare:    9,
		},
		{
			name:      "user's talk",
			open:      decktest.UserTalk,
			steps:     12,
			numbers:   []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, // it sets no options: remark numbers every step
			continued: []int{5, 8},
			stepOf:    map[int]int{5: 4, 8: 7},
			withNotes: []int{0, 1, 3, 4, 5, 6, 7, 8, 9, 11},
			languages: []string{"http", "javascript", "ruby"},
			content: []stepContent{
				{step: 0, html: []string{"<h1>Websockets</h1>", "<p>A binary protocol"}, notes: []string{"eliminates polling"}},
				{step: 1, html: []string{"<h1>Why Websockets?</h1>"}, notes: []string{"<li>Flash</li>"}, remoteBackgroundImage: true},
				{step: 2, html: []string{"<h1>How do they work?</h1>"}},
				{step: 3, html: []string{"<h2>Client Request</h2>", `<code class="language-http">`}, notes: []string{"Must be HTTP/1.1"}},
				{step: 4, html: []string{"<h2>Server Response</h2>"}, notes: []string{"Van Halen"}, not: []string{"Security"}},
				{step: 5, html: []string{"<h2>Server Response</h2>", "<h3>&quot;Security&quot;</h3>", `<code class="language-ruby">`}, notes: []string{"Magic"}, not: []string{"Van Halen"}},
				{step: 6, html: []string{"<h1>The Protocol</h1>"}, notes: []string{"FIN bit", "<code>0x0</code>"}},
				{step: 7, html: []string{"<h2>Data Masking</h2>"}, notes: []string{"XOR"}, not: []string{"language-javascript"}},
				{step: 8, html: []string{"<h2>Data Masking</h2>", `<code class="language-javascript">`}, notes: []string{"strong source of entropy"}, not: []string{"XOR"}},
				{step: 9, notes: []string{"<h1>Heartbeating</h1>", "Mandatory pongs"}, remoteBackgroundImage: true},
				{step: 10, html: []string{"<h1>Demo</h1>"}},
				{step: 11, html: []string{"<h1>Gotchas</h1>", "<h2>Security</h2>", "<li>Load balancing</li>"}, notes: []string{"Nginx &gt;=1.4.0"}},
			},
			code: []codeToken{
				{3, `<span class="nf">GET</span>`},
				{5, `<span class="nb">require</span>`},
				{8, `<span class="kd">var</span>`},
			},
			diagram: 6,
			bare:    9,
		},
	}
}

// eachRealDeck runs test on every real deck that is at hand, parsed as
// Load parses a deck from its folder.
func eachRealDeck(t *testing.T, test func(t *testing.T, c realDeck, d *Deck, src []byte)) {
	for _, c := range realDecks() {
		t.Run(c.name, func(t *testing.T) {
			path, src := c.open(t)
			name := filepath.Base(path)
			d, err := Load(fstest.MapFS{name: {Data: src}}, name)
			if err != nil {
				t.Fatal(err)
			}
			test(t, c, d, src)
		})
	}
}

func TestRealDeckStructure(t *testing.T) {
	eachRealDeck(t, func(t *testing.T, c realDeck, d *Deck, _ []byte) {
		if len(d.Problems) > 0 {
			t.Errorf("problems: %v", d.Problems)
		}
		if len(d.Slides) != c.steps {
			t.Fatalf("got %d steps, want %d", len(d.Slides), c.steps)
		}
		var numbers, continued, withNotes []int
		for i, s := range d.Slides {
			if s.Index != i {
				t.Errorf("step %d has Index %d", i, s.Index)
			}
			numbers = append(numbers, s.Number)
			if s.Continued {
				continued = append(continued, i)
				if s.StepOf != c.stepOf[i] {
					t.Errorf("step %d: stepOf = %d, want %d", i, s.StepOf, c.stepOf[i])
				}
			}
			if s.NotesHTML != "" {
				withNotes = append(withNotes, i)
			}
		}
		if !slices.Equal(numbers, c.numbers) {
			t.Errorf("numbers = %v, want %v", numbers, c.numbers)
		}
		if !slices.Equal(continued, c.continued) {
			t.Errorf("continued steps = %v, want %v", continued, c.continued)
		}
		if !slices.Equal(withNotes, c.withNotes) {
			t.Errorf("steps with notes = %v, want %v", withNotes, c.withNotes)
		}
		if !slices.Equal(d.Languages, c.languages) {
			t.Errorf("languages = %v, want %v", d.Languages, c.languages)
		}
		if len(d.Files) != 0 {
			t.Errorf("files = %v, want none (the images are on the web)", d.Files)
		}
	})
}

// Each step shows what it should, and its own notes only.
func TestRealDeckContent(t *testing.T) {
	eachRealDeck(t, func(t *testing.T, c realDeck, d *Deck, _ []byte) {
		for _, w := range c.content {
			s := d.Slides[w.step]
			for _, want := range w.html {
				if !strings.Contains(s.HTML, want) {
					t.Errorf("step %d: HTML lacks %q:\n%s", w.step, want, s.HTML)
				}
			}
			for _, want := range w.notes {
				if !strings.Contains(s.NotesHTML, want) {
					t.Errorf("step %d: notes lack %q:\n%s", w.step, want, s.NotesHTML)
				}
			}
			for _, unwanted := range w.not {
				if strings.Contains(s.HTML, unwanted) || strings.Contains(s.NotesHTML, unwanted) {
					t.Errorf("step %d: has %q, which belongs to another step", w.step, unwanted)
				}
			}
			bg := s.Properties["background-image"]
			if w.remoteBackgroundImage != (strings.HasPrefix(bg, "url(http://") || strings.HasPrefix(bg, "url(https://")) {
				t.Errorf("step %d: background-image = %q", w.step, bg)
			}
		}
		if h := d.Slides[c.bare].HTML; h != "" {
			t.Errorf("step %d shows only its background; HTML = %q", c.bare, h)
		}
	})
}

var spanClass = regexp.MustCompile(`<span class="[a-z0-9]+">`)

// Code is highlighted by chroma with classes: tokens in spans, no inline
// styles.
func TestRealDeckCodeIsHighlighted(t *testing.T) {
	eachRealDeck(t, func(t *testing.T, c realDeck, d *Deck, _ []byte) {
		for _, want := range c.code {
			h := d.Slides[want.step].HTML
			if !strings.Contains(h, want.token) {
				t.Errorf("step %d: no %s in\n%s", want.step, want.token, h)
			}
			if strings.Contains(h, "style=") {
				t.Errorf("step %d: inline styles in highlighted code", want.step)
			}
			if n := len(spanClass.FindAllString(h, -1)); n < 10 {
				t.Errorf("step %d: only %d token spans", want.step, n)
			}
		}
	})
}

var tag = regexp.MustCompile(`<[^>]*>`)

// The frame diagram comes out character for character, spaces included,
// one span.line per source line.
func TestRealDeckDiagramKeepsAlignment(t *testing.T) {
	eachRealDeck(t, func(t *testing.T, c realDeck, d *Deck, src []byte) {
		text := string(src)
		mid := strings.Index(text, "|F|R|R|R|")
		start := strings.LastIndex(text[:max(mid, 0)], "```\n")
		end := strings.Index(text[max(mid, 0):], "\n```")
		if mid < 0 || start < 0 || end < 0 {
			t.Fatal("no frame diagram in fenced code")
		}
		want := text[start+4 : mid+end+1]

		h := d.Slides[c.diagram].HTML
		i, j := strings.Index(h, "<pre"), strings.Index(h, "</pre>")
		if i < 0 || j < 0 {
			t.Fatalf("no <pre> on step %d:\n%s", c.diagram, h)
		}
		got := html.UnescapeString(tag.ReplaceAllString(h[i:j], ""))
		if got != want {
			t.Errorf("diagram changed:\ngot:\n%s\nwant:\n%s", got, want)
		}
		if lines, spans := strings.Count(want, "\n"), strings.Count(h[i:j], `<span class="line">`); lines != spans || lines < 16 {
			t.Errorf("diagram has %d lines but %d line spans", lines, spans)
		}
	})
}

func BenchmarkParseFeaturesDeck(b *testing.B) {
	_, src := decktest.Features(b)
	Parse("features.md", src, nil) // warm up chroma's lexers
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		Parse("features.md", src, nil)
	}
}
