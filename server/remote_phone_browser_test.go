package server

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"
	"github.com/chromedp/chromedp/kb"

	"wiretalk/internal/browsertest"
)

// remoteSizes is a predicate over the presenter console on a phone: ""
// when it is usable as a remote, else what is wrong. The page does not
// scroll; the notes are 16 px or more and have room; Previous and Next are
// at least 44x44 px and sit in the bottom third of the screen, where a
// thumb reaches; the current slide is small. (Sideways scrolling and what
// must be on screen are browsertest's Sideways and OnScreen.)
const remoteSizes = `(() => {
	const doc = document.scrollingElement, W = innerWidth, H = innerHeight;
	if (doc.scrollHeight > H + 1) return 'the page scrolls: ' + doc.scrollHeight + ' > ' + H;
	const notes = document.getElementById('notes');
	for (const el of [notes, ...notes.querySelectorAll('*')]) {
		if (el.getClientRects().length && parseFloat(getComputedStyle(el).fontSize) < 16) return 'a note is ' + getComputedStyle(el).fontSize;
	}
	if (notes.getBoundingClientRect().height < 80) return 'the notes box is ' + notes.getBoundingClientRect().height + 'px tall';
	for (const id of ['prev', 'next']) {
		const r = document.getElementById(id).getBoundingClientRect();
		if (r.width < 44 || r.height < 44) return id + ' is ' + r.width + 'x' + r.height;
		if (r.top < H * 2 / 3) return id + ' is not at the bottom: top ' + r.top + ' of ' + H;
	}
	const cur = document.getElementById('current').getBoundingClientRect();
	if (cur.width > W * 0.6) return 'the current slide is not small: ' + cur.width + ' of ' + W;
	return '';
})()`

// phones are the emulated devices of the remote's tests: a Pixel 5 and an
// iPhone-sized viewport, each upright and on its side, and a 360 px phone.
var phones = []struct {
	name string
	dev  chromedp.Device
}{
	{"Pixel 5", device.Pixel5},
	{"Pixel 5 landscape", device.Pixel5landscape},
	{"iPhone 12", device.IPhone12},
	{"iPhone 12 landscape", device.IPhone12landscape},
	{"Galaxy S5 (360 px)", device.GalaxyS5},
}

// TestBrowserRemotePhoneLayout opens the presenter console on each phone
// and checks that it is a usable remote, on every step of the deck, and
// that a tap on Next moves a desktop audience page.
func TestBrowserRemotePhoneLayout(t *testing.T) {
	ls := newLiveServer(t, browserDeck, func(c *Config) { c.Duration = 30 * time.Minute })
	desk, _ := browsertest.New(t) // the projector: a desktop audience page
	browsertest.Open(t, desk, ls.url("/"))
	for _, ph := range phones {
		t.Run(ph.name, func(t *testing.T) {
			ls.srv.Goto(0)
			browsertest.WaitFor(t, desk, "the projector on the first slide", browsertest.Shows("frame", 0))
			phone, _ := browsertest.New(t, browsertest.Device(ph.dev))
			browsertest.Open(t, phone, ls.url("/presenter?key="+testKey))
			browsertest.WaitFor(t, phone, "the console", browsertest.Shows("current", 0))
			browsertest.WaitFor(t, phone, "the console live", `document.getElementById('status').dataset.state === 'live' && !document.getElementById('next').disabled`)
			n := len(ls.srv.currentView().deck.Slides)
			for i := 0; i < n; i++ {
				if i > 0 {
					// A tap on Next moves the talk, and the projector follows.
					browsertest.Do(t, phone, chromedp.Tap("#next"))
					browsertest.WaitFor(t, desk, "the projector to follow the tap", browsertest.Shows("frame", i))
					browsertest.WaitFor(t, phone, "the console to follow", browsertest.Shows("current", i))
				}
				if n := browsertest.Sideways(t, phone); n != 0 {
					t.Errorf("step %d: the page scrolls %d px sideways", i, n)
				}
				// The clocks, the time left (and the pace, once the talk has
				// begun), the notes, the next title, Go to and Blackout.
				on := []string{"#elapsed", "#clock", "#left", "#notes", "#next-title", "#current", "#goto", "#blackout", "#prev", "#next"}
				if i > 0 {
					on = append(on, "#pace")
				}
				if p := browsertest.OnScreen(t, phone, on...); p != "" {
					t.Errorf("step %d: %s", i, p)
				}
				if p := browsertest.Eval[string](t, phone, remoteSizes); p != "" {
					t.Errorf("step %d: %s", i, p)
				}
			}
			// A Bluetooth clicker is a keyboard: PageUp and PageDown.
			browsertest.Do(t, phone, chromedp.KeyEvent(kb.PageUp))
			browsertest.WaitFor(t, desk, "the projector to follow the clicker back", browsertest.Shows("frame", n-2))
			browsertest.Do(t, phone, chromedp.KeyEvent(kb.PageDown))
			browsertest.WaitFor(t, desk, "the projector to follow the clicker on", browsertest.Shows("frame", n-1))
		})
	}
}

// TestBrowserRemoteScreenshot shows the console on a phone during a talk
// with its length set: the notes of the step, the time left and the pace.
// It is the README's picture: WIRETALK_SHOTS=docs/img go test ./server -run RemoteScreenshot
func TestBrowserRemoteScreenshot(t *testing.T) {
	ls := newLiveServer(t, "", func(c *Config) { c.Duration = 30 * time.Minute })
	phone, _ := browsertest.New(t, browsertest.Phone())
	browsertest.Open(t, phone, ls.url("/presenter?key="+testKey))
	browsertest.WaitFor(t, phone, "the console live", `document.getElementById('status').dataset.state === 'live' && !document.getElementById('next').disabled`)
	for range 3 {
		browsertest.Do(t, phone, chromedp.Tap("#next"))
	}
	browsertest.WaitFor(t, phone, "step 3 with its notes", browsertest.Shows("current", 3)+` && document.getElementById('notes').textContent.trim() !== ''`)
	setElapsed(t, ls, 4*time.Minute+12*time.Second)
	browsertest.WaitFor(t, phone, "the pace", `!document.getElementById('pace').hidden`)
	if p := browsertest.OnScreen(t, phone, "#elapsed", "#left", "#pace", "#notes", "#prev", "#next"); p != "" {
		t.Error(p)
	}
	browsertest.Shot(t, phone, "presenter-phone")
}
