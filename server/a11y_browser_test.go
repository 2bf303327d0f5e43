package server

import (
	"context"
	"fmt"
	"testing"

	"wiretalk/internal/browsertest"
)

// TestBrowserAccessibility runs axe-core (the npm package, see
// browsertest.Axe) over every page wiretalk serves, on a phone (light and
// dark) and on a laptop, and fails on any serious or critical violation:
// the audience view on every step of the embedded talk (so every kind of
// slide, highlighted code in particular, is checked), with the live
// inspector on its slide after a frame was sent and opened; the presenter
// view with its notes and the problems panel; the frame inspector's own
// page; and the self-study view with its transcript.
func TestBrowserAccessibility(t *testing.T) {
	browsertest.NeedAxe(t)
	for _, view := range []struct {
		name string
		opts []browsertest.Option
	}{
		{"phone", []browsertest.Option{browsertest.Phone()}},
		{"laptop", []browsertest.Option{browsertest.WindowSize(1280, 800)}},
		{"dark phone", []browsertest.Option{browsertest.Phone(), browsertest.Dark()}},
	} {
		t.Run(view.name, func(t *testing.T) {
			ls := newLiveServer(t, "")
			ctx, _ := browsertest.New(t, view.opts...)
			slides := ls.srv.currentView().deck.Slides

			t.Run("audience", func(t *testing.T) {
				browsertest.Open(t, ctx, ls.url("/"))
				for _, s := range slides {
					ls.srv.Goto(s.Index)
					browsertest.WaitFor(t, ctx, "the slide", browsertest.Shows("frame", s.Index))
					what := fmt.Sprintf("audience, step %d (%s)", s.Index, s.Name)
					if s.Name == "demo" {
						sendAndOpenAFrame(t, ctx, "#frame ")
					}
					browsertest.Axe(t, ctx, what)
				}
			})
			t.Run("presenter", func(t *testing.T) {
				ls.srv.Goto(1)
				browsertest.Open(t, ctx, ls.url("/presenter?key="+testKey))
				browsertest.WaitFor(t, ctx, "the presenter view", browsertest.Shows("current", 1))
				browsertest.WaitFor(t, ctx, "its notes", `document.getElementById('notes').textContent.trim() !== ''`)
				browsertest.Axe(t, ctx, "presenter")
				browsertest.Eval[any](t, ctx, `(p => { p.hidden = false; p.querySelector('ul').innerHTML = '<li>talk.md:12: unclosed code fence</li>'; })(document.getElementById('problems'))`)
				browsertest.Axe(t, ctx, "presenter with the problems panel")
			})
			t.Run("demo", func(t *testing.T) {
				browsertest.Open(t, ctx, ls.url("/demo"))
				sendAndOpenAFrame(t, ctx, "")
				browsertest.Axe(t, ctx, "the inspector's page")
			})
			t.Run("study", func(t *testing.T) {
				study := newLiveServer(t, "", func(c *Config) { c.Study = true })
				browsertest.Open(t, ctx, study.url("/#handshake"))
				browsertest.WaitFor(t, ctx, "the transcript", `!document.getElementById('notes').hidden && document.getElementById('notes').textContent.trim() !== ''`)
				browsertest.Axe(t, ctx, "self-study")
			})
		})
	}
}

// sendAndOpenAFrame waits for the inspector inside scope (a CSS selector
// and a space, or "") to connect, sends a text message and opens the
// browser's frame in the detail view.
func sendAndOpenAFrame(t *testing.T, ctx context.Context, scope string) {
	t.Helper()
	browsertest.WaitFor(t, ctx, "the inspector to connect", `document.querySelector('`+scope+`.wti-status')?.textContent.startsWith('Connected')`)
	browsertest.Eval[any](t, ctx, `document.querySelector('`+scope+`.wti-msg').value = 'Hello'`)
	browsertest.Eval[any](t, ctx, `document.querySelector('`+scope+`button[data-act="text"]').click()`)
	browsertest.WaitFor(t, ctx, "the browser's frame", `[...document.querySelectorAll('`+scope+`.wti-item.wti-in')].some(b => b.textContent.includes('text'))`)
	browsertest.Eval[any](t, ctx, `[...document.querySelectorAll('`+scope+`.wti-item.wti-in')].filter(b => b.textContent.includes('text')).pop().click()`)
	browsertest.WaitFor(t, ctx, "its detail with the XOR table", `document.querySelector('`+scope+`.wti-detail .wti-xor')`)
}
