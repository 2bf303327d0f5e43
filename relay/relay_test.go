package relay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTwoEdgesFollowThePresenter(t *testing.T) {
	_, p, e1, e2 := startTalk(t, "keynote")

	_, want := get(t, p.http.URL+"/api/deck")
	if strings.Contains(want, "Secret speaker notes") {
		t.Fatal("the presenter's audience deck has notes")
	}
	for _, e := range []*edge{e1, e2} {
		if code, got := get(t, e.http.URL+"/api/deck"); code != 200 || got != want {
			t.Errorf("edge /api/deck: %d %.80q, want the presenter's %.80q", code, got, want)
		}
		if code, got := get(t, e.http.URL+"/img/pic.png"); code != 200 || got != "\x89PNG first picture" {
			t.Errorf("edge image: %d %q", code, got)
		}
		if code, _ := get(t, e.http.URL+"/presenter?key="+testKey); code != 404 {
			t.Errorf("edge /presenter: %d, want 404", code)
		}
	}
	pages := []*page{openPage(t, e1.http.URL), openPage(t, e2.http.URL), openPage(t, e1.http.URL)}
	for _, pg := range pages {
		pg.waitIndex(t, "the first state", 0)
	}
	for _, i := range []int{1, 2, 1} {
		p.srv.Goto(i)
		for _, pg := range pages {
			pg.waitIndex(t, "a move", i)
		}
	}

	// A deck reload with a new image: the edges serve both, and the pages
	// are told of the new version at the same step.
	os.WriteFile(filepath.Join(p.dir, "img", "pic.png"), []byte("\x89PNG second picture, longer"), 0o644)
	os.WriteFile(filepath.Join(p.dir, "talk.md"), []byte(strings.Replace(testDeck, "# Third", "# Third, edited", 1)), 0o644)
	p.srv.Reload()
	version := p.srv.State().Deck.Version
	for _, pg := range pages {
		eventually(t, "the new deck version on every page", 10e9, func() bool {
			m, _, _ := pg.state()
			return m.Deck == version && m.Index == 1
		})
	}
	for _, e := range []*edge{e1, e2} {
		if _, got := get(t, e.http.URL+"/api/deck"); !strings.Contains(got, "Third, edited") {
			t.Error("an edge serves the old deck after a reload")
		}
		if _, got := get(t, e.http.URL+"/img/pic.png"); got != "\x89PNG second picture, longer" {
			t.Errorf("an edge serves the old image after a reload: %q", got)
		}
	}
}

