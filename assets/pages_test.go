package assets_test

// Browser tests of the audience and presenter pages against the stand-in
// server of harness_test.go. Screenshots go to $WIRETALK_SHOTS when it is
// set (see internal/browsertest.Shot).

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"
	"github.com/chromedp/chromedp/kb"

	"wiretalk/internal/browsertest"
)

// timeout bounds the harness's waits for a page's socket and messages: as
// long as browsertest.WaitTimeout, for a loaded machine; a test waits that
// long only when it is failing anyway.
const timeout = browsertest.WaitTimeout

// phone is a 360 px wide portrait phone with touch: the narrowest we support.
var phone = browsertest.Device(device.GalaxyS5)

// showing waits for the slide of index i on the page.
func showing(t testing.TB, ctx context.Context, i int) {
	t.Helper()
	browsertest.WaitFor(t, ctx, fmt.Sprintf("step %d", i), browsertest.Shows("frame", i)+" || "+browsertest.Shows("current", i))
}

// swipeOn swipes across the element that selector finds, towards "next"
// (finger to the left) or "prev".
func swipeOn(t testing.TB, ctx context.Context, selector, towards string) {
	t.Helper()
	r := browsertest.Eval[[]float64](t, ctx, `(r => [r.left, r.top, r.width, r.height])(document.querySelector('`+selector+`').getBoundingClientRect())`)
	left, right, y := r[0]+r[2]*0.15, r[0]+r[2]*0.85, r[1]+r[3]/2
	if towards == "next" {
		browsertest.Swipe(t, ctx, right, y, left, y+5)
	} else {
		browsertest.Swipe(t, ctx, left, y, right, y-5)
	}
}

func open(t testing.TB, ctx context.Context, url string) {
	t.Helper()
	browsertest.Open(t, ctx, url)
	browsertest.WaitFor(t, ctx, "", `document.getElementById('status').dataset.state === 'live'`)
}

// noSideways checks the page itself never scrolls sideways.
func noSideways(t testing.TB, ctx context.Context, what string) {
	t.Helper()
	if px := browsertest.Sideways(t, ctx); px > 0 {
		t.Errorf("%s: the page scrolls sideways by %d px", what, px)
	}
}

// smallestProse returns the smallest font size of text on the slide outside
// code blocks, and what has it.
const smallestProse = `(() => {
	let min = [Infinity, ''];
	const walk = document.createTreeWalker(document.querySelector('.wt-slide'), NodeFilter.SHOW_TEXT);
	for (let n; (n = walk.nextNode());) {
		const el = n.parentElement;
		if (!n.data.trim() || el.closest('pre')) continue;
		const px = parseFloat(getComputedStyle(el).fontSize);
		if (px < min[0]) min = [px, el.tagName + ' "' + n.data.trim().slice(0, 30) + '"'];
	}
	return min;
})()`

func TestAudienceOnA360pxPhone(t *testing.T) {
	d := testDeck(t)
	f := newFakeServer(t, d)
	ctx, _ := browsertest.New(t, phone)
	open(t, ctx, f.URL)
	if w := browsertest.Eval[int](t, ctx, `innerWidth`); w != 360 {
		t.Fatalf("innerWidth = %d, want 360", w)
	}
	for i, s := range d.Slides {
		f.goTo(i, false)
		showing(t, ctx, i)
		what := fmt.Sprintf("slide %d (%s)", i, s.Name)
		noSideways(t, ctx, what)
		min := browsertest.Eval[[]any](t, ctx, smallestProse)
		if px, _ := min[0].(float64); px < 14 {
			t.Errorf("%s: text at %vpx, below 14px: %v", what, px, min[1])
		}
		if want := fmt.Sprintf("%d / %d", s.Number, d.Slides[len(d.Slides)-1].Number); browsertest.Eval[string](t, ctx, `document.getElementById('count').textContent`) != want {
			t.Errorf("%s: count = %q, want %q", what, browsertest.Eval[string](t, ctx, `document.getElementById('count').textContent`), want)
		}
		switch s.Name {
		case "frame":
			// The diagram is wider than the phone: it scrolls in its own box.
			if !browsertest.Eval[bool](t, ctx, `(p => p.scrollWidth > p.clientWidth && getComputedStyle(p).overflowX === 'auto')(document.querySelector('.wt-slide pre'))`) {
				t.Errorf("%s: the diagram does not scroll inside its box", what)
			}
			browsertest.Shot(t, ctx, "phone-diagram")
		case "compare":
			if !browsertest.Eval[bool](t, ctx, `(e => e.scrollWidth > e.clientWidth)(document.querySelector('.wt-slide table'))`) {
				t.Errorf("%s: the table should scroll inside its box on a phone", what)
			}
			browsertest.Shot(t, ctx, "phone-table")
		case "title", "accept", "picture":
			browsertest.Shot(t, ctx, "phone-"+s.Name)
		}
	}
}

