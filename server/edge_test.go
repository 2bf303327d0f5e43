package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"wiretalk/protocol"
)

// mapUpstream is an Upstream holding files in memory, as a relay does.
type mapUpstream map[string][]byte

func (m mapUpstream) DeckFile(name string) ([]byte, bool) {
	b, ok := m[name]
	return b, ok
}

// newTestEdge serves an edge that starts at first.
func newTestEdge(t *testing.T, up Upstream, first TalkState) *testServer {
	t.Helper()
	srv, err := NewEdge(Config{Logf: t.Logf}, up, first)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(nil)
	hs.Config = srv.HTTPServer("", nil)
	hs.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	return &testServer{Server: srv, http: hs}
}

func body(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestStateIsWhatTheAudienceGets(t *testing.T) {
	ts := newTestServer(t, testDeck)
	changed := ts.Changed()
	st := ts.State()
	if got := body(t, ts.get(t, "/api/deck", nil)); !bytes.Equal(st.Deck.JSON, got) {
		t.Errorf("State's deck JSON differs from /api/deck:\n%s\n%s", st.Deck.JSON, got)
	}
	if bytes.Contains(st.Deck.JSON, []byte("secret-intro")) {
		t.Error("the state of a live talk carries speaker notes")
	}
	if st.Deck.Title != "Hello, wire" || len(st.Deck.Files) != 1 || st.Deck.Files[0] != "img/pic.png" {
		t.Errorf("deck state %q %v", st.Deck.Title, st.Deck.Files)
	}
	if b, err := ts.DeckFile("img/pic.png"); err != nil || string(b) != "\x89PNG fake" {
		t.Errorf("DeckFile = %q, %v", b, err)
	}
	for _, bad := range []string{"talk.md", "../x.png", ".hidden.png", "nope.png"} {
		if _, err := ts.DeckFile(bad); err == nil {
			t.Errorf("DeckFile(%q) read a file it must not", bad)
		}
	}

	ts.Goto(2)
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("no change signalled after Goto")
	}
	if st := ts.State(); st.Index != 2 || st.Blackout {
		t.Errorf("after Goto(2): index %d blackout %v", st.Index, st.Blackout)
	}

	// A reload with a new version is signalled, with the new deck.
	os.WriteFile(ts.deck, []byte(strings.Replace(testDeck, "# Third", "# Third, edited", 1)), 0o644)
	ts.Reload()
	<-changed
	if st2 := ts.State(); st2.Deck.Version == st.Deck.Version || !bytes.Contains(st2.Deck.JSON, []byte("Third, edited")) {
		t.Errorf("after a reload: version %s (was %s)", st2.Deck.Version, st.Deck.Version)
	}
	// A broken file keeps the deck and reports its problems.
	os.WriteFile(ts.deck, []byte("---\nlayout: true\n"), 0o644)
	ts.Reload()
	<-changed
	if st3 := ts.State(); len(st3.Problems) == 0 {
		t.Error("problems of a broken deck are not in the state")
	}
}

