package server

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/input"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"wiretalk/internal/browsertest"
)

// beforePageScripts runs src in every document the tab loads, before the
// page's own scripts: to watch what the page asks of the browser.
func beforePageScripts(t *testing.T, ctx context.Context, src string) {
	t.Helper()
	browsertest.Do(t, ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: src})
		return err
	}))
}

// setWindow minimizes the tab's window (the page becomes hidden, as when a
// phone's screen turns off or another app comes up) or restores it.
func setWindow(t *testing.T, ctx context.Context, state browser.WindowState) {
	t.Helper()
	browsertest.Do(t, ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		w, err := chromedp.Call(ctx, browser.GetWindowForTarget, browser.GetWindowForTargetParams{})
		if err != nil {
			return err
		}
		_, err = chromedp.Call(ctx, browser.SetWindowBounds, browser.SetWindowBoundsParams{WindowID: w.WindowID, Bounds: &browser.Bounds{WindowState: state}})
		return err
	}))
}

// wakeSpy records the wake locks the page gets from the real API.
const wakeSpy = `(() => {
	window.__locks = [];
	const wl = navigator.wakeLock, request = wl.request.bind(wl);
	wl.request = async type => { const l = await request(type); __locks.push(l); return l; };
})()`

// TestBrowserRemoteWakeLock: the console holds a screen wake lock while it
// shows a live talk; the lock is released when the page is hidden and
// taken again when it shows.
func TestBrowserRemoteWakeLock(t *testing.T) {
	ls := newLiveServer(t, browserDeck)
	phone, _ := browsertest.New(t, browsertest.Phone())
	beforePageScripts(t, phone, wakeSpy)
	browsertest.Open(t, phone, ls.url("/presenter?key="+testKey))
	browsertest.WaitFor(t, phone, "a wake lock", `__locks.length === 1 && !__locks[0].released && document.getElementById('wake').dataset.state === 'on'`)
	if s := browsertest.Eval[string](t, phone, `document.getElementById('wake').textContent`); s != "screen stays on" {
		t.Errorf("the console says %q", s)
	}

	setWindow(t, phone, browser.WindowStateMinimized)
	browsertest.WaitFor(t, phone, "the page hidden", `document.visibilityState === 'hidden'`)
	browsertest.WaitFor(t, phone, "the lock released", `__locks[0].released && document.getElementById('wake').dataset.state === 'off'`)

	setWindow(t, phone, browser.WindowStateNormal)
	browsertest.WaitFor(t, phone, "the page shown", `document.visibilityState === 'visible'`)
	browsertest.WaitFor(t, phone, "a new lock", `__locks.length === 2 && !__locks[1].released && document.getElementById('wake').dataset.state === 'on'`)

	// Where the browser has no Wake Lock API, the console says so.
	bare, _ := browsertest.New(t, browsertest.Phone())
	beforePageScripts(t, bare, `delete Navigator.prototype.wakeLock`)
	browsertest.Open(t, bare, ls.url("/presenter?key="+testKey))
	browsertest.WaitFor(t, bare, "the console live", `document.getElementById('status').dataset.state === 'live'`)
	browsertest.WaitFor(t, bare, "the console to say the screen may sleep",
		`!document.getElementById('wake').hidden && document.getElementById('wake').dataset.state === 'unavailable' && document.getElementById('wake').textContent.includes('cannot keep the screen on')`)
}

