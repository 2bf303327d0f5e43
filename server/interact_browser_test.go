package server

import (
	"context"
	"fmt"
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
	t               *testing.T
}

func openRoom(t *testing.T, ls *liveServer) *roomPages {
	rp := &roomPages{ls: ls, t: t}
	rp.desk, _ = browsertest.New(t)
	rp.projector, _ = browsertest.NewTab(t, rp.desk)
	for range 3 {
		phone, _ := browsertest.New(t, browsertest.Phone())
		rp.phones = append(rp.phones, phone)
	}
	browsertest.Open(t, rp.desk, ls.url("/presenter?key="+testKey))
	browsertest.WaitFor(t, rp.desk, "the presenter view", browsertest.Shows("current", 0))
	browsertest.Open(t, rp.projector, ls.url("/?projector"))
	for _, p := range rp.phones {
		browsertest.Open(t, p, ls.url("/"))
	}
	for _, tab := range append([]context.Context{rp.projector}, rp.phones...) {
		browsertest.WaitFor(t, tab, "the first slide", browsertest.Shows("frame", 0))
	}
	return rp
}

// eval runs JavaScript in the tab for its effect.
func (rp *roomPages) eval(ctx context.Context, js string) {
	rp.t.Helper()
	browsertest.Eval[any](rp.t, ctx, js)
}

// click clicks the first element matching the CSS selector sel in the tab.
func (rp *roomPages) click(ctx context.Context, what, sel string) {
	rp.t.Helper()
	browsertest.WaitFor(rp.t, ctx, what, fmt.Sprintf(`!!document.querySelector(%q)`, sel))
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
			browsertest.WaitFor(t, p, "the poll's buttons", `document.querySelectorAll('.wt-room button.wt-opt:not(:disabled)').length === 3`)
		}
		rp.click(phones[0], "option 0x9", option(1))
		rp.click(phones[1], "option 0x1", option(0))
		rp.click(phones[2], "option 0x9", option(1))
		browsertest.WaitFor(t, desk, "the presenter's bars", presenterCounts(1, 2, 0))
		browsertest.WaitFor(t, desk, "3 of 4 voted (the projector is connected too)", `document.querySelector('.wt-room-presenter .wt-poll-state').textContent.startsWith('3 of 4 voted')`)
		rp.click(phones[1], "option 0xA", option(2))
		browsertest.WaitFor(t, desk, "the changed vote", presenterCounts(0, 2, 1))
		browsertest.WaitFor(t, phones[1], "the phone's own vote marked", `document.querySelector('`+option(2)+`')?.getAttribute('aria-pressed') === 'true'`)
		browsertest.Open(t, phones[0], ls.url("/"))
		browsertest.WaitFor(t, phones[0], "the vote kept after a reload", `document.querySelector('`+option(1)+`')?.getAttribute('aria-pressed') === 'true'`)
		if n := browsertest.Eval[int](t, phones[0], `document.querySelectorAll('.wt-room .wt-opt-count').length`); n != 0 {
			t.Errorf("a phone shows %d counts before the reveal", n)
		}
	})

	t.Run("reveal with the key r marks the correct option", func(t *testing.T) {
		browsertest.Do(t, desk, chromedp.KeyEvent("r"))
		for _, tab := range []context.Context{projector, phones[0], phones[1]} {
			browsertest.WaitFor(t, tab, "the revealed results", `[...document.querySelectorAll('.wt-room .wt-opt-count')].map(e => e.textContent).join(',') === '0,2,1'`)
			browsertest.WaitFor(t, tab, "the correct option marked", `document.querySelector('.wt-room .wt-correct .wt-opt-text')?.textContent === '0x9' && document.querySelectorAll('.wt-room .wt-correct').length === 1`)
		}
		browsertest.WaitFor(t, desk, "the reveal button pressed", `document.querySelector('.wt-reveal').getAttribute('aria-pressed') === 'true'`)
		browsertest.Shot(t, phones[0], "poll-phone")
		browsertest.Shot(t, desk, "poll-presenter")
	})

	const hostile = `<img src=x onerror=alert(1)> why mask?`
	t.Run("ask, upvote, answer, hide", func(t *testing.T) {
		rp.eval(phones[0], `document.querySelector('.wt-qa').open = true`)
		browsertest.Do(t, phones[0], chromedp.SetValue(`.wt-ask textarea`, hostile))
		rp.click(phones[0], "Ask", `.wt-ask button`)
		browsertest.WaitFor(t, phones[0], "the confirmation", `document.querySelector('.wt-room .wt-note').textContent === 'Sent'`)
		browsertest.WaitFor(t, phones[1], "the question as text", fmt.Sprintf(`document.querySelector('.wt-q-text')?.textContent === %q && !document.querySelector('.wt-room img')`, hostile))
		rp.click(phones[1], "upvote", `.wt-up`)
		rp.click(phones[2], "upvote", `.wt-up`)
		browsertest.WaitFor(t, desk, "two upvotes on the presenter", `document.querySelector('.wt-room-presenter .wt-votes')?.textContent === '▲ 2'`)
		browsertest.WaitFor(t, phones[1], "the upvote marked", `document.querySelector('.wt-up').getAttribute('aria-pressed') === 'true'`)
		rp.click(desk, "Answered", `.wt-room-presenter .wt-q .wt-actions button`)
		browsertest.WaitFor(t, phones[2], "answered on the phone", `document.querySelector('.wt-q .wt-badge')?.textContent === 'answered'`)
		rp.eval(desk, `[...document.querySelectorAll('.wt-room-presenter .wt-q button')].find(b => b.textContent === 'Hide').click()`)
		browsertest.WaitFor(t, phones[2], "the hidden question gone", `document.querySelectorAll('.wt-q').length === 0`)
	})

	t.Run("reactions reach the projector as bursts", func(t *testing.T) {
		for range 3 {
			rp.click(phones[2], "a reaction", `.wt-reacts button:nth-child(5)`)
		}
		browsertest.WaitFor(t, projector, "a burst of 👏", `[...document.querySelectorAll('.wt-bursts .wt-burst')].some(e => e.textContent.startsWith('👏'))`)
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
		browsertest.WaitFor(t, desk, "the counts after the restart", presenterCounts(0, 2, 1))
		browsertest.Open(t, phones[1], ls.url("/"))
		browsertest.WaitFor(t, phones[1], "the phone's vote after the restart", `document.querySelector('`+option(2)+`')?.getAttribute('aria-pressed') === 'true'`)
	})
}

