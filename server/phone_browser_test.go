package server

import (
	"testing"

	"github.com/chromedp/chromedp/device"

	"wiretalk/internal/browsertest"
)

// layoutCheck is a predicate over the page on screen: it returns "" when
// the page does not scroll sideways and no visible text is smaller than
// 14 CSS px (the inspector's too, on the Demo slide), else what is wrong.
const layoutCheck = `(() => {
	const doc = document.scrollingElement;
	if (doc.scrollWidth > doc.clientWidth) return 'the page scrolls sideways: ' + doc.scrollWidth + ' > ' + doc.clientWidth;
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
			browsertest.Open(t, phone, ls.url("/"))
			n := len(ls.srv.currentView().deck.Slides)
			for i := 0; i < n; i++ {
				ls.srv.Goto(i)
				browsertest.WaitFor(t, phone, "the slide", browsertest.Shows("frame", i))
				// On the Demo slide, check the inspector as the audience
				// sees it: connected, with the handshake listed.
				browsertest.WaitFor(t, phone, "the inspector, if any", `!document.querySelector('#frame .wt-inspector') || !!document.querySelector('#frame .wti-hs')`)
				if problem := browsertest.Eval[string](t, phone, layoutCheck); problem != "" {
					t.Errorf("step %d: %s", i, problem)
				}
			}
		})
	}
}

// TestBrowserScreenshots sets up the README's pictures of the embedded
// talk, the frame diagram on a phone and on the presenter's laptop, and
// checks what they show: the diagram scrolls in its own box on the phone,
// the presenter sees the slide, the next one, the notes and one viewer.
// With WIRETALK_SHOTS=docs/img it rewrites them (see browsertest.Shot).
func TestBrowserScreenshots(t *testing.T) {
	ls := newLiveServer(t, "")
	desk, _ := browsertest.New(t)
	phone, _ := browsertest.New(t, browsertest.Phone())
	frame := -1 // the frame diagram: code that scrolls in its own box
	for _, s := range ls.srv.currentView().deck.Slides {
		if s.Name == "frame" {
			frame = s.Index
		}
	}
	if frame < 0 {
		t.Fatal("the embedded talk has no slide named frame")
	}
	ls.srv.Goto(frame)
	browsertest.Open(t, desk, ls.url("/presenter?key="+testKey))
	browsertest.Open(t, phone, ls.url("/"))
	browsertest.WaitFor(t, desk, "the presenter", browsertest.Shows("current", frame))
	browsertest.WaitFor(t, phone, "the phone", browsertest.Shows("frame", frame))
	browsertest.WaitFor(t, desk, "the count", `document.getElementById('audience').textContent.startsWith('1 ')`)
	browsertest.WaitFor(t, desk, "the next slide", browsertest.Shows("upcoming", frame+1))
	browsertest.WaitFor(t, desk, "the notes", `document.getElementById('notes').textContent.trim() !== ''`)
	if !browsertest.Eval[bool](t, phone, `(p => !!p && p.scrollWidth > p.clientWidth && p.getBoundingClientRect().right <= innerWidth)(document.querySelector('#frame .wt-slide pre'))`) {
		t.Error("on the phone the diagram does not scroll inside a box that fits the screen")
	}
	if problem := browsertest.Eval[string](t, phone, layoutCheck); problem != "" {
		t.Errorf("phone: %s", problem)
	}
	browsertest.Shot(t, phone, "audience-phone")
	browsertest.Shot(t, desk, "presenter")
}