// TestBrowserRemotePacing checks pacing.js's arithmetic in the browser,
// then the console: the time left, the pace and the vibrations at 5
// minutes left and at the end.
func TestBrowserRemotePacing(t *testing.T) {
	ls := newLiveServer(t, browserDeck, func(c *Config) { c.Duration = 10 * time.Minute })
	phone, _ := browsertest.New(t, browsertest.Phone())
	beforePageScripts(t, phone, `window.__buzz = []; navigator.vibrate = p => { __buzz.push(p); return true; };`)
	browsertest.Open(t, phone, ls.url("/presenter?key="+testKey))
	browsertest.WaitFor(t, phone, "the console", browsertest.Shows("current", 0))

	t.Run("the arithmetic", func(t *testing.T) {
		for _, tc := range []struct{ what, expr, want string }{
			// Three slides, the second with a `--` step: 10 minutes shared
			// by slides, not steps.
			{"equal shares", `(() => { const p = m.plan(deck(0, 0, 0), 600000); return JSON.stringify([p.start, p.end]); })()`,
				`[[0,200000,200000,400000],[200000,400000,400000,600000]]`},
			{"minutes given", `(() => { const p = m.plan(deck(1, 3, 6), 0); return JSON.stringify([p.length, p.start, p.end]); })()`,
				`[600000,[0,60000,60000,240000],[60000,240000,240000,600000]]`},
			{"minutes on some slides: the others share the rest", `(() => { const p = m.plan(deck(0, 2, 0), 600000); return JSON.stringify(p.end); })()`,
				`[240000,360000,360000,600000]`},
			{"neither: no plan", `String(m.plan(deck(0, 0, 0), 0))`, `null`},
			{"ahead", `JSON.stringify(m.pace(m.plan(deck(0, 0, 0), 600000), 3, 100000))`, `{"pace":"ahead","by":300000}`},
			{"behind", `JSON.stringify(m.pace(m.plan(deck(0, 0, 0), 600000), 1, 500000))`, `{"pace":"behind","by":100000}`},
			{"on time", `JSON.stringify(m.pace(m.plan(deck(0, 0, 0), 600000), 2, 300000))`, `{"pace":"on time","by":0}`},
			{"clock", `[m.clock(0), m.clock(61000), m.clock(3725000), m.clock(-5000)].join(' ')`, `00:00 01:01 1:02:05 00:05`},
		} {
			expr := `import('/assets/pacing.js').then(mod => { const m = mod;
				const deck = (a, b, c) => [{index: 0, stepOf: 0, minutes: a}, {index: 1, stepOf: 1, minutes: b}, {index: 2, stepOf: 1, minutes: b}, {index: 3, stepOf: 3, minutes: c}];
				return ` + tc.expr + `; })`
			if got := browsertest.Eval[string](t, phone, expr); got != tc.want {
				t.Errorf("%s: got %s, want %s", tc.what, got, tc.want)
			}
		}
	})

	t.Run("the console", func(t *testing.T) {
		browsertest.WaitFor(t, phone, "10 minutes left, not started", `document.getElementById('left').textContent === '10:00 left' && document.getElementById('pace').hidden`)
		// The talk began 4:30 ago and is on its second slide (of five,
		// two minutes each): planned for 2:00 to 4:00, so 0:30 behind.
		ls.srv.mu.Lock()
		ls.srv.timer.start = time.Now().Add(-4*time.Minute - 30*time.Second)
		ls.srv.mu.Unlock()
		ls.srv.Goto(1)
		ls.srv.mu.Lock()
		ls.srv.timerChangedLocked()
		ls.srv.mu.Unlock()
		browsertest.WaitFor(t, phone, "behind by about half a minute", `/^behind 00:3[01]$/.test(document.getElementById('pace').textContent) && document.getElementById('pace').dataset.pace === 'behind'`)
		browsertest.WaitFor(t, phone, "5:30 left", `/^05:[23]\d left$/.test(document.getElementById('left').textContent)`)
		if n := browsertest.Eval[int](t, phone, `__buzz.length`); n != 0 {
			t.Errorf("the phone vibrated %d times with 5:30 left", n)
		}
		// 5:01 left: it buzzes once as the talk crosses 5 minutes.
		setElapsed(t, ls, 10*time.Minute-5*time.Minute-time.Second)
		browsertest.WaitFor(t, phone, "one buzz at 5 minutes left", `__buzz.length === 1`)
		// The end.
		setElapsed(t, ls, 10*time.Minute-time.Second)
		browsertest.WaitFor(t, phone, "a second buzz at the end", `__buzz.length === 2`)
		browsertest.WaitFor(t, phone, "over time", `document.getElementById('left').textContent.startsWith('over by') && document.getElementById('left').classList.contains('wt-over')`)
		time.Sleep(1500 * time.Millisecond)
		if n := browsertest.Eval[int](t, phone, `__buzz.length`); n != 2 {
			t.Errorf("the phone vibrated %d times in all, want 2", n)
		}
	})
}

// setElapsed restarts the talk's timer so that d has passed.
func setElapsed(t *testing.T, ls *liveServer, d time.Duration) {
	t.Helper()
	ls.srv.mu.Lock()
	defer ls.srv.mu.Unlock()
	ls.srv.timer.start = time.Now().Add(-d)
	ls.srv.timerChangedLocked()
}