func TestEdgeServesTheAudienceAndNoPresenter(t *testing.T) {
	ts := newTestServer(t, testDeck)
	st := ts.State()
	edge := newTestEdge(t, mapUpstream{"img/pic.png": []byte("PNG from upstream"), "img/other.png": []byte("unlisted")}, st)

	if got := body(t, edge.get(t, "/api/deck", nil)); !bytes.Equal(got, st.Deck.JSON) {
		t.Errorf("edge /api/deck differs from the presenter's")
	}
	if got := string(body(t, edge.get(t, "/img/pic.png", nil))); got != "PNG from upstream" {
		t.Errorf("edge image = %q", got)
	}
	for path, want := range map[string]int{
		"/":                         200,
		"/demo":                     200,
		"/presenter":                404,
		"/presenter?key=" + testKey: 404,
		"/api/presenter/deck":       404,
		"/ws/presenter":             404,
		"/img/other.png":            404, // the upstream has it, the deck does not list it
		"/talk.md":                  404,
	} {
		if resp := edge.get(t, path, nil); resp.StatusCode != want {
			t.Errorf("edge GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	if page := string(body(t, edge.get(t, "/", nil))); !strings.Contains(page, "<title>Hello, wire") {
		t.Errorf("the edge's audience page has not the deck's title")
	}

	a := edge.dial(t, "/ws", nil)
	if m := next(t, a, "hello"); m.Role != "audience" {
		t.Errorf("hello role %q", m.Role)
	}
	if m := next(t, a, "state"); m.Index != 0 || m.Deck != st.Deck.Version {
		t.Errorf("first state on the edge: %+v", m)
	}
	st.Index, st.Blackout = 2, true
	edge.Follow(st)
	if m := next(t, a, "state"); m.Index != 2 || !m.Blackout {
		t.Errorf("after Follow: %+v", m)
	}
	edge.Goto(0) // an edge never moves the talk itself
	if edge.Position() != 2 {
		t.Errorf("Goto moved an edge to %d", edge.Position())
	}

	// A new deck version: served, and the pages told.
	os.WriteFile(ts.deck, []byte(strings.Replace(testDeck, "# Second", "# Second, edited", 1)), 0o644)
	ts.Reload()
	st2 := ts.State()
	edge.Follow(st2)
	if m := next(t, a, "state"); m.Deck != st2.Deck.Version || m.Index != st2.Index {
		t.Errorf("after a new deck: %+v, want version %s", m, st2.Deck.Version)
	}
	if got := body(t, edge.get(t, "/api/deck", nil)); !bytes.Contains(got, []byte("Second, edited")) {
		t.Error("the edge serves the old deck after Follow")
	}
}

func TestRelayStatusReachesPresenters(t *testing.T) {
	ts := newTestServer(t, testDeck)
	p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	a := ts.dial(t, "/ws", nil)
	next(t, p, "state")
	next(t, a, "state")
	ts.SetRelayStatus(RelayStatus{Talk: "keynote", Healthy: true, Edges: map[string]int{"edge-2": 5, "edge-1": 3}})
	m := nextRelay(t, p)
	if m.Talk != "keynote" || !m.Healthy || len(m.Edges) != 2 || m.Edges[0] != (edgeCount{"edge-1", 3}) || m.Edges[1] != (edgeCount{"edge-2", 5}) {
		t.Errorf("relay message %+v", m)
	}
	ts.SetRelayStatus(RelayStatus{Talk: "keynote", Problem: "the broker is unreachable", Edges: map[string]int{"edge-1": 3}})
	if m := nextRelay(t, p); m.Healthy || m.Problem != "the broker is unreachable" || len(m.Edges) != 1 {
		t.Errorf("relay message after a loss %+v", m)
	}
	// A presenter that opens later is told at once.
	p2 := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	if m := nextRelay(t, p2); m.Healthy || len(m.Edges) != 1 {
		t.Errorf("relay message for a new presenter %+v", m)
	}
	// The audience never is: its next message is the next state (after
	// the room's welcome: polls, questions, its votes).
	ts.Goto(1)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	for {
		_, b, err := a.Read(ctx)
		if err != nil || strings.Contains(string(b), `"type":"relay"`) {
			t.Fatalf("the audience got %s, %v; want the state", b, err)
		}
		if strings.Contains(string(b), `"type":"state"`) {
			break
		}
	}
}

func nextRelay(t *testing.T, c *protocol.Conn) relayMsg {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for a relay message: %v", err)
		}
		var m relayMsg
		if json.Unmarshal(b, &m) == nil && m.Type == "relay" {
			return m
		}
	}
}

// TestEdgeInspectorAndStudy: an edge's inspector is its own (the specimen
// echoes on the edge, observed into the edge's feed), and a talk in
// self-study is served in self-study, notes included.
func TestEdgeInspectorAndStudy(t *testing.T) {
	ts := newTestServer(t, testDeck, func(c *Config) { c.Study = true })
	st := ts.State()
	edge := newTestEdge(t, mapUpstream{}, st)

	id, _ := openFeed(t, edge)
	spec := edge.dial(t, "/demo/specimen?feed="+id, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := spec.Write(ctx, protocol.OpText, []byte("hello, edge")); err != nil {
		t.Fatal(err)
	}
	if _, b, err := spec.Read(ctx); err != nil || string(b) != "hello, edge" {
		t.Errorf("the edge's specimen echoed %q, %v", b, err)
	}

	if deck := string(body(t, edge.get(t, "/api/deck", nil))); !strings.Contains(deck, "secret-intro") || !strings.Contains(deck, `"study":true`) {
		t.Error("a self-study talk's deck on the edge has no notes or no study flag")
	}
	a := edge.dial(t, "/ws", nil)
	_, b, err := a.Read(ctx)
	if err != nil || !strings.Contains(string(b), `"study":true`) {
		t.Errorf("the edge's hello in self-study: %s, %v", b, err)
	}
}
