package relay

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"wiretalk/internal/browsertest"
)

// TestBrowserPresenterSeesTheEdges: the presenter's page adds the edges'
// audience to its own, names each edge, and says when the broker is gone.
func TestBrowserPresenterSeesTheEdges(t *testing.T) {
	b := startBroker(t)
	o := Options{URL: b.url(), Talk: "room"}
	p := startPresenter(t, o, "")
	e1 := startEdge(t, o, "edge-1")
	e2 := startEdge(t, o, "edge-2")
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