// TestAudienceOnAPhoneInTheDark: a phone that prefers a dark colour
// scheme shows the talk light on dark (the slide, its code, the bar), and
// every text on it stands out from its background as WCAG 2 AA asks.
func TestAudienceOnAPhoneInTheDark(t *testing.T) {
	f := newFakeServer(t, testDeck(t))
	ctx, _ := browsertest.New(t, phone, browsertest.Dark())
	open(t, ctx, f.URL)
	for _, i := range []int{0, 1, 4, 6} { // the title, prose, HTTP, Go
		f.goTo(i, false)
		showing(t, ctx, i)
		what := fmt.Sprintf("slide %d", i)
		for _, part := range []string{"#frame .wt-slide", ".wt-bar", "#frame .wt-slide pre"} {
			if !browsertest.Eval[bool](t, ctx, `!!document.querySelector('`+part+`')`) {
				continue
			}
			if l := browsertest.Luminance(t, ctx, part); l < 0 || l > 0.1 {
				t.Errorf("%s: behind %s the luminance is %.2f, not dark", what, part, l)
			}
		}
		for _, p := range browsertest.LowContrast(t, ctx, "body") {
			t.Errorf("%s: %s", what, p)
		}
		browsertest.Shot(t, ctx, fmt.Sprintf("phone-dark-%d", i))
	}
}

