package server

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"
	"github.com/chromedp/chromedp/kb"

	"wiretalk/internal/browsertest"
)

// remoteLayoutCheck is a predicate over the presenter console on a phone:
// "" when it is usable as a remote, else what is wrong. The page does not
// scroll sideways; the notes are on screen at 16 px or more; Previous and
// Next are at least 44x44 px and sit in the bottom third of the screen,
// where a thumb reaches; the elapsed time, the clock, the time left (and
// the pace, once the talk has begun) and the next slide's title are on
// screen.
const remoteLayoutCheck = `(() => {
	const doc = document.scrollingElement, W = innerWidth, H = innerHeight;
	if (doc.scrollWidth > W + 1) return 'the page scrolls sideways: ' + doc.scrollWidth + ' > ' + W;
	if (doc.scrollHeight > H + 1) return 'the page scrolls: ' + doc.scrollHeight + ' > ' + H;
	const onScreen = (id, what) => {
		const el = document.getElementById(id), r = el.getBoundingClientRect();
		if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') return what + ' is not shown';
		if (r.left < -1 || r.top < -1 || r.right > W + 1 || r.bottom > H + 1) return what + ' is off screen: ' + JSON.stringify(r);
		return '';
	};
	for (const [id, what] of [['elapsed', 'the elapsed time'], ['clock', 'the clock'], ['left', 'the time left'], ['notes', 'the notes'],
		['next-title', 'the next title'], ['current', 'the current slide'], ['blackout', 'Blackout'], ['goto', 'Go to']]) {
		const p = onScreen(id, what);
		if (p) return p;
	}
	const notes = document.getElementById('notes');
	const px = parseFloat(getComputedStyle(notes).fontSize);
	if (px < 16) return 'the notes are ' + px + 'px';
	for (const el of notes.querySelectorAll('*')) {
		if (el.getClientRects().length && parseFloat(getComputedStyle(el).fontSize) < 16) return 'a note is ' + getComputedStyle(el).fontSize;
	}
	if (notes.getBoundingClientRect().height < 80) return 'the notes box is ' + notes.getBoundingClientRect().height + 'px tall';
	for (const id of ['prev', 'next']) {
		const p = onScreen(id, id);
		if (p) return p;
		const r = document.getElementById(id).getBoundingClientRect();
		if (r.width < 44 || r.height < 44) return id + ' is ' + r.width + 'x' + r.height;
		if (r.top < H * 2 / 3) return id + ' is not at the bottom: top ' + r.top + ' of ' + H;
	}
	if (document.getElementById('elapsed').classList.contains('wt-running')) {
		const p = onScreen('pace', 'the pace');
		if (p) return p;
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
	if err := chromedp.Do(desk, chromedp.Navigate(ls.url("/"))); err != nil {
		t.Fatal(err)
	}
	for _, ph := range phones {
		t.Run(ph.name, func(t *testing.T) {
			ls.srv.Goto(0)
			waitFor(t, desk, "the projector on the first slide", shows("frame", 0))
			phone, _ := browsertest.New(t, browsertest.Device(ph.dev))
			if err := chromedp.Do(phone, chromedp.Navigate(ls.url("/presenter?key="+testKey))); err != nil {
				t.Fatal(err)
			}
			waitFor(t, phone, "the console", shows("current", 0))
			waitFor(t, phone, "the console live", `document.getElementById('status').dataset.state === 'live' && !document.getElementById('next').disabled`)
			n := len(ls.srv.currentView().deck.Slides)
			for i := 0; i < n; i++ {
				if i > 0 {
					// A tap on Next moves the talk, and the projector follows.
					if err := chromedp.Do(phone, chromedp.Tap("#next")); err != nil {
						t.Fatal(err)
					}
					waitFor(t, desk, "the projector to follow the tap", shows("frame", i))
					waitFor(t, phone, "the console to follow", shows("current", i))
				}
				problem, err := chromedp.Run(phone, chromedp.Evaluate[string](remoteLayoutCheck))
				if err != nil {
					t.Fatal(err)
				}
				if problem != "" {
					t.Errorf("step %d: %s", i, problem)
				}
			}
			// A Bluetooth clicker is a keyboard: PageUp and PageDown.
			if err := chromedp.Do(phone, chromedp.KeyEvent(kb.PageUp)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, desk, "the projector to follow the clicker back", shows("frame", n-2))
			if err := chromedp.Do(phone, chromedp.KeyEvent(kb.PageDown)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, desk, "the projector to follow the clicker on", shows("frame", n-1))
		})
	}
}

// TestBrowserRemoteScreenshot takes the README's picture of the console on
// a phone, with -screenshots: go test ./server -run RemoteScreenshot -screenshots ../docs/img
func TestBrowserRemoteScreenshot(t *testing.T) {
	if *screenshots == "" {
		t.Skip("writes the README's screenshots only with -screenshots DIR")
	}
	ls := newLiveServer(t, "", func(c *Config) { c.Duration = 30 * time.Minute })
	phone, _ := browsertest.New(t, browsertest.Phone())
	if err := chromedp.Do(phone, chromedp.Navigate(ls.url("/presenter?key="+testKey))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, phone, "the console live", `document.getElementById('status').dataset.state === 'live' && !document.getElementById('next').disabled`)
	for range 3 {
		if err := chromedp.Do(phone, chromedp.Tap("#next")); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, phone, "step 3 with its notes", shows("current", 3)+` && document.getElementById('notes').textContent.trim() !== ''`)
	setElapsed(t, ls, 4*time.Minute+12*time.Second)
	waitFor(t, phone, "the pace", `!document.getElementById('pace').hidden`)
	browsertest.Screenshot(t, phone, filepath.Join(*screenshots, "presenter-phone.png"))
}