// TestBrowserRemoteTwoConsoles: the laptop and the phone show the same
// position, blackout and timer, whichever of them acts; a length typed on
// one reaches the other.
func TestBrowserRemoteTwoConsoles(t *testing.T) {
	ls := newLiveServer(t, browserDeck)
	laptop, _ := browsertest.New(t)
	phone, _ := browsertest.New(t, browsertest.Phone())
	for _, c := range []context.Context{laptop, phone} {
		browsertest.Open(t, c, ls.url("/presenter?key="+testKey))
		browsertest.WaitFor(t, c, "the console live", `document.getElementById('status').dataset.state === 'live' && !document.getElementById('next').disabled`)
	}
	browsertest.Do(t, phone, chromedp.Tap("#next"))
	browsertest.WaitFor(t, laptop, "the laptop on step 1", browsertest.Shows("current", 1))
	browsertest.Do(t, laptop, chromedp.Click("#blackout"))
	browsertest.WaitFor(t, phone, "the phone in blackout", `document.getElementById('blackout').getAttribute('aria-pressed') === 'true'`)

	// The same timer on both: the server's. Compare a moment apart at most.
	browsertest.WaitFor(t, laptop, "the timer running", `document.getElementById('elapsed').classList.contains('wt-running')`)
	setElapsed(t, ls, 3*time.Minute+20*time.Second)
	for _, c := range []context.Context{laptop, phone} {
		browsertest.WaitFor(t, c, "3:20 elapsed", `/^03:2[01]$/.test(document.getElementById('elapsed').textContent)`)
	}

	browsertest.Do(t, laptop, chromedp.SendKeys("#length", "20\r"))
	browsertest.WaitFor(t, phone, "the length on the phone", `document.getElementById('length').value === '20' && /^16:[34]\d left$/.test(document.getElementById('left').textContent)`)
	// A jump, then Next at once: Next steps from where the jump goes.
	browsertest.Do(t, laptop, chromedp.KeyEvent("g"), chromedp.KeyEvent("3\r"), chromedp.KeyEvent(kb.ArrowRight))
	browsertest.WaitFor(t, phone, "the phone on the step after slide 3's first", browsertest.Shows("current", 3))
	browsertest.Do(t, phone, chromedp.Tap("#reset"))
	browsertest.WaitFor(t, laptop, "the reset on the laptop", `document.getElementById('elapsed').textContent === '00:00' && !document.getElementById('elapsed').classList.contains('wt-running')`)
}

// TestBrowserRemoteQRWhileHeld: "Open on your phone" shows the presenter
// URL's QR code, with a warning, only while the button is held down.
func TestBrowserRemoteQRWhileHeld(t *testing.T) {
	ls := newLiveServer(t, browserDeck)
	laptop, _ := browsertest.New(t)
	browsertest.Open(t, laptop, ls.url("/presenter?key="+testKey))
	browsertest.WaitFor(t, laptop, "the console live", `document.getElementById('status').dataset.state === 'live'`)
	if !browsertest.Eval[bool](t, laptop, `document.getElementById('qr-panel').hidden && !document.getElementById('qr').getAttribute('src')`) {
		t.Fatal("the QR code is on the page before the button is held")
	}
	xy := browsertest.Eval[[]float64](t, laptop, `(() => { const r = document.getElementById('qr-hold').getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()`)
	mouse := func(typ input.DispatchMouseEventType) {
		t.Helper()
		browsertest.Do(t, laptop, chromedp.MouseEvent(typ, xy[0], xy[1], chromedp.ButtonLeft))
	}
	mouse(input.DispatchMouseEventTypeMousePressed)
	browsertest.WaitFor(t, laptop, "the QR code while held", `!document.getElementById('qr-panel').hidden && document.getElementById('qr').naturalWidth > 0`)
	if w := browsertest.Eval[string](t, laptop, `document.getElementById('qr-warning').textContent`); w == "" {
		t.Error("no warning beside the QR code")
	}
	mouse(input.DispatchMouseEventTypeMouseReleased)
	browsertest.WaitFor(t, laptop, "the QR code gone on release", `document.getElementById('qr-panel').hidden && !document.getElementById('qr').getAttribute('src')`)
}

// TestBrowserRemoteNotesSize: the bigger/smaller control changes the
// notes' size, never under 16 px, and the phone remembers it.
func TestBrowserRemoteNotesSize(t *testing.T) {
	ls := newLiveServer(t, browserDeck)
	phone, _ := browsertest.New(t, browsertest.Phone())
	browsertest.Open(t, phone, ls.url("/presenter?key="+testKey))
	browsertest.WaitFor(t, phone, "the notes", `document.getElementById('notes').textContent.includes('Welcome')`)
	size := func() float64 {
		return browsertest.Eval[float64](t, phone, `parseFloat(getComputedStyle(document.getElementById('notes')).fontSize)`)
	}
	first := size()
	if first < 16 {
		t.Fatalf("the notes start at %vpx", first)
	}
	for range 2 {
		browsertest.Do(t, phone, chromedp.Tap("#bigger"))
	}
	if got := size(); got != first+4 {
		t.Errorf("two taps on A+: %vpx, want %vpx", got, first+4)
	}
	browsertest.Do(t, phone, chromedp.Reload())
	browsertest.WaitFor(t, phone, "the notes after a reload", `document.getElementById('notes').textContent.includes('Welcome')`)
	if got := size(); got != first+4 {
		t.Errorf("after a reload: %vpx, want the %vpx chosen", got, first+4)
	}
	for range 10 {
		browsertest.Do(t, phone, chromedp.Tap("#smaller"))
	}
	if got := size(); got != 16 {
		t.Errorf("after many taps on A−: %vpx, want 16", got)
	}
}