func TestAudienceSwipesAndKeysStayBehindThePresenter(t *testing.T) {
	f := newFakeServer(t, testDeck(t))
	f.goTo(4, false)
	ctx, _ := browsertest.New(t, phone)
	open(t, ctx, f.URL)
	showing(t, ctx, 4)
	followHidden := `document.getElementById('follow').hidden`

	swipeOn(t, ctx, ".wt-slide h1", "prev")
	showing(t, ctx, 3)
	browsertest.WaitFor(t, ctx, "", `!`+followHidden+` && document.getElementById('follow').textContent === 'Presenter is on 4 — tap to follow'`)
	noSideways(t, ctx, "with the follow bar")
	browsertest.Shot(t, ctx, "phone-detached")

	swipeOn(t, ctx, ".wt-slide h1", "next") // back to the presenter
	showing(t, ctx, 4)
	browsertest.WaitFor(t, ctx, "", followHidden)
	swipeOn(t, ctx, ".wt-slide h1", "next") // never past the presenter
	time.Sleep(200 * time.Millisecond)
	showing(t, ctx, 4)

	browsertest.Swipe(t, ctx, 100, 150, 160, 450) // mostly vertical: a scroll, not a swipe
	time.Sleep(200 * time.Millisecond)
	showing(t, ctx, 4)

	browsertest.Press(t, ctx, kb.ArrowLeft)
	showing(t, ctx, 3)
	browsertest.Press(t, ctx, kb.Home)
	showing(t, ctx, 0)
	browsertest.Press(t, ctx, " ")
	showing(t, ctx, 1)
	browsertest.Press(t, ctx, kb.End)
	showing(t, ctx, 4)
	browsertest.WaitFor(t, ctx, "", followHidden)

	// Detached, the page stays put while the presenter moves on, and the
	// bar says where the presenter is; tapping it follows again.
	browsertest.Press(t, ctx, kb.PageUp)
	showing(t, ctx, 3)
	f.goTo(6, false)
	browsertest.WaitFor(t, ctx, "", `document.getElementById('follow').textContent === 'Presenter is on 6 — tap to follow'`)
	showing(t, ctx, 3)
	browsertest.Do(t, ctx, chromedp.Tap(chromedp.ID("follow")))
	showing(t, ctx, 6)
	browsertest.WaitFor(t, ctx, "", followHidden)

	// The presenter going back before a detached viewer brings them along.
	browsertest.Press(t, ctx, kb.ArrowLeft)
	browsertest.Press(t, ctx, kb.ArrowLeft)
	showing(t, ctx, 4)
	f.goTo(2, false)
	showing(t, ctx, 2)
	browsertest.WaitFor(t, ctx, "", followHidden)

	// A swipe that starts on the wide diagram scrolls it, and does not
	// turn the slide.
	f.goTo(5, false)
	showing(t, ctx, 5)
	swipeOn(t, ctx, ".wt-slide pre", "next")
	time.Sleep(200 * time.Millisecond)
	swipeOn(t, ctx, ".wt-slide pre", "prev")
	time.Sleep(200 * time.Millisecond)
	showing(t, ctx, 5)
	browsertest.WaitFor(t, ctx, "", followHidden)
	// but a swipe on the heading does.
	swipeOn(t, ctx, ".wt-slide h1", "prev")
	showing(t, ctx, 4)
	swipeOn(t, ctx, ".wt-slide h1", "next")
	showing(t, ctx, 5)

	// The pager buttons do what the keys do.
	browsertest.Do(t, ctx, chromedp.Tap(chromedp.ID("prev")))
	showing(t, ctx, 4)
	browsertest.Do(t, ctx, chromedp.Tap(chromedp.ID("next")))
	showing(t, ctx, 5)
	if !browsertest.Eval[bool](t, ctx, `document.getElementById('next').disabled`) {
		t.Error("the next button is enabled on the presenter's slide")
	}
}

func TestAudienceReconnectsAndResyncs(t *testing.T) {
	f := newFakeServer(t, testDeck(t))
	ctx, _ := browsertest.New(t, phone)
	open(t, ctx, f.URL)
	showing(t, ctx, 0)
	status := `document.getElementById('status').dataset.state`

	// The server goes away; the slide moves on while the page is cut off.
	f.drop(true)
	browsertest.WaitFor(t, ctx, "", status+` === 'reconnecting'`)
	browsertest.WaitFor(t, ctx, "", `document.querySelector('#status .wt-word').textContent === 'reconnecting'`)
	browsertest.Shot(t, ctx, "phone-reconnecting")
	f.goTo(3, false)
	time.Sleep(time.Second)
	f.setRefuse(false)
	browsertest.WaitFor(t, ctx, "", status+` === 'live'`)
	showing(t, ctx, 3)

	// After a long outage the backoff is long, but the network coming back
	// reconnects at once. Not timed: the page's timers are cleared first,
	// the backoff's with them, so only the 'online' event can reconnect.
	f.drop(true)
	browsertest.WaitFor(t, ctx, "", status+` === 'offline'`) // after a few failed attempts
	f.goTo(4, false)
	// The timers go before the server takes connections again, so that
	// the backoff's (4 s or more by now) cannot fire in between, however
	// slow the machine.
	browsertest.Eval[any](t, ctx, `{ const last = setTimeout(() => {}); for (let id = 0; id <= last; id++) clearTimeout(id); }`)
	f.setRefuse(false)
	time.Sleep(300 * time.Millisecond) // a reconnection would land by now
	if got := browsertest.Eval[string](t, ctx, status); got != "offline" {
		t.Fatalf("status %q with no timer left, before 'online'", got)
	}
	browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](`dispatchEvent(new Event('online'))`))
	browsertest.WaitFor(t, ctx, "", status+` === 'live'`)
	showing(t, ctx, 4)
}

