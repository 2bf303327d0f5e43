package server

import (
	"testing"

	"github.com/chromedp/chromedp/kb"

	"wiretalk/internal/browsertest"
)

// TestBrowserSelfStudy: with -study a reader steps freely through the
// whole talk, past where any presenter is, and reads the notes as a
// transcript under each slide; the URL names the slide.
func TestBrowserSelfStudy(t *testing.T) {
	ls := newLiveServer(t, browserDeck, func(c *Config) { c.Study = true })
	phone, _ := browsertest.New(t, browsertest.Phone())
	browsertest.Open(t, phone, ls.url("/"))
	browsertest.WaitFor(t, phone, "the first slide", browsertest.Shows("frame", 0))
	browsertest.WaitFor(t, phone, "its notes as a transcript", `!document.getElementById('notes').hidden && document.getElementById('notes').textContent.includes('Welcome notes.')`)
	for i := 1; i <= 3; i++ {
		browsertest.Press(t, phone, kb.ArrowRight)
		browsertest.WaitFor(t, phone, "the next step", browsertest.Shows("frame", i))
	}
	browsertest.WaitFor(t, phone, "the step's own notes", `document.getElementById('notes').textContent.includes('Step notes.')`)
	browsertest.WaitFor(t, phone, "the URL naming the step", `location.hash === '#frame.2'`)
	if ls.srv.Position() != 0 {
		t.Errorf("a reader moved the talk to %d", ls.srv.Position())
	}
	// A link to a slide by name opens there.
	browsertest.Open(t, phone, ls.url("/#masking"))
	browsertest.WaitFor(t, phone, "the named slide", browsertest.Shows("frame", 4))
}
