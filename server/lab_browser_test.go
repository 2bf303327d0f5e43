package server

import (
	"slices"
	"testing"

	"github.com/chromedp/chromedp"

	"wiretalk/internal/browsertest"
)

// TestBrowserLabOnTheDemoSlide: the built-in talk's Demo slide carries the
// lab under the inspector, closed until opened; one tap there makes the
// server send a masked frame to this phone's own lab connection, the
// page shows the browser's 1002 and its own 1006, and leaving the slide
// takes the lab away with the inspector.
func TestBrowserLabOnTheDemoSlide(t *testing.T) {
	ls := newLiveServer(t, "")
	demo := -1
	for _, s := range ls.srv.currentView().deck.Slides {
		if slices.Contains(s.Macros, "inspector") {
			demo = s.Index
			break
		}
	}
	if demo < 1 {
		t.Fatalf("no slide carries the inspector (found %d)", demo)
	}
	phone, _ := browsertest.New(t, browsertest.Phone())
	if err := chromedp.Do(phone, chromedp.Navigate(ls.url("/"))); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitFor(t, phone, "the first slide", browsertest.Shows("frame", 0))
	ls.srv.Goto(demo)
	browsertest.WaitFor(t, phone, "the demo slide", browsertest.Shows("frame", demo))
	browsertest.WaitFor(t, phone, "the lab under the inspector", `!!document.querySelector('.wt-inspector + .wt-lab .wtl-summary')`)
	if err := chromedp.Do(phone, chromedp.Click(`.wtl-summary`)); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitFor(t, phone, "the lab to connect", `!!document.querySelector('.wtl-buttons[data-open] button[data-rule="masked"]')`)
	// The slide scrolls inside its frame: bring the button into view as
	// a thumb would, then tap it.
	if err := chromedp.Do(phone, chromedp.Evaluate[chromedp.Void](`document.querySelector('.wtl-buttons button[data-rule="masked"]').scrollIntoView({block: 'center'})`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(phone, chromedp.Click(`.wtl-buttons button[data-rule="masked"]`)); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			d, _ := chromedp.Run(phone, chromedp.Evaluate[string](`JSON.stringify(document.querySelector('.wtl-result')?.dataset) + ' ' + document.querySelector('.wtl-status')?.textContent`))
			t.Logf("the lab's result: %s", d)
		}
	}()
	browsertest.WaitFor(t, phone, "the browser's 1002 and the page's 1006", `(() => { const d = document.querySelector('.wtl-result')?.dataset;
		return d && d.sent === '818537fa213d7f9f4d5158' && d.browserCode === '1002' && d.pageCode === '1006' && d.pageClean === 'false' })()`)
	// The inspector beside it kept its own connection.
	browsertest.WaitFor(t, phone, "the inspector still connected", `document.querySelector('.wt-inspector .wti-status')?.textContent.startsWith('Connected')`)

	ls.srv.Goto(demo + 1)
	browsertest.WaitFor(t, phone, "the next slide", browsertest.Shows("frame", demo+1))
	browsertest.WaitFor(t, phone, "the lab to be gone", `document.querySelectorAll('.wtl, .wt-lab').length === 0`)
}
