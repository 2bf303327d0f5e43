package relay

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"wiretalk/internal/browsertest"
)

// TestBrowserPresenterSeesTheEdges: the presenter's page adds the edges'
// audience to its own, names each edge, and says when the broker is gone.
func TestBrowserPresenterSeesTheEdges(t *testing.T) {
	b, p, e1, e2 := startTalk(t, "room")
	for range 2 {
		openPage(t, e1.http.URL)
	}
	for range 3 {
		openPage(t, e2.http.URL)
	}
	openPage(t, p.http.URL) // one phone on the presenter's own server

	desk, _ := browsertest.New(t)
	if err := chromedp.Do(desk, chromedp.Navigate(p.http.URL+"/presenter?key="+testKey)); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitFor(t, desk, "six viewers in all", `document.getElementById('audience').textContent === '6 viewers'`)
	browsertest.WaitFor(t, desk, "the relay's line", `!document.getElementById('relay').hidden && document.getElementById('relay').dataset.state === 'live'`)
	line := text(t, desk, "relay")
	for _, want := range []string{"relay room", "here 1", "edge-1 2", "edge-2 3"} {
		if !strings.Contains(line, want) {
			t.Errorf("the relay's line %q lacks %q", line, want)
		}
	}

	b.stop()
	browsertest.WaitFor(t, desk, "the broker's loss on the presenter's page", `document.getElementById('relay').dataset.state === 'down'`)
	if line := text(t, desk, "relay"); !strings.Contains(line, "unreachable") {
		t.Errorf("the relay's line with the broker gone: %q", line)
	}
	b.restart(false)
	browsertest.WaitFor(t, desk, "the broker's return on the presenter's page", `document.getElementById('relay').dataset.state === 'live'`)
}

func text(t *testing.T, tab context.Context, id string) string {
	t.Helper()
	return browsertest.Eval[string](t, tab, `document.getElementById('`+id+`')?.textContent ?? ''`)
}

// TestBrowserEdgePhonesVote: phones in Chromium on two edges vote; the
// presenter's page shows the bars and "2 of 3 voted" (its audience is the
// edges'); a second tab of one phone, on the other edge, shows that
// phone's vote at once, with no reload.
func TestBrowserEdgePhonesVote(t *testing.T) {
	p, e1, e2 := startRoomTalk(t, "room", false)

	desk, _ := browsertest.New(t)
	browsertest.Open(t, desk, p.http.URL+"/presenter?key="+testKey)
	phone1, _ := browsertest.New(t, browsertest.Phone())
	phone2, _ := browsertest.New(t, browsertest.Phone())
	browsertest.Open(t, phone1, e1.http.URL+"/")
	browsertest.Open(t, phone2, e2.http.URL+"/")
	tab2, _ := browsertest.NewTab(t, phone1) // the same browser: the same device cookie (cookies ignore the port)
	browsertest.Open(t, tab2, e2.http.URL+"/")
	const buttons = `document.querySelectorAll('.wt-room button.wt-opt:not(:disabled)').length === 3`
	for _, tab := range []context.Context{phone1, phone2, tab2} {
		browsertest.WaitFor(t, tab, "the poll's buttons on an edge", buttons)
	}
	option := func(i int) string { return `.wt-room .wt-options li:nth-child(` + strconv.Itoa(i+1) + `) button` }
	browsertest.Eval[any](t, phone1, `document.querySelector('`+option(1)+`').click()`)
	browsertest.Eval[any](t, phone2, `document.querySelector('`+option(0)+`').click()`)
	browsertest.WaitFor(t, desk, "the edges' votes in the presenter's bars",
		`[...document.querySelectorAll('.wt-room-presenter .wt-opt-count')].map(e => e.textContent).join(',') === '1,1,0'`)
	browsertest.WaitFor(t, desk, "2 voters of the edges' 3 pages", `document.querySelector('.wt-room-presenter .wt-poll-state')?.textContent.startsWith('2 of 3 voted')`)
	browsertest.WaitFor(t, tab2, "phone 1's vote on its second tab, on the other edge, without a reload",
		`document.querySelector('`+option(1)+`')?.getAttribute('aria-pressed') === 'true'`)

	// The second tab changes the vote: the first tab follows, and the
	// device counts once.
	browsertest.Eval[any](t, tab2, `document.querySelector('`+option(2)+`').click()`)
	browsertest.WaitFor(t, phone1, "the changed vote on the first tab", `document.querySelector('`+option(2)+`')?.getAttribute('aria-pressed') === 'true'`)
	browsertest.WaitFor(t, desk, "the device counted once",
		`[...document.querySelectorAll('.wt-room-presenter .wt-opt-count')].map(e => e.textContent).join(',') === '1,0,1'`)
}
