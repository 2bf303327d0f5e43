package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// The words the browser tests drive pages with. Each takes the test and
// the context of a tab (from New or NewTab) and fails the test when the
// browser does not do as asked, so a test reads as a list of steps.

// WaitTimeout is how long WaitFor waits: long enough for a shared,
// loaded machine; a test waits that long only when it is failing anyway.
const WaitTimeout = 20 * time.Second

// describePage is what a failed wait shows of the page when the browser
// was not given Describe.
const describePage = `location.href + '\n' + (document.body?.innerText ?? '').slice(0, 400)`

// Describe sets a JavaScript expression whose value a failed WaitFor or
// Eval shows, to say what the page was showing (the default is the URL
// and the start of the page's text).
func Describe(js string) Option {
	return func(c *config) { c.describe = js }
}

// Do runs actions in the tab of ctx.
func Do(t testing.TB, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("browsertest: %v\npage: %s", err, describe(ctx))
	}
}

// Open loads url in the tab of ctx.
func Open(t testing.TB, ctx context.Context, url string) {
	t.Helper()
	Do(t, ctx, chromedp.Navigate(url))
}

// Eval evaluates the JavaScript expression js in the tab of ctx and
// returns its value (awaited, if it is a promise).
func Eval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("browsertest: %.200s: %v\npage: %s", js, err, describe(ctx))
	}
	return v
}

// WaitFor waits up to WaitTimeout until the JavaScript expression js is
// truthy in the tab of ctx, and returns its value as text. what says what
// is awaited, for the failure message ("" shows js alone).
func WaitFor(t testing.TB, ctx context.Context, what, js string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Poll[any](js,
		chromedp.WithPollingTimeout(WaitTimeout), chromedp.WithPollingInterval(20*time.Millisecond)))
	if err != nil {
		if what != "" {
			what += ": "
		}
		t.Fatalf("browsertest: waiting for %s%s: %v\npage: %s", what, js, err, describe(ctx))
	}
	return fmt.Sprint(v)
}

// Press types keys (characters, or chromedp/kb's named keys) into the
// tab of ctx.
func Press(t testing.TB, ctx context.Context, keys string) {
	t.Helper()
	Do(t, ctx, chromedp.KeyEvent(keys))
}

// Swipe drags one finger across the tab of ctx from (x0, y0) to (x1, y1)
// in CSS pixels, in five moves, as a phone's touch screen reports it.
func Swipe(t testing.TB, ctx context.Context, x0, y0, x1, y1 float64) {
	t.Helper()
	id := 1.0
	point := func(x, y float64) []*input.TouchPoint { return []*input.TouchPoint{{X: x, Y: y, ID: &id}} }
	events := []input.DispatchTouchEventParams{{Type: input.DispatchTouchEventTypeTouchStart, TouchPoints: point(x0, y0)}}
	for i := 1; i <= 5; i++ {
		f := float64(i) / 5
		events = append(events, input.DispatchTouchEventParams{Type: input.DispatchTouchEventTypeTouchMove,
			TouchPoints: point(x0+(x1-x0)*f, y0+(y1-y0)*f)})
	}
	events = append(events, input.DispatchTouchEventParams{Type: input.DispatchTouchEventTypeTouchEnd, TouchPoints: []*input.TouchPoint{}})
	Do(t, ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		for _, e := range events {
			if _, err := chromedp.Call(ctx, input.DispatchTouchEvent, e); err != nil {
				return err
			}
		}
		return nil
	}))
}

// JS returns s as a JavaScript string literal, to build expressions from
// Go values.
func JS(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// describe evaluates the tab's Describe expression, briefly, for a
// failure message.
func describe(ctx context.Context) string {
	js := describePage
	if c, ok := ctx.Value(configKey{}).(*config); ok && c.describe != "" {
		js = c.describe
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`String(`+js+`)`))
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return s
}
