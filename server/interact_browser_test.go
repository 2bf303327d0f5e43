package server

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"wiretalk/internal/browsertest"
)

// roomDeck opens on a quiz, then a slide without a poll.
const roomDeck = `name: opcodes
poll: 0x9

# Which opcode is a ping?

- 0x1
- 0x9
- 0xA

---
name: after

# After the poll
`

// roomPages is a presenter tab, a projector tab beside it, and three
// phones, each in a browser of its own (so each is a device of its own).
type roomPages struct {
	ls              *liveServer
	desk, projector context.Context
	phones          []context.Context
	must            func(ctx context.Context, steps ...chromedp.Action[chromedp.Void])
	t               *testing.T
}

func openRoom(t *testing.T, ls *liveServer) *roomPages {
	rp := &roomPages{ls: ls, t: t}
	rp.must = func(ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	rp.desk, _ = browsertest.New(t)
	rp.projector, _ = browsertest.NewTab(t, rp.desk)
	for range 3 {
		phone, _ := browsertest.New(t, browsertest.Phone())
		rp.phones = append(rp.phones, phone)
	}
	rp.must(rp.desk, chromedp.Navigate(ls.url("/presenter?key="+testKey)))
	waitFor(t, rp.desk, "the presenter view", shows("current", 0))
	rp.must(rp.projector, chromedp.Navigate(ls.url("/?projector")))
	for _, p := range rp.phones {
		rp.must(p, chromedp.Navigate(ls.url("/")))
	}
	for _, tab := range append([]context.Context{rp.projector}, rp.phones...) {
		waitFor(t, tab, "the first slide", shows("frame", 0))
	}
	return rp
}

// eval runs JavaScript in the tab for its effect.
func (rp *roomPages) eval(ctx context.Context, js string) {
	rp.t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](js)); err != nil {
		rp.t.Fatalf("%s: %v", js, err)
	}
}

// click clicks the first element matching the CSS selector sel in the tab.
func (rp *roomPages) click(ctx context.Context, what, sel string) {
	rp.t.Helper()
	waitFor(rp.t, ctx, what, fmt.Sprintf(`!!document.querySelector(%q)`, sel))
	rp.eval(ctx, fmt.Sprintf(`document.querySelector(%q).click()`, sel))
}

// option is the selector of a phone's button for poll option i.
func option(i int) string {
	return fmt.Sprintf(`.wt-room .wt-options li:nth-child(%d) button`, i+1)
}

// presenterCounts is a predicate: the presenter's bars show counts.
func presenterCounts(counts ...int) string {
	var want []string
	for _, n := range counts {
		want = append(want, fmt.Sprint(n))
	}
	return fmt.Sprintf(`[...document.querySelectorAll('.wt-room-presenter .wt-opt-count')].map(e => e.textContent).join(',') === %q`, strings.Join(want, ","))
}