func TestAudienceBlackout(t *testing.T) {
	f := newFakeServer(t, testDeck(t))
	f.goTo(3, false)
	ctx, _ := browsertest.New(t, phone)
	open(t, ctx, f.URL)
	showing(t, ctx, 3)
	f.goTo(3, true)
	browsertest.WaitFor(t, ctx, "", `!document.getElementById('blackout').hidden`)
	if got := browsertest.Eval[string](t, ctx, `getComputedStyle(document.getElementById('blackout')).backgroundColor`); got != "rgb(0, 0, 0)" {
		t.Errorf("blackout background = %s", got)
	}
	browsertest.Press(t, ctx, kb.ArrowLeft) // no stepping in the dark
	time.Sleep(150 * time.Millisecond)
	showing(t, ctx, 3)
	browsertest.Shot(t, ctx, "phone-blackout")
	f.goTo(3, false)
	browsertest.WaitFor(t, ctx, "", `document.getElementById('blackout').hidden`)
}

func TestAudienceKeepsItsSlideWhenTheDeckChanges(t *testing.T) {
	d := testDeck(t)
	f := newFakeServer(t, d)
	f.goTo(6, false)
	ctx, _ := browsertest.New(t)
	reader, _ := browsertest.NewTab(t, ctx)
	open(t, ctx, f.URL)
	open(t, reader, f.URL)
	showing(t, reader, 6)
	browsertest.Press(t, reader, kb.ArrowLeft)
	browsertest.Press(t, reader, kb.ArrowLeft)
	browsertest.Press(t, reader, kb.ArrowLeft)
	showing(t, reader, 3) // "compare"
	showing(t, ctx, 6)

	// The author inserts a slide near the top: "compare" moves to 4, and
	// the presenter's slide to 7.
	d2 := testDeck(t)
	d2.Version = "v2"
	d2.Slides = append(d2.Slides[:1], append([]slide{{Name: "new", HTML: "<h1>A new slide</h1>"}}, d2.Slides[1:]...)...)
	renumber(d2)
	f.setDeck(d2, 7)
	showing(t, reader, 4)
	browsertest.WaitFor(t, reader, "", `document.querySelector('.wt-slide h1').textContent === 'Four ways to get news'`)
	browsertest.WaitFor(t, reader, "", `document.getElementById('follow').textContent === 'Presenter is on 7 — tap to follow'`)
	showing(t, ctx, 7) // the follower follows
	browsertest.WaitFor(t, ctx, "", `document.getElementById('count').textContent === '7 / 10'`)
}

func TestStudyModeStepsFreelyWithNotesAndHash(t *testing.T) {
	d := testDeck(t)
	d.Study = true
	f := newFakeServer(t, d)
	ctx, _ := browsertest.New(t, phone)
	open(t, ctx, f.URL+"/#compare")
	showing(t, ctx, 3)
	browsertest.WaitFor(t, ctx, "", `document.getElementById('notes').textContent.includes('underrated')`)
	if !browsertest.Eval[bool](t, ctx, `document.getElementById('follow').hidden`) {
		t.Error("a follow bar in self-study mode")
	}
	noSideways(t, ctx, "study mode")
	browsertest.Shot(t, ctx, "phone-study")

	browsertest.Press(t, ctx, kb.ArrowRight) // past the presenter (at 0): fine here
	showing(t, ctx, 4)
	browsertest.WaitFor(t, ctx, "", `location.hash === '#handshake'`)
	browsertest.Press(t, ctx, kb.End)
	showing(t, ctx, len(d.Slides)-1)
	browsertest.WaitFor(t, ctx, "", fmt.Sprintf(`location.hash === '#%d'`, d.Slides[len(d.Slides)-1].Number))

	// #name.2 is the second step of a slide; #N a slide by its number.
	browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](`location.hash = '#why.2'`))
	showing(t, ctx, 2)
	browsertest.WaitFor(t, ctx, "", `document.getElementById('notes').textContent.includes('design goal')`)
	browsertest.Press(t, ctx, kb.ArrowLeft)
	showing(t, ctx, 1)
	browsertest.WaitFor(t, ctx, "", `location.hash === '#why'`)
	open(t, ctx, f.URL+"/#4")
	showing(t, ctx, 4)
}

