package export

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"wiretalk/internal/browsertest"
	"wiretalk/slides"
)

var screenshots = flag.Bool("screenshots", false, "write the README's screenshots of the export to docs/img")

// fileURL is the file:// URL of a local file.
func fileURL(t *testing.T, path string) string {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

// offline cuts the tab's network, as the issue asks: every request but
// file:// fails, and navigator.onLine is false.
func offline(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
		t.Fatal(err)
	}
}

// click clicks the middle of the element sel, scrolled into view, with the
// mouse.
func click(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	xy := browsertest.Eval[[]float64](t, ctx, fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()`, sel))
	browsertest.Do(t, ctx, chromedp.MouseClickXY(xy[0], xy[1]))
}

// at is a predicate: the one step shown is index.
func at(index int) string {
	return fmt.Sprintf(`(() => { const v = [...document.querySelectorAll('.wt-step')].filter(s => !s.hidden && s.offsetParent !== null); return v.length === 1 && v[0].dataset.index === '%d'; })()`, index)
}

// open loads url in the tab of ctx and waits until it has loaded.
func open(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	browsertest.Open(t, ctx, url)
	loaded(t, ctx)
}

// loaded waits for the page to have loaded. A load replaces the page's
// JavaScript context, and a poll that starts at that moment fails with
// "Cannot find context" (more often on a loaded machine): it is tried
// again, so that the waits that follow run in the new page.
func loaded(t *testing.T, ctx context.Context) {
	t.Helper()
	for try := 0; ; try++ {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.readyState === 'complete'`,
			chromedp.WithPollingTimeout(browsertest.WaitTimeout), chromedp.WithPollingInterval(20*time.Millisecond)))
		if err == nil {
			return
		}
		if try == 3 || !strings.Contains(err.Error(), "Cannot find context") {
			t.Fatalf("waiting for the page to load: %v", err)
		}
	}
}

// firstNumbered is the first step that shows number n.
func firstNumbered(d *slides.Deck, n int) int {
	for j, s := range d.Slides {
		if s.Number == n {
			return j
		}
	}
	return -1
}

// hashFor is the fragment the page keeps for step i of d: #name (and
// #name.2 for its second step), else #number when that number is first
// shown by step i, else the slide's first number and the step.
func hashFor(d *slides.Deck, i int) string {
	first := d.Slides[d.Slides[i].StepOf]
	if first.Name == "" && firstNumbered(d, d.Slides[i].Number) == i {
		return fmt.Sprintf("#%d", d.Slides[i].Number)
	}
	h := first.Name
	if h == "" {
		h = fmt.Sprint(first.Number)
	}
	h = "#" + url.PathEscape(h)
	if step := i - first.Index; step > 0 {
		h += fmt.Sprintf(".%d", step+1)
	}
	return h
}

// walk steps through every step of d on the page with the arrow key, and
// back with the on-screen buttons, checking the step shown, the count and
// the fragment each time, and each step's notes shown under it.
func walk(t *testing.T, ctx context.Context, d *slides.Deck) {
	t.Helper()
	last := fmt.Sprint(d.Slides[len(d.Slides)-1].Number)
	for i, s := range d.Slides {
		if i > 0 {
			browsertest.Do(t, ctx, chromedp.KeyEvent(kb.ArrowRight))
		}
		browsertest.WaitFor(t, ctx, fmt.Sprintf("step %d", i), at(i))
		if got, want := browsertest.Eval[string](t, ctx, `document.getElementById('count').textContent`), fmt.Sprintf("%d / %s", s.Number, last); got != want {
			t.Errorf("step %d: count %q, want %q", i, got, want)
		}
		if got, want := browsertest.Eval[string](t, ctx, `location.hash`), hashFor(d, i); got != want {
			t.Errorf("step %d: fragment %q, want %q", i, got, want)
		}
		if s.NotesHTML != "" {
			shown := browsertest.Eval[bool](t, ctx, fmt.Sprintf(`(() => { const n = document.querySelector('#step-%d .wt-notes'); return !!n && n.offsetParent !== null && n.getBoundingClientRect().height > 0; })()`, i))
			if !shown {
				t.Errorf("step %d: its notes are not shown under it", i)
			}
		}
	}
	if !browsertest.Eval[bool](t, ctx, `document.getElementById('next').disabled`) {
		t.Error("next is enabled on the last step")
	}
	click(t, ctx, "#prev")
	browsertest.WaitFor(t, ctx, "the step before the last, by the ‹ button", at(len(d.Slides)-2))
	browsertest.Do(t, ctx, chromedp.KeyEvent(kb.Home))
	browsertest.WaitFor(t, ctx, "the first step, by Home", at(0))
	click(t, ctx, "#next")
	browsertest.WaitFor(t, ctx, "the second step, by the › button", at(1))
	browsertest.Do(t, ctx, chromedp.KeyEvent(kb.End))
	browsertest.WaitFor(t, ctx, "the last step, by End", at(len(d.Slides)-1))
}