func TestALateEdgeGetsEverythingAtOnce(t *testing.T) {
	b := startBroker(t)
	o := Options{URL: b.url(), Talk: "late"}
	p := startPresenter(t, o, "")
	p.srv.Goto(2)
	os.WriteFile(filepath.Join(p.dir, "talk.md"), []byte(strings.Replace(testDeck, "# Second", "# Second, edited", 1)), 0o644)
	p.srv.Reload()
	want := p.srv.State()
	eventually(t, "the presenter's state on the broker", 5e9, func() bool { return p.relay.Err() == nil && p.relay.sentPosIs(want) })

	e := startEdge(t, o, "late-edge")
	got, err := e.relay.Ready(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got.Index != 2 || got.Deck.Version != want.Deck.Version {
		t.Errorf("a late edge starts at step %d of version %s, want 2 of %s", got.Index, got.Deck.Version, want.Deck.Version)
	}
	if _, got := get(t, e.http.URL+"/api/deck"); !strings.Contains(got, "Second, edited") {
		t.Error("a late edge serves an old deck")
	}
	if code, _ := get(t, e.http.URL+"/img/pic.png"); code != 200 {
		t.Errorf("a late edge has not the image: %d", code)
	}
	openPage(t, e.http.URL).waitIndex(t, "a page on a late edge", 2)
}

func TestBrokerLossAndReturn(t *testing.T) {
	b, p, e1, e2 := startTalk(t, "outage")
	pages := []*page{openPage(t, e1.http.URL), openPage(t, e2.http.URL)}
	p.srv.Goto(1)
	for _, pg := range pages {
		pg.waitIndex(t, "a move before the outage", 1)
	}

	for _, fresh := range []bool{false, true} {
		b.stop()
		eventually(t, "the relays to notice", 10e9, func() bool {
			return !p.relay.Connected() && !e1.relay.Connected() && !e2.relay.Connected()
		})
		// The presenter moves on while the broker is away: the edges keep
		// serving the last state and their pages stay connected.
		p.srv.Goto(2)
		for _, e := range []*edge{e1, e2} {
			if code, _ := get(t, e.http.URL+"/api/deck"); code != 200 {
				t.Errorf("an edge without its broker answers /api/deck with %d", code)
			}
			if code, _ := get(t, e.http.URL+"/img/pic.png"); code != 200 {
				t.Errorf("an edge without its broker answers its image with %d", code)
			}
		}
		for _, pg := range pages {
			if m, _, err := pg.state(); err != nil || m.Index != 1 {
				t.Errorf("a page during the outage: %+v, %v", m, err)
			}
		}
		late := openPage(t, e1.http.URL)
		late.waitIndex(t, "a page that joins during the outage", 1)
		pages = append(pages, late)

		b.restart(fresh) // fresh: the broker came back without the talk
		for _, pg := range pages {
			pg.waitIndex(t, "the move made during the outage, after the broker's return", 2)
		}
		p.srv.Goto(1)
		for _, pg := range pages {
			pg.waitIndex(t, "a move after the broker's return", 1)
		}
	}
}

func TestPresenterRestartIsPickedUp(t *testing.T) {
	b := startBroker(t)
	o := Options{URL: b.url(), Talk: "restart"}
	p := startPresenter(t, o, "")
	e := startEdge(t, o, "edge-1")
	pg := openPage(t, e.http.URL)
	p.srv.Goto(2)
	pg.waitIndex(t, "a move", 2)

	dir := p.dir
	p.stop()
	if code, _ := get(t, e.http.URL+"/api/deck"); code != 200 {
		t.Errorf("an edge whose presenter stopped answers /api/deck with %d", code)
	}
	if m, _, err := pg.state(); err != nil || m.Index != 2 {
		t.Errorf("a page after the presenter stopped: %+v, %v", m, err)
	}
	os.WriteFile(filepath.Join(dir, "talk.md"), []byte(strings.Replace(testDeck, "# Hello, relay", "# Hello again", 1)), 0o644)
	p2 := startPresenter(t, o, dir) // starts at step 0 (no state kept), a new version
	m := pg.waitIndex(t, "the restarted presenter's step", 0)
	if m.Deck != p2.srv.State().Deck.Version {
		t.Errorf("the page is at version %s, want the restarted presenter's %s", m.Deck, p2.srv.State().Deck.Version)
	}
	if _, got := get(t, e.http.URL+"/api/deck"); !strings.Contains(got, "Hello again") {
		t.Error("the edge serves the deck of before the restart")
	}
}

// TestAudienceAddsUpAndHealthShows: the presenter's status has every
// edge's audience, drops an edge that stops reporting, and says when the
// broker is away.
func TestAudienceAddsUpAndHealthShows(t *testing.T) {
	b, p, e1, e2 := startTalk(t, "counts")
	for range 3 {
		openPage(t, e1.http.URL)
	}
	openPage(t, e2.http.URL)
	eventually(t, "3 + 1 viewers at the presenter", 5e9, func() bool {
		a := p.relay.Status().Edges
		return a["edge-1"] == 3 && a["edge-2"] == 1 && len(a) == 2
	})
	if st := p.relay.Status(); !st.Healthy || st.Problem != "" || st.Talk != "counts" {
		t.Errorf("status with the broker up: %+v", st)
	}
	e2.stop()
	eventually(t, "a stopped edge to drop out", 10e9, func() bool {
		a := p.relay.Status().Edges
		return len(a) == 1 && a["edge-1"] == 3
	})
	b.stop()
	eventually(t, "the presenter to see the broker gone", 10e9, func() bool { return !p.relay.Status().Healthy })
	if st := p.relay.Status(); !strings.Contains(st.Problem, "unreachable") {
		t.Errorf("status with the broker down: %+v", st)
	}
	b.restart(false)
	eventually(t, "the presenter to see the broker back", 10e9, func() bool { return p.relay.Status().Healthy })
}