// fakeInspector stands in for inspector.js, with its contract: mount(el)
// returns unmount().
const fakeInspector = `export function mount(el) {
	el.textContent = 'inspecting';
	window.mounts = (window.mounts || 0) + 1;
	return () => { window.unmounts = (window.unmounts || 0) + 1; };
}`

func TestInspectorIsMountedOnItsSlideOnly(t *testing.T) {
	d := testDeck(t)
	demo := 8
	if d.Slides[demo].Name != "demo" {
		t.Fatal("the test deck changed; fix demo")
	}
	f := newFakeServer(t, d)
	f.inspectJS = fakeInspector
	ctx, _ := browsertest.New(t, phone)
	open(t, ctx, f.URL)
	f.goTo(demo, false)
	browsertest.WaitFor(t, ctx, "", `document.querySelector('.wt-inspector')?.textContent === 'inspecting'`)
	f.goTo(demo+1, false)
	browsertest.WaitFor(t, ctx, "", `window.unmounts === 1`)
	f.goTo(demo, false)
	browsertest.WaitFor(t, ctx, "", `window.mounts === 2`)
	browsertest.Press(t, ctx, kb.ArrowLeft)
	browsertest.WaitFor(t, ctx, "", `window.unmounts === 2`)
	if !browsertest.Eval[bool](t, ctx, `document.querySelector('link[data-wt]')?.href.endsWith('/assets/inspector.css?v=test1')`) {
		t.Error("inspector.css is not linked with the version query")
	}

	f.inspectJS = "" // not written yet: the box says so
	ctx2, _ := browsertest.New(t, phone)
	open(t, ctx2, f.URL+"/")
	f.goTo(demo, false)
	browsertest.WaitFor(t, ctx2, "", `document.querySelector('.wt-inspector.wt-broken')?.textContent.includes('could not be loaded')`)
	noSideways(t, ctx2, "broken inspector")
}