func TestBrowserPollsQuestionsAndReactions(t *testing.T) {
	ls := newLiveServer(t, roomDeck)
	rp := openRoom(t, ls)
	desk, projector, phones := rp.desk, rp.projector, rp.phones

	t.Run("vote, change a vote, reload with the vote kept", func(t *testing.T) {
		for _, p := range phones {
			waitFor(t, p, "the poll's buttons", `document.querySelectorAll('.wt-room button.wt-opt:not(:disabled)').length === 3`)
		}
		rp.click(phones[0], "option 0x9", option(1))
		rp.click(phones[1], "option 0x1", option(0))
		rp.click(phones[2], "option 0x9", option(1))
		waitFor(t, desk, "the presenter's bars", presenterCounts(1, 2, 0))
		waitFor(t, desk, "3 of 4 voted (the projector is connected too)", `document.querySelector('.wt-room-presenter .wt-poll-state').textContent.startsWith('3 of 4 voted')`)
		rp.click(phones[1], "option 0xA", option(2))
		waitFor(t, desk, "the changed vote", presenterCounts(0, 2, 1))
		waitFor(t, phones[1], "the phone's own vote marked", `document.querySelector('`+option(2)+`')?.getAttribute('aria-pressed') === 'true'`)
		rp.must(phones[0], chromedp.Navigate(ls.url("/")))
		waitFor(t, phones[0], "the vote kept after a reload", `document.querySelector('`+option(1)+`')?.getAttribute('aria-pressed') === 'true'`)
		if n, _ := chromedp.Run(phones[0], chromedp.Evaluate[int](`document.querySelectorAll('.wt-room .wt-opt-count').length`)); n != 0 {
			t.Errorf("a phone shows %d counts before the reveal", n)
		}
	})

	t.Run("reveal with the key r marks the correct option", func(t *testing.T) {
		rp.must(desk, chromedp.KeyEvent("r"))
		for _, tab := range []context.Context{projector, phones[0], phones[1]} {
			waitFor(t, tab, "the revealed results", `[...document.querySelectorAll('.wt-room .wt-opt-count')].map(e => e.textContent).join(',') === '0,2,1'`)
			waitFor(t, tab, "the correct option marked", `document.querySelector('.wt-room .wt-correct .wt-opt-text')?.textContent === '0x9' && document.querySelectorAll('.wt-room .wt-correct').length === 1`)
		}
		waitFor(t, desk, "the reveal button pressed", `document.querySelector('.wt-reveal').getAttribute('aria-pressed') === 'true'`)
		if *screenshots != "" {
			browsertest.Screenshot(t, phones[0], filepath.Join(*screenshots, "poll-phone.png"))
			browsertest.Screenshot(t, desk, filepath.Join(*screenshots, "poll-presenter.png"))
		}
	})

	const hostile = `<img src=x onerror=alert(1)> why mask?`
	t.Run("ask, upvote, answer, hide", func(t *testing.T) {
		rp.eval(phones[0], `document.querySelector('.wt-qa').open = true`)
		rp.must(phones[0], chromedp.SetValue(`.wt-ask textarea`, hostile))
		rp.click(phones[0], "Ask", `.wt-ask button`)
		waitFor(t, phones[0], "the confirmation", `document.querySelector('.wt-room .wt-note').textContent === 'Sent'`)
		waitFor(t, phones[1], "the question as text", fmt.Sprintf(`document.querySelector('.wt-q-text')?.textContent === %q && !document.querySelector('.wt-room img')`, hostile))
		rp.click(phones[1], "upvote", `.wt-up`)
		rp.click(phones[2], "upvote", `.wt-up`)
		waitFor(t, desk, "two upvotes on the presenter", `document.querySelector('.wt-room-presenter .wt-votes')?.textContent === '▲ 2'`)
		waitFor(t, phones[1], "the upvote marked", `document.querySelector('.wt-up').getAttribute('aria-pressed') === 'true'`)
		rp.click(desk, "Answered", `.wt-room-presenter .wt-q .wt-actions button`)
		waitFor(t, phones[2], "answered on the phone", `document.querySelector('.wt-q .wt-badge')?.textContent === 'answered'`)
		rp.eval(desk, `[...document.querySelectorAll('.wt-room-presenter .wt-q button')].find(b => b.textContent === 'Hide').click()`)
		waitFor(t, phones[2], "the hidden question gone", `document.querySelectorAll('.wt-q').length === 0`)
	})

	t.Run("reactions reach the projector as bursts", func(t *testing.T) {
		for range 3 {
			rp.click(phones[2], "a reaction", `.wt-reacts button:nth-child(5)`)
		}
		waitFor(t, projector, "a burst of 👏", `[...document.querySelectorAll('.wt-bursts .wt-burst')].some(e => e.textContent.startsWith('👏'))`)
	})

	t.Run("the presenter downloads CSV and JSON", func(t *testing.T) {
		csv, err := chromedp.Run(desk, chromedp.Evaluate[string](`fetch(document.querySelector('.wt-downloads a[href$=".csv"]').href).then(r => r.text())`, chromedp.EvalAwaitPromise))
		if err != nil || !strings.Contains(csv, "poll,name:opcodes,Which opcode is a ping?,0x9,2,correct") {
			t.Errorf("CSV from the presenter page: %v\n%s", err, csv)
		}
		js, err := chromedp.Run(desk, chromedp.Evaluate[string](`fetch(document.querySelector('.wt-downloads a[href*="download"]').href).then(r => r.json()).then(j => j.questions[0].text)`, chromedp.EvalAwaitPromise))
		if err != nil || js != hostile {
			t.Errorf("JSON from the presenter page: %q, %v", js, err)
		}
	})

	t.Run("a restart keeps the results", func(t *testing.T) {
		ls.shutdown()
		ls.start()
		waitFor(t, desk, "the counts after the restart", presenterCounts(0, 2, 1))
		rp.must(phones[1], chromedp.Navigate(ls.url("/")))
		waitFor(t, phones[1], "the phone's vote after the restart", `document.querySelector('`+option(2)+`')?.getAttribute('aria-pressed') === 'true'`)
	})
}

