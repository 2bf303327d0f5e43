package server

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"wiretalk/demo"
	"wiretalk/internal/browsertest"
)

// teeSpy is a demo.Tee that keeps what it is given.
type teeSpy struct {
	mu      sync.Mutex
	records []demo.Record
	closed  chan struct{}
}

func (s *teeSpy) Record(r demo.Record) {
	s.mu.Lock()
	s.records = append(s.records, r)
	s.mu.Unlock()
}

func (s *teeSpy) Close() { close(s.closed) }

// TestBrowserRecordsThePresentersInspector: with Config.Record (serve
// -record), the inspector feed the presenter's own page opens on the Demo
// slide is recorded, record by record, until the page leaves it; a
// phone's feed on the same slide is not.
func TestBrowserRecordsThePresentersInspector(t *testing.T) {
	tees := make(chan *teeSpy, 4)
	ls := newLiveServer(t, "", func(c *Config) {
		c.Record = func() demo.Tee {
			s := &teeSpy{closed: make(chan struct{})}
			tees <- s
			return s
		}
	})
	demoSlide := -1
	for _, s := range ls.srv.currentView().deck.Slides {
		if slices.Contains(s.Macros, "inspector") {
			demoSlide = s.Index
			break
		}
	}
	ls.srv.Goto(demoSlide)

	phone, _ := browsertest.New(t, browsertest.Phone())
	if err := chromedp.Do(phone, chromedp.Navigate(ls.url("/"))); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitFor(t, phone, "the phone's inspector", `document.querySelector('.wt-inspector .wti-status')?.textContent.startsWith('Connected')`)

	desk, _ := browsertest.New(t)
	if err := chromedp.Do(desk, chromedp.Navigate(ls.url("/presenter?key="+testKey))); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitFor(t, desk, "the presenter's inspector", `document.querySelector('#current .wt-inspector .wti-status')?.textContent.startsWith('Connected')`)
	if err := chromedp.Do(desk,
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#current .wti-msg').value = 'sent from the desk'`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#current .wt-inspector button[data-act="text"]').click()`)); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitFor(t, desk, "the echo", `[...document.querySelectorAll('#current .wti-item.wti-out')].some(b => b.textContent.includes('18 bytes'))`)
	// The presenter moves on: the Demo slide's inspector closes its feed.
	ls.srv.Goto(demoSlide + 1)

	var spy *teeSpy
	select {
	case spy = <-tees:
	case <-time.After(patience):
		t.Fatal("no feed was recorded")
	}
	select {
	case <-spy.closed:
	case <-time.After(patience):
		t.Fatal("the recording was not closed when the presenter's page left")
	}
	select {
	case other := <-tees:
		t.Fatalf("another feed was recorded too (%d records): the phone's", len(other.records))
	default:
	}
	spy.mu.Lock()
	defer spy.mu.Unlock()
	var handshake, in, out bool
	last := 0
	for _, r := range spy.records {
		if r.Seq <= last {
			t.Errorf("seq %d after %d", r.Seq, last)
		}
		last = r.Seq
		handshake = handshake || r.Handshake != nil && r.Handshake.Match
		if f := r.Frame; f != nil && f.Payload == "sent from the desk" {
			in = in || f.Dir == "in" && f.Mask
			out = out || f.Dir == "out" && !f.Mask
		}
	}
	if !handshake || !in || !out {
		t.Errorf("recorded: handshake %v, the desk's masked frame %v, its echo %v (%d records)", handshake, in, out, len(spy.records))
	}
}