func TestPresenterDrivesTheAudience(t *testing.T) {
	d := testDeck(t)
	f := newFakeServer(t, d)
	ctx, _ := browsertest.New(t)
	open(t, ctx, f.URL+"/presenter")
	showing(t, ctx, 0)
	browsertest.WaitFor(t, ctx, "the next step", browsertest.Shows("upcoming", 1))
	browsertest.WaitFor(t, ctx, "", `document.getElementById('notes').textContent.includes('Welcome')`)
	browsertest.WaitFor(t, ctx, "", `document.getElementById('audience').textContent === '0 viewers'`)
	if browsertest.Eval[string](t, ctx, `document.getElementById('elapsed').textContent`) != "00:00" {
		t.Error("the timer runs before the first slide change")
	}

	audience, _ := browsertest.NewTab(t, ctx)
	open(t, audience, f.URL)
	browsertest.WaitFor(t, ctx, "", `document.getElementById('audience').textContent === '1 viewer'`)

	browsertest.Press(t, ctx, kb.ArrowRight)
	if m := f.received(t); m["type"] != "goto" || m["index"] != 1.0 {
		t.Fatalf("sent %v, want goto 1", m)
	}
	showing(t, ctx, 1)
	showing(t, audience, 1)
	browsertest.WaitFor(t, ctx, "", `document.getElementById('elapsed').classList.contains('wt-running')`)

	browsertest.Press(t, ctx, "b")
	if m := f.received(t); m["type"] != "blackout" || m["on"] != true {
		t.Fatalf("sent %v, want blackout on", m)
	}
	browsertest.WaitFor(t, ctx, "", `document.getElementById('blackout').getAttribute('aria-pressed') === 'true'`)
	browsertest.WaitFor(t, audience, "", `!document.getElementById('blackout').hidden`)
	browsertest.Press(t, ctx, ".")
	if m := f.received(t); m["type"] != "blackout" || m["on"] != false {
		t.Fatalf("sent %v, want blackout off", m)
	}
	browsertest.WaitFor(t, audience, "", `document.getElementById('blackout').hidden`)

	browsertest.Press(t, ctx, "g")
	browsertest.WaitFor(t, ctx, "", `document.activeElement.id === 'goto'`)
	browsertest.Press(t, ctx, "5\r")
	if m := f.received(t); m["type"] != "goto" || m["index"] != 5.0 {
		t.Fatalf("sent %v, want goto 5 (slide number 5)", m)
	}
	showing(t, ctx, 5)
	showing(t, audience, 5)

	// Quick presses step from what was asked, not from a stale state.
	browsertest.Press(t, ctx, kb.ArrowRight+kb.ArrowRight)
	f.received(t)
	if m := f.received(t); m["index"] != 7.0 {
		t.Errorf("second quick press sent %v, want goto 7", m)
	}
	showing(t, ctx, 7)
	browsertest.Press(t, ctx, kb.Home)
	f.received(t)
	showing(t, ctx, 0)
	browsertest.Press(t, ctx, kb.End)
	f.received(t)
	showing(t, ctx, len(d.Slides)-1)
	browsertest.WaitFor(t, ctx, "", `document.querySelector('#upcoming .wt-end')`)

	f.problems(map[string]any{"file": "talk.md", "line": 12, "message": "unclosed code fence"})
	browsertest.WaitFor(t, ctx, "", `!document.getElementById('problems').hidden && document.getElementById('problems').textContent.includes('talk.md:12: unclosed code fence')`)
	if c := browsertest.Eval[string](t, ctx, `getComputedStyle(document.querySelector('#problems li')).color`); !strings.HasPrefix(c, "rgb(153, 27, 27)") {
		t.Errorf("problems are not red: %s", c)
	}
	f.problems()
	browsertest.WaitFor(t, ctx, "", `document.getElementById('problems').hidden`)

	// The presenter's view shows the server's state, wherever it came from.
	f.goTo(2, false)
	showing(t, ctx, 2)
	browsertest.Do(t, ctx, chromedp.Click(chromedp.ID("reset")))
	browsertest.WaitFor(t, ctx, "", `!document.getElementById('elapsed').classList.contains('wt-running')`)
}