func TestBrowserModeratedQuestions(t *testing.T) {
	ls := newLiveServer(t, roomDeck, func(c *Config) { c.Moderate = true })
	desk, _ := browsertest.New(t)
	asker, _ := browsertest.New(t, browsertest.Phone())
	reader, _ := browsertest.New(t, browsertest.Phone())
	rp := &roomPages{t: t, must: func(ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}}
	rp.must(desk, chromedp.Navigate(ls.url("/presenter?key="+testKey)))
	for _, p := range []context.Context{asker, reader} {
		rp.must(p, chromedp.Navigate(ls.url("/")))
		waitFor(t, p, "the room", `!!document.querySelector('.wt-qa')`)
	}
	rp.eval(asker, `document.querySelector('.wt-qa').open = true`)
	rp.must(asker, chromedp.SetValue(`.wt-ask textarea`, "Held until approved?"))
	rp.click(asker, "Ask", `.wt-ask button`)
	waitFor(t, asker, "the moderation notice", `document.querySelector('.wt-room .wt-note').textContent.includes('approves')`)
	waitFor(t, desk, "the pending question", `document.querySelector('.wt-room-presenter .wt-q-pending .wt-q-text')?.textContent === 'Held until approved?'`)
	if n, _ := chromedp.Run(reader, chromedp.Evaluate[int](`document.querySelectorAll('.wt-q').length`)); n != 0 {
		t.Fatalf("another phone sees %d questions before approval", n)
	}
	rp.eval(desk, `[...document.querySelectorAll('.wt-room-presenter .wt-q button')].find(b => b.textContent === 'Approve').click()`)
	waitFor(t, reader, "the approved question", `document.querySelector('.wt-q-text')?.textContent === 'Held until approved?'`)
}

func TestBrowserHeartbeatShowsEveryPhone(t *testing.T) {
	ls := newLiveServer(t, "# The room's heartbeat\n\n![:heartbeat]()\n", func(c *Config) { c.PingInterval = 300 * time.Millisecond })
	desk, _ := browsertest.New(t)
	projector, _ := browsertest.NewTab(t, desk)
	var phones []context.Context
	for range 3 {
		p, _ := browsertest.New(t, browsertest.Phone())
		phones = append(phones, p)
	}
	for _, tab := range append([]context.Context{projector}, phones...) {
		url := ls.url("/")
		if tab == projector {
			url = ls.url("/?projector")
		}
		if err := chromedp.Do(tab, chromedp.Navigate(url)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tab := range append([]context.Context{projector}, phones...) {
		waitFor(t, tab, "three phones in the histogram", `/^3 phones · median [\d.]+ ms · slowest [\d.]+ ms$/.test(document.querySelector('#frame .wt-heartbeat .wt-hb-sum')?.textContent)`)
		waitFor(t, tab, "bars adding up to three", `[...document.querySelectorAll('#frame .wt-hb-n')].reduce((a, e) => a + Number(e.textContent), 0) === 3`)
	}
}