// exportTo exports deck (""; the built-in talk) to a new folder, or with
// single to a file alone in a new folder, and returns the page to open.
func exportTo(t *testing.T, deck string, single bool, mod func(*Options)) string {
	t.Helper()
	dir := t.TempDir()
	o := Options{Deck: deck, Out: filepath.Join(dir, "site"), Single: single}
	if single {
		o.Out = filepath.Join(dir, "talk.html")
	}
	if mod != nil {
		mod(&o)
	}
	if _, err := Export(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if single {
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Fatalf("-single wrote %d files, want 1", len(entries))
		}
		return o.Out
	}
	return filepath.Join(o.Out, "index.html")
}

func loadDeck(t *testing.T, deck string) *slides.Deck {
	t.Helper()
	dk, err := load(deck)
	if err != nil {
		t.Fatal(err)
	}
	return dk.d
}

// The decks every export test runs on: wiretalk's talk, the features deck
// the live pages are tested on (remote backgrounds, notes on steps, code,
// the frame diagram), and one with local images, count: false and links.
var browserDecks = []struct{ name, path string }{
	{"talk", ""},
	{"features", "../testdata/decks/features.md"},
	{"images", "testdata/deck/deck.md"},
}

// TestBrowserExportOffline opens each export from file:// with the network
// off and uses everything it offers: every step, the buttons, the
// fragment, back, the overview, the notes toggle, and resuming after a
// reload. The folder and the single file pass the same test.
func TestBrowserExportOffline(t *testing.T) {
	for _, deck := range browserDecks {
		for _, single := range []bool{false, true} {
			name := deck.name + "/folder"
			if single {
				name = deck.name + "/single"
			}
			t.Run(name, func(t *testing.T) {
				d := loadDeck(t, deck.path)
				page := fileURL(t, exportTo(t, deck.path, single, nil))
				ctx, _ := browsertest.New(t)
				offline(t, ctx)
				open(t, ctx, page)
				browsertest.WaitFor(t, ctx, "the first step", at(0))
				walk(t, ctx, d)
				checkImages(t, ctx)
				named(t, ctx, d, page)
				useOverview(t, ctx, d)
				notesToggle(t, ctx, page)
				resume(t, ctx, page)
			})
		}
	}
}

// checkImages: every local image of the deck loaded.
func checkImages(t *testing.T, ctx context.Context) {
	t.Helper()
	broken := browsertest.Eval[[]string](t, ctx, `[...document.querySelectorAll('.wt-slide img')].filter(i => !/^https?:/.test(i.getAttribute('src')) && !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'))`)
	if len(broken) > 0 {
		t.Errorf("local images that did not load: %q", broken)
	}
}

