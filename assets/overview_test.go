package assets_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"wiretalk/internal/browsertest"
)

// slideCount is the number of slides of d (a slide's steps count once).
func slideCount(d *deck) int {
	n := 0
	for _, s := range d.Slides {
		if !s.Continued {
			n++
		}
	}
	return n
}

// clickThumb clicks the overview's button for step i with the mouse.
func clickThumb(t *testing.T, ctx context.Context, i int) {
	t.Helper()
	xy := browsertest.Eval[[]float64](t, ctx, fmt.Sprintf(`(() => { const e = document.querySelector('#wt-overview .wt-thumb[data-index="%d"]'); e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()`, i))
	if err := chromedp.Do(ctx, chromedp.MouseClickXY(xy[0], xy[1])); err != nil {
		t.Fatal(err)
	}
}

// TestPresenterOverview: o shows every slide, drawn from its own HTML, and
// a tap sends the talk there.
func TestPresenterOverview(t *testing.T) {
	d := testDeck(t)
	f := newFakeServer(t, d)
	ctx, _ := browsertest.New(t)
	open(t, ctx, f.URL+"/presenter")
	showing(t, ctx, 0)
	browsertest.Press(t, ctx, "o")
	browsertest.WaitFor(t, ctx, "", `document.getElementById('wt-overview')?.open`)
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll('#wt-overview .wt-thumb').length`); n != slideCount(d) {
		t.Fatalf("the overview shows %d slides, want %d", n, slideCount(d))
	}
	if !browsertest.Eval[bool](t, ctx, `[...document.querySelectorAll('#wt-overview .wt-thumb .wt-slide')].every(s => s.innerHTML.length > 0)`) {
		t.Error("an empty slide in the overview")
	}
	target := d.Slides[len(d.Slides)-1].StepOf
	clickThumb(t, ctx, target)
	if m := f.received(t); m["type"] != "goto" || m["index"] != float64(target) {
		t.Fatalf("sent %v, want goto %d", m, target)
	}
	showing(t, ctx, target)
	browsertest.WaitFor(t, ctx, "", `!document.getElementById('wt-overview').open`)
	// The button opens it too; o closes it.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('overview').click()`)); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitFor(t, ctx, "", `document.getElementById('wt-overview').open`)
	browsertest.Press(t, ctx, "o")
	browsertest.WaitFor(t, ctx, "", `!document.getElementById('wt-overview').open`)
}

// TestStudyOverview: in self-study the audience page has the overview too
// (the ▦ button or o), and a tap goes there; a live audience has neither.
func TestStudyOverview(t *testing.T) {
	d := testDeck(t)
	d.Study = true
	f := newFakeServer(t, d)
	ctx, _ := browsertest.New(t, phone)
	open(t, ctx, f.URL+"/")
	showing(t, ctx, 0)
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('grid').click()`)); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitFor(t, ctx, "", `document.getElementById('wt-overview')?.open`)
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll('#wt-overview .wt-thumb').length`); n != slideCount(d) {
		t.Fatalf("the overview shows %d slides, want %d", n, slideCount(d))
	}
	target := d.Slides[len(d.Slides)-1].StepOf
	clickThumb(t, ctx, target)
	showing(t, ctx, target)

	live := newFakeServer(t, testDeck(t))
	ctx2, _ := browsertest.New(t, phone)
	open(t, ctx2, live.URL+"/")
	showing(t, ctx2, 0)
	browsertest.Press(t, ctx2, "o")
	if browsertest.Eval[bool](t, ctx2, `!!document.getElementById('grid') || !!document.getElementById('wt-overview')`) {
		t.Error("a live audience page has an overview")
	}
}
