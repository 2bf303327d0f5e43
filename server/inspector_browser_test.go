package server

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"wiretalk/internal/browsertest"
)

// TestBrowserInspectorOnTheDemoSlide: a deck's ![:inspector]() slide runs
// the live frame inspector on every phone, showing that phone's own
// frames, and nothing of it exists on other slides.
func TestBrowserInspectorOnTheDemoSlide(t *testing.T) {
	for _, tc := range talks {
		t.Run(tc.name, func(t *testing.T) {
			deck := tc.source(t)
			if deck != "" {
				// What an author adds to a remark talk to get the inspector on its Demo slide.
				withMacro := strings.Replace(deck, "# Demo\n", "# Demo\n\n![:inspector]()\n", 1)
				if withMacro == deck {
					t.Fatal("the deck has no '# Demo' slide any more")
				}
				deck = withMacro
			}
			ls := newLiveServer(t, deck)
			demo := -1
			for _, s := range ls.srv.currentView().deck.Slides {
				if slices.Contains(s.Macros, "inspector") {
					demo = s.Index
					break
				}
			}
			if demo < 1 {
				t.Fatalf("no slide after the first carries the inspector macro (found %d)", demo)
			}
			phone, _ := browsertest.New(t, browsertest.Phone())
			browsertest.Open(t, phone, ls.url("/"))
			browsertest.WaitFor(t, phone, "the first slide", browsertest.Shows("frame", 0))
			if n := browsertest.Eval[int](t, phone, `document.querySelectorAll('.wti').length`); n != 0 {
				t.Fatal("the inspector is on the first slide")
			}

			ls.srv.Goto(demo)
			browsertest.WaitFor(t, phone, "the demo slide", browsertest.Shows("frame", demo))
			browsertest.WaitFor(t, phone, "the inspector to connect", `document.querySelector('.wt-inspector .wti-status')?.textContent.startsWith('Connected')`)
			browsertest.Do(t, phone, chromedp.Evaluate[chromedp.Void](`document.querySelector('.wti-msg').value = 'sent from my phone'`),
				chromedp.Click(`.wt-inspector button[data-act="text"]`))
			browsertest.WaitFor(t, phone, "the phone's own masked frame", `[...document.querySelectorAll('.wti-item.wti-in')].some(b => b.textContent.includes('MASK=1'))`)
			browsertest.WaitFor(t, phone, "its unmasked text", `document.querySelector('.wti-payload')?.textContent === 'sent from my phone'`)

			ls.srv.Goto(demo + 1)
			browsertest.WaitFor(t, phone, "the next slide", browsertest.Shows("frame", demo+1))
			browsertest.WaitFor(t, phone, "the inspector to be gone", `document.querySelectorAll('.wti').length === 0`)
		})
	}
}