// named opens a slide by #name (or #number when the deck names none) and
// another by #number, follows a link to the first, then goes back and
// forward.
func named(t *testing.T, ctx context.Context, d *slides.Deck, page string) {
	t.Helper()
	a, b := -1, -1
	for i, s := range d.Slides { // a named slide, if any
		if s.Name != "" && !s.Continued && i > 0 {
			a = i
			break
		}
	}
	for i, s := range d.Slides { // another slide, numbered
		if i > 0 && !s.Continued && i != a && firstNumbered(d, s.Number) == i && (a < 0 || s.Number != d.Slides[a].Number) {
			if a < 0 {
				a = i
				continue
			}
			b = i
			break
		}
	}
	if a < 0 || b < 0 {
		t.Fatal("the deck needs two slides to link to")
	}
	ha := hashFor(d, a)
	// A copied link opens its slide.
	browsertest.Open(t, ctx, "about:blank")
	open(t, ctx, page+ha)
	browsertest.WaitFor(t, ctx, "the slide at "+ha, at(a))
	browsertest.Open(t, ctx, "about:blank")
	open(t, ctx, page+fmt.Sprintf("#%d", d.Slides[b].Number))
	browsertest.WaitFor(t, ctx, fmt.Sprintf("the slide numbered %d", d.Slides[b].Number), at(b))
	// A link in the page, as a slide's [text](#name) is.
	browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const l = document.createElement('a'); l.href = '%s'; document.querySelector('#step-%d .wt-slide').append(l); l.click(); })()`, ha, b)))
	browsertest.WaitFor(t, ctx, "the linked slide", at(a))
	browsertest.Do(t, ctx, chromedp.NavigateBack())
	browsertest.WaitFor(t, ctx, "the slide before the link, after back", at(b))
	browsertest.Do(t, ctx, chromedp.NavigateForward())
	browsertest.WaitFor(t, ctx, "the linked slide again, after forward", at(a))
	// Stepping to another slide adds to the history too.
	browsertest.Do(t, ctx, chromedp.KeyEvent(kb.End))
	browsertest.WaitFor(t, ctx, "the last step", at(len(d.Slides)-1))
	browsertest.Do(t, ctx, chromedp.NavigateBack())
	browsertest.WaitFor(t, ctx, "the slide before End, after back", at(a))
}

// useOverview opens the overview with o, checks it shows every slide from
// its own HTML, and taps one.
func useOverview(t *testing.T, ctx context.Context, d *slides.Deck) {
	t.Helper()
	browsertest.Do(t, ctx, chromedp.KeyEvent("o"))
	browsertest.WaitFor(t, ctx, "the overview", `document.getElementById('overview').open`)
	var firsts []int
	for i, s := range d.Slides {
		if !s.Continued {
			firsts = append(firsts, i)
		}
	}
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll('#overview .wt-thumb').length`); n != len(firsts) {
		t.Fatalf("the overview shows %d slides, want %d", n, len(firsts))
	}
	// Each thumbnail is the slide's own HTML (its last step), not a picture.
	same := browsertest.Eval[bool](t, ctx, `[...document.querySelectorAll('#overview .wt-thumb')].every(b => {
		const i = +b.dataset.index, steps = [...document.querySelectorAll('.wt-step')].filter(s => +s.dataset.first === i);
		const text = s => { const c = s.cloneNode(true); c.querySelectorAll('.wt-inspector').forEach(e => e.remove()); return c.textContent; };
		return text(b.querySelector('.wt-slide')) === text(steps[steps.length - 1].querySelector('.wt-slide'));
	})`)
	if !same {
		t.Error("the overview's slides are not the slides' own content")
	}
	pick := firsts[len(firsts)/2]
	if *screenshots && len(firsts) == 20 {
		browsertest.Do(t, ctx, chromedp.EmulateViewport(1280, 800))
		shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile("../docs/img/export-overview.png", shot, 0o644)
	}
	click(t, ctx, fmt.Sprintf(`#overview .wt-thumb[data-index="%d"]`, pick))
	browsertest.WaitFor(t, ctx, "the tapped slide, overview closed", at(pick)+` && !document.getElementById('overview').open`)
	// The button opens it too, and Escape closes it.
	click(t, ctx, "#open-overview")
	browsertest.WaitFor(t, ctx, "the overview, by its button", `document.getElementById('overview').open`)
	browsertest.Do(t, ctx, chromedp.KeyEvent(kb.Escape))
	browsertest.WaitFor(t, ctx, "the overview closed", `!document.getElementById('overview').open`)
}

