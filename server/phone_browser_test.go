package server

import (
	"flag"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"

	"wiretalk/internal/browsertest"
)

var screenshots = flag.String("screenshots", "", "with the browser tests, write the README's screenshots into this `folder` (e.g. ../docs/img)")

// layoutCheck is a predicate over the page on screen: it returns "" when
// the page does not scroll sideways and no visible text is smaller than
// 14 CSS px (the inspector's too, on the Demo slide), else what is wrong.
const layoutCheck = `(() => {
	const doc = document.scrollingElement;
	if (doc.scrollWidth > innerWidth + 1) return 'the page scrolls sideways: ' + doc.scrollWidth + ' > ' + innerWidth;
	const slide = document.querySelector('#frame .wt-slide');
	for (const el of slide.querySelectorAll('*')) {
		const text = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
		// The inspector's bit-grid captions (FIN, RSV1, opcode...) label a
		// diagram, like the numbers over the RFC's frame diagram.
		if (!text || !el.getClientRects().length || el.closest('.wti-lab')) continue;
		const px = parseFloat(getComputedStyle(el).fontSize);
		if (px < 14) return el.tagName + ' "' + el.textContent.trim().slice(0, 40) + '" is ' + px + 'px';
	}
	for (const pre of slide.querySelectorAll('pre')) {
		if (pre.getBoundingClientRect().right > innerWidth + 1) return 'a code block sticks out of the page';
	}
	return '';
})()`

// TestBrowserPhoneLayout walks every slide of the embedded talk, of
// testdata/features.md and of the user's talk (when it is here) on a 360 px wide phone: nothing scrolls the page sideways
// (wide code and diagrams scroll in their own box) and prose never shrinks
// below 14 px.
func TestBrowserPhoneLayout(t *testing.T) {
	for _, tc := range talks {
		t.Run(tc.name, func(t *testing.T) {
			deck := tc.source(t)
			ls := newLiveServer(t, deck)
			phone, _ := browsertest.New(t, browsertest.Device(device.GalaxyS5)) // 360 x 640
			if err := chromedp.Do(phone, chromedp.Navigate(ls.url("/"))); err != nil {
				t.Fatal(err)
			}
			n := len(ls.srv.currentView().deck.Slides)
			for i := 0; i < n; i++ {
				ls.srv.Goto(i)
				waitFor(t, phone, "the slide", shows("frame", i))
				// On the Demo slide, check the inspector as the audience
				// sees it: connected, with the handshake listed.
				waitFor(t, phone, "the inspector, if any", `!document.querySelector('#frame .wt-inspector') || !!document.querySelector('#frame .wti-hs')`)
				problem, err := chromedp.Run(phone, chromedp.Evaluate[string](layoutCheck))
				if err != nil {
					t.Fatal(err)
				}
				if problem != "" {
					t.Errorf("step %d: %s", i, problem)
				}
			}
		})
	}
}

// TestBrowserScreenshots takes the README's pictures of the embedded talk
// when -screenshots names a folder: go test ./server -run Screenshots -screenshots ../docs/img
func TestBrowserScreenshots(t *testing.T) {
	if *screenshots == "" {
		t.Skip("writes the README's screenshots only with -screenshots DIR")
	}
	ls := newLiveServer(t, "")
	desk, _ := browsertest.New(t)
	phone, _ := browsertest.New(t, browsertest.Phone())
	frame := -1 // the frame diagram: code that scrolls in its own box
	for _, s := range ls.srv.currentView().deck.Slides {
		if s.Name == "frame" {
			frame = s.Index
		}
	}
	ls.srv.Goto(frame)
	if err := chromedp.Do(desk, chromedp.Navigate(ls.url("/presenter?key="+testKey))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(phone, chromedp.Navigate(ls.url("/"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, desk, "the presenter", shows("current", frame))
	waitFor(t, phone, "the phone", shows("frame", frame))
	waitFor(t, desk, "the count", `document.getElementById('audience').textContent.startsWith('1 ')`)
	browsertest.Screenshot(t, phone, filepath.Join(*screenshots, "audience-phone.png"))
	browsertest.Screenshot(t, desk, filepath.Join(*screenshots, "presenter.png"))
}