// TestLook checks the design in light and dark on a 1280x720 laptop: the
// presenter view shows its parts side by side without scrolling, the
// current slide larger than the next, and the projector shows each kind of
// slide whole; all text stands out from its background (WCAG 2 AA). With
// $WIRETALK_SHOTS it also saves the pictures, to look at.
func TestLook(t *testing.T) {
	for _, dark := range []bool{false, true} {
		mode, opts := "light", []browsertest.Option{browsertest.WindowSize(1280, 720)}
		if dark {
			mode, opts = "dark", append(opts, browsertest.Dark())
		}
		t.Run(mode, func(t *testing.T) {
			d := testDeck(t)
			f := newFakeServer(t, d)
			f.goTo(4, false)
			ctx, _ := browsertest.New(t, opts...)
			open(t, ctx, f.URL+"/presenter")
			showing(t, ctx, 4)
			browsertest.WaitFor(t, ctx, "the notes", `document.getElementById('notes').textContent.includes('GET')`)
			if p := browsertest.OnScreen(t, ctx, ".wt-top", "#current", "#upcoming", "#notes", ".wt-controls"); p != "" {
				t.Errorf("presenter: %s", p)
			}
			if r := browsertest.Eval[float64](t, ctx, `(a => a('#current') / a('#upcoming'))(s => (r => r.width * r.height)(document.querySelector(s).getBoundingClientRect()))`); r < 2 {
				t.Errorf("presenter: the current slide is only %.1f times the area of the next", r)
			}
			f.problems(map[string]any{"file": "talk.md", "line": 12, "message": "unclosed code fence"})
			browsertest.WaitFor(t, ctx, "the problems", `!document.getElementById('problems').hidden`)
			if p := browsertest.OnScreen(t, ctx, "#problems"); p != "" {
				t.Errorf("presenter: %s", p)
			}
			for _, p := range browsertest.LowContrast(t, ctx, "body") {
				t.Errorf("presenter: %s", p)
			}
			browsertest.Shot(t, ctx, "presenter-"+mode)
			f.problems()

			projector, _ := browsertest.NewTab(t, ctx)
			open(t, projector, f.URL)
			for _, i := range []int{0, 3, 4, 5, 7, 8} {
				f.goTo(i, false)
				showing(t, projector, i)
				what := fmt.Sprintf("projector, slide %d (%s)", i, d.Slides[i].Name)
				// The page fits a slide when a ResizeObserver says its
				// box or content changed, after the slide is shown: wait
				// for it rather than look once, which a loaded machine
				// can do first.
				browsertest.WaitFor(t, projector, what+" fits its frame",
					`(s => s.scrollHeight <= s.clientHeight + 1)(document.querySelector('#frame .wt-slide[data-index="`+fmt.Sprint(i)+`"]'))`)
				if p := browsertest.OnScreen(t, projector, "#frame .wt-slide"); p != "" {
					t.Errorf("%s: %s", what, p)
				}
				for _, p := range browsertest.LowContrast(t, projector, "body") {
					t.Errorf("%s: %s", what, p)
				}
				browsertest.Shot(t, projector, fmt.Sprintf("projector-%s-%d", mode, i))
			}
		})
	}
}

// renumber sets the index, number and stepOf of every slide after an edit.
func renumber(d *deck) {
	for i := range d.Slides {
		s := &d.Slides[i]
		s.Index, s.Number, s.StepOf = i, 1, i
		if i > 0 {
			prev := d.Slides[i-1]
			s.Number = prev.Number + 1
			if s.Continued {
				s.Number, s.StepOf = prev.Number, prev.StepOf
			}
		}
	}
}

func TestProjectorFitsFullSlides(t *testing.T) {
	d := testDeck(t)
	long := "<h1>A full slide</h1><ul>" + strings.Repeat("<li>a point that takes some room on the slide</li>", 14) + "</ul>"
	d.add("full", "", long, "")
	f := newFakeServer(t, d)
	// An inspector that grows after it mounts, taller than any slide.
	f.inspectJS = `export function mount(el) {
		setTimeout(() => { el.style.height = '900px'; }, 100);
		return () => {};
	}`
	ctx, _ := browsertest.New(t, browsertest.WindowSize(1280, 720))
	open(t, ctx, f.URL)
	full := len(d.Slides) - 1
	f.goTo(full, false)
	showing(t, ctx, full)
	browsertest.WaitFor(t, ctx, "", `(s => s.scrollHeight <= s.clientHeight + 1 && parseFloat(s.style.fontSize) < 34)(document.querySelector('.wt-slide'))`)
	browsertest.Shot(t, ctx, "projector-full")

	f.goTo(8, false) // the demo: shrinking cannot make 900px fit
	showing(t, ctx, 8)
	browsertest.WaitFor(t, ctx, "", `document.querySelector('.wt-slide').classList.contains('wt-overflow')`)
	if pos := browsertest.Eval[string](t, ctx, `getComputedStyle(document.querySelector('.footnote')).position`); pos != "static" {
		t.Errorf("the footnote of an overflowing slide is %s, want static (after the content)", pos)
	}
	if px := browsertest.Eval[float64](t, ctx, `parseFloat(getComputedStyle(document.querySelector('.wt-slide')).fontSize)`); px < 14 {
		t.Errorf("slide text shrunk to %vpx, below 14px", px)
	}
}