// notesToggle hides the notes with the button, and the page remembers.
func notesToggle(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	visible := `[...document.querySelectorAll('.wt-notes')].some(n => n.offsetParent !== null)`
	browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](`location.hash = '#1'`))
	browsertest.WaitFor(t, ctx, "the notes shown", at(0)+" && "+visible)
	click(t, ctx, "#notes-toggle")
	browsertest.WaitFor(t, ctx, "the notes hidden", "!"+visible)
	browsertest.Do(t, ctx, chromedp.Reload())
	loaded(t, ctx)
	browsertest.WaitFor(t, ctx, "the page again", at(0))
	if browsertest.Eval[bool](t, ctx, visible) {
		t.Error("after a reload the hidden notes are back")
	}
	click(t, ctx, "#notes-toggle")
	browsertest.WaitFor(t, ctx, "the notes shown again", visible)
}

// resume: after a reload without a fragment the page offers the last step.
func resume(t *testing.T, ctx context.Context, page string) {
	browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](`location.hash = '#1'`))
	browsertest.WaitFor(t, ctx, "the first step", at(0))
	for range 3 {
		browsertest.Do(t, ctx, chromedp.KeyEvent(kb.ArrowRight))
	}
	browsertest.WaitFor(t, ctx, "the fourth step", at(3))
	open(t, ctx, page)
	browsertest.WaitFor(t, ctx, "the offer to resume", at(0)+` && !document.getElementById('resume').hidden`)
	click(t, ctx, "#resume-go")
	browsertest.WaitFor(t, ctx, "the step read last", at(3)+` && document.getElementById('resume').hidden`)
}

// TestBrowserExportSwipe: on a phone, a swipe steps.
func TestBrowserExportSwipe(t *testing.T) {
	page := fileURL(t, exportTo(t, "testdata/deck/deck.md", false, nil))
	ctx, _ := browsertest.New(t, browsertest.Phone())
	offline(t, ctx)
	open(t, ctx, page)
	browsertest.WaitFor(t, ctx, "the first step", at(0))
	browsertest.Swipe(t, ctx, 300, 300, 60, 300)
	browsertest.WaitFor(t, ctx, "the second step, after a swipe to the left", at(1))
	browsertest.Swipe(t, ctx, 60, 300, 300, 300)
	browsertest.WaitFor(t, ctx, "the first step, after a swipe to the right", at(0))
}