func TestBrowserModeratedQuestions(t *testing.T) {
	ls := newLiveServer(t, roomDeck, func(c *Config) { c.Moderate = true })
	desk, _ := browsertest.New(t)
	asker, _ := browsertest.New(t, browsertest.Phone())
	reader, _ := browsertest.New(t, browsertest.Phone())
	rp := &roomPages{t: t}
	browsertest.Open(t, desk, ls.url("/presenter?key="+testKey))
	for _, p := range []context.Context{asker, reader} {
		browsertest.Open(t, p, ls.url("/"))
		browsertest.WaitFor(t, p, "the room", `!!document.querySelector('.wt-qa')`)
	}
	rp.eval(asker, `document.querySelector('.wt-qa').open = true`)
	browsertest.Do(t, asker, chromedp.SetValue(`.wt-ask textarea`, "Held until approved?"))
	rp.click(asker, "Ask", `.wt-ask button`)
	browsertest.WaitFor(t, asker, "the moderation notice", `document.querySelector('.wt-room .wt-note').textContent.includes('approves')`)
	browsertest.WaitFor(t, desk, "the pending question", `document.querySelector('.wt-room-presenter .wt-q-pending .wt-q-text')?.textContent === 'Held until approved?'`)
	if n := browsertest.Eval[int](t, reader, `document.querySelectorAll('.wt-q').length`); n != 0 {
		t.Fatalf("another phone sees %d questions before approval", n)
	}
	rp.eval(desk, `[...document.querySelectorAll('.wt-room-presenter .wt-q button')].find(b => b.textContent === 'Approve').click()`)
	browsertest.WaitFor(t, reader, "the approved question", `document.querySelector('.wt-q-text')?.textContent === 'Held until approved?'`)
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
		browsertest.WaitFor(t, tab, "three phones in the histogram", `/^3 phones · median [\d.]+ ms · slowest [\d.]+ ms$/.test(document.querySelector('#frame .wt-heartbeat .wt-hb-sum')?.textContent)`)
		browsertest.WaitFor(t, tab, "bars adding up to three", `[...document.querySelectorAll('#frame .wt-hb-n')].reduce((a, e) => a + Number(e.textContent), 0) === 3`)
	}
}