// TestBrowserReplayedInspector: on the Demo slide of the built-in talk the
// inspector replays the export's recording, offline, labelled as one:
// every recorded frame is listed, a frame's bits and XOR table are shown,
// step-through walks it, and the handshake shows the accept computation.
func TestBrowserReplayedInspector(t *testing.T) {
	for _, single := range []bool{false, true} {
		t.Run(fmt.Sprintf("single=%v", single), func(t *testing.T) {
			page := fileURL(t, exportTo(t, "", single, nil))
			d := loadDeck(t, "")
			demo := -1
			for i, s := range d.Slides {
				if slices.Contains(s.Macros, "inspector") {
					demo = i
				}
			}
			ctx, _ := browsertest.New(t)
			offline(t, ctx)
			open(t, ctx, page+hashFor(d, demo))
			browsertest.WaitFor(t, ctx, "the demo slide", at(demo))
			box := fmt.Sprintf("#step-%d .wt-inspector", demo)
			browsertest.WaitFor(t, ctx, "the recorded frames", fmt.Sprintf(`document.querySelectorAll('%s .wti-list button[data-seq]').length === 17`, box))
			if got := browsertest.Eval[string](t, ctx, fmt.Sprintf(`document.querySelector('#step-%d .wt-recorded')?.textContent || ''`, demo)); !strings.Contains(got, "A recording") {
				t.Errorf("the inspector is not labelled as a recording: %q", got)
			}
			if browsertest.Eval[bool](t, ctx, fmt.Sprintf(`document.querySelector('%s .wti-controls').offsetParent !== null`, box)) {
				t.Error("the replay shows the send controls")
			}
			// The 70 KiB frame: a 64-bit length, masked, with its XOR table.
			click(t, ctx, box+` .wti-list button[data-seq="6"]`)
			if *screenshots && !single {
				browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](`scrollTo(0, 0)`))
				shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
				if err != nil {
					t.Fatal(err)
				}
				os.WriteFile("../docs/img/export-inspector.png", shot, 0o644)
			}
			browsertest.WaitFor(t, ctx, "the 70 KiB frame", fmt.Sprintf(`document.querySelector('%s .wti-detail h3').textContent.startsWith('#6 text')`, box))
			fields := browsertest.Eval[string](t, ctx, fmt.Sprintf(`document.querySelector('%s .wti-fields').textContent`, box))
			if !strings.Contains(fields, "64-bit length") || !strings.Contains(fields, "71,680") || !strings.Contains(fields, "masking key") {
				t.Errorf("the 70 KiB frame's fields: %q", fields)
			}
			if n := browsertest.Eval[int](t, ctx, fmt.Sprintf(`document.querySelectorAll('%s .wti-xor tr').length`, box)); n < 2 {
				t.Errorf("the XOR table has %d rows", n)
			}
			// Step through "Hello" (seq 2): byte 0, byte 1, the key, five
			// payload bytes, the end.
			click(t, ctx, box+` .wti-list button[data-seq="2"]`)
			click(t, ctx, box+` .wti-step [data-act=step]`)
			browsertest.WaitFor(t, ctx, "step 1", fmt.Sprintf(`document.querySelector('%s .wti-count')?.textContent === '1/9'`, box))
			for i := 2; i <= 9; i++ {
				click(t, ctx, box+` .wti-step [data-act=next]`)
				browsertest.WaitFor(t, ctx, fmt.Sprintf("step %d", i), fmt.Sprintf(`document.querySelector('%s .wti-count')?.textContent === '%d/9'`, box, i))
			}
			if got := browsertest.Eval[string](t, ctx, fmt.Sprintf(`document.querySelector('%s .wti-explain').textContent`, box)); !strings.Contains(got, "That's the frame") {
				t.Errorf("the last step says %q", got)
			}
			// The handshake: the accept worked out, and it matches.
			click(t, ctx, box+` .wti-list button[data-seq="1"]`)
			browsertest.WaitFor(t, ctx, "the handshake", fmt.Sprintf(`document.querySelector('%s .wti-accept')?.textContent.includes('the server sent exactly this')`, box))
		})
	}
}

// TestBrowserExportFromASubPath: the folder works from a static host under
// a sub-path, as it is: every reference is relative.
func TestBrowserExportFromASubPath(t *testing.T) {
	index := exportTo(t, "testdata/deck/deck.md", false, nil)
	mux := http.NewServeMux()
	mux.Handle("/courses/ws/", http.StripPrefix("/courses/ws/", http.FileServer(http.Dir(filepath.Dir(index)))))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	d := loadDeck(t, "testdata/deck/deck.md")
	ctx, _ := browsertest.New(t)
	open(t, ctx, srv.URL+"/courses/ws/")
	browsertest.WaitFor(t, ctx, "the first step", at(0))
	walk(t, ctx, d)
	checkImages(t, ctx)
}

// TestBrowserExportAccessibility: axe-core finds no serious or critical
// violation on the export of the built-in talk, on a phone and a laptop:
// its first slide, the Demo slide replaying the inspector, and the
// overview open.
func TestBrowserExportAccessibility(t *testing.T) {
	browsertest.NeedAxe(t)
	page := fileURL(t, exportTo(t, "", false, nil))
	d := loadDeck(t, "")
	demo := -1
	for i, s := range d.Slides {
		if slices.Contains(s.Macros, "inspector") {
			demo = i
		}
	}
	for _, opts := range [][]browsertest.Option{{browsertest.Phone()}, nil} {
		ctx, _ := browsertest.New(t, opts...)
		open(t, ctx, page)
		browsertest.WaitFor(t, ctx, "the first step", at(0))
		browsertest.Axe(t, ctx, "the export's first slide")
		open(t, ctx, page+hashFor(d, demo))
		browsertest.WaitFor(t, ctx, "the replayed frames", `document.querySelectorAll('.wti-list button[data-seq]').length > 10`)
		browsertest.Axe(t, ctx, "the export's Demo slide")
		click(t, ctx, "#open-overview")
		browsertest.WaitFor(t, ctx, "the overview", `document.getElementById('overview').open`)
		browsertest.Axe(t, ctx, "the export's overview")
	}
}
