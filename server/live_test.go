package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"wiretalk/protocol"
)

func TestAudienceFollowsPresenter(t *testing.T) {
	ts := newTestServer(t, testDeck)
	a1 := ts.dial(t, "/ws", nil)
	a2 := ts.dial(t, "/ws", nil)
	p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	for _, c := range []*protocol.Conn{a1, a2} {
		if m := next(t, c, "hello"); m.Role != "audience" {
			t.Errorf("hello role = %q, want audience", m.Role)
		}
		if m := next(t, c, "state"); m.Index != 0 {
			t.Errorf("first state index = %d, want 0", m.Index)
		}
	}
	if m := next(t, p, "hello"); m.Role != "presenter" {
		t.Errorf("presenter hello role = %q", m.Role)
	}
	next(t, p, "state")
	if err := p.Write(context.Background(), protocol.OpText, []byte(`{"type":"goto","index":2}`)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*protocol.Conn{a1, a2, p} {
		if m := next(t, c, "state"); m.Index != 2 {
			t.Errorf("state after goto: index %d, want 2", m.Index)
		}
	}
	p.Write(context.Background(), protocol.OpText, []byte(`{"type":"blackout","on":true}`))
	if m := next(t, a1, "state"); !m.Blackout || m.Index != 2 {
		t.Errorf("after blackout: %+v", m)
	}
	// Out of range is ignored: a2 sees step 2 (the blackout, if not
	// replaced already: latest wins) and then step 1, never step 99.
	p.Write(context.Background(), protocol.OpText, []byte(`{"type":"goto","index":99}`))
	p.Write(context.Background(), protocol.OpText, []byte(`{"type":"goto","index":1}`))
	for {
		m := next(t, a2, "state")
		if m.Index == 1 {
			break
		}
		if m.Index != 2 {
			t.Fatalf("state with index %d after a goto out of range and a goto 1", m.Index)
		}
	}
	if got := ts.Position(); got != 1 {
		t.Errorf("position %d, want 1", got)
	}
}

// TestBroadcastReachesALargeAudience: enough pages that the hub splits a
// slide change among several writers; every page gets the changes in
// order and ends on the newest.
func TestBroadcastReachesALargeAudience(t *testing.T) {
	const pages = 3*clientsPerWriter + 20
	ts := newTestServer(t, testDeck)
	audience := make([]*protocol.Conn, pages)
	for i := range audience {
		audience[i] = ts.dial(t, "/ws", nil)
		next(t, audience[i], "state")
	}
	eventually(t, "every page in the hub", func() bool { return ts.AudienceCount() == pages })
	p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	next(t, p, "state")
	for _, i := range []int{1, 2} {
		if err := p.Write(context.Background(), protocol.OpText, fmt.Appendf(nil, `{"type":"goto","index":%d}`, i)); err != nil {
			t.Fatal(err)
		}
	}
	for n, c := range audience {
		// Latest wins: a page may miss 1, never see 2 before 1 or stop short.
		last := 0
		for last != 2 {
			m := next(t, c, "state")
			if m.Index < last || m.Index > 2 {
				t.Fatalf("page %d: state %d after %d", n, m.Index, last)
			}
			last = m.Index
		}
	}
}

func TestAudienceSocketCannotMoveSlides(t *testing.T) {
	ts := newTestServer(t, testDeck)
	a := ts.dial(t, "/ws", nil)
	next(t, a, "state")
	a.Write(context.Background(), protocol.OpText, []byte(`{"type":"goto","index":2}`))
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	for {
		_, _, err := a.Read(ctx)
		if err == nil {
			continue
		}
		if code := protocol.CloseStatus(err); code != int(protocol.StatusPolicyViolation) {
			t.Fatalf("audience socket that sent a goto: %v, want close 1008", err)
		}
		break
	}
	if got := ts.Position(); got != 0 {
		t.Errorf("slide moved to %d after an audience goto", got)
	}
}

func TestPresenterNeedsKey(t *testing.T) {
	ts := newTestServer(t, testDeck)
	for _, tc := range []struct {
		name   string
		path   string
		header http.Header
		want   int
	}{
		{"no key", "/presenter", nil, http.StatusForbidden},
		{"wrong key", "/presenter?key=nope", nil, http.StatusForbidden},
		{"wrong cookie", "/presenter", http.Header{"Cookie": {cookieName + "=nope"}}, http.StatusForbidden},
		{"key sets cookie and redirects", "/presenter?key=" + testKey, nil, http.StatusSeeOther},
		{"cookie", "/presenter", ts.presenterHeader(), http.StatusOK},
		{"deck with notes needs key", "/api/presenter/deck", nil, http.StatusForbidden},
		{"deck with notes with cookie", "/api/presenter/deck", ts.presenterHeader(), http.StatusOK},
		{"presenter socket needs key", "/ws/presenter", http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}}, http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := ts.get(t, tc.path, tc.header)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
			if tc.want == http.StatusForbidden {
				body, _ := io.ReadAll(resp.Body)
				if strings.Contains(string(body), testKey) {
					t.Error("refusal reveals the key")
				}
			}
			if tc.want == http.StatusSeeOther {
				c := resp.Header.Get("Set-Cookie")
				for _, want := range []string{cookieName + "=", "HttpOnly", "SameSite=Strict", "Path=/"} {
					if !strings.Contains(c, want) {
						t.Errorf("Set-Cookie %q lacks %q", c, want)
					}
				}
				if strings.Contains(c, testKey) {
					t.Error("the cookie holds the key itself")
				}
				if loc := resp.Header.Get("Location"); loc != "/presenter" {
					t.Errorf("redirect to %q, want /presenter", loc)
				}
			}
		})
	}
}

func TestWrongKeysAreRateLimited(t *testing.T) {
	ts := newTestServer(t, testDeck)
	limited := false
	for i := 0; i < 20; i++ {
		if ts.get(t, "/presenter?key=guess", nil).StatusCode == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("20 wrong keys in a row were never limited")
	}
	// Even the right key waits out the limit from that address.
	if got := ts.get(t, "/presenter?key="+testKey, nil).StatusCode; got != http.StatusTooManyRequests {
		t.Errorf("right key during the limit: %d, want 429", got)
	}
	// The cookie still works: the limit is on guessing, not on the presenter.
	if got := ts.get(t, "/presenter", ts.presenterHeader()).StatusCode; got != http.StatusOK {
		t.Errorf("cookie during the limit: %d, want 200", got)
	}
}

func TestNotesNeverReachTheAudienceLive(t *testing.T) {
	ts := newTestServer(t, testDeck)
	body, _ := io.ReadAll(ts.get(t, "/api/deck", nil).Body)
	if strings.Contains(string(body), "secret-intro") {
		t.Error("audience deck carries speaker notes during a live talk")
	}
	if !strings.Contains(string(body), "Hello, wire") {
		t.Errorf("audience deck lacks the slides: %.200s", body)
	}
	body, _ = io.ReadAll(ts.get(t, "/api/presenter/deck", ts.presenterHeader()).Body)
	if !strings.Contains(string(body), "secret-intro") {
		t.Error("presenter deck lacks the notes")
	}
}

func TestStudyModeShowsNotesToEveryone(t *testing.T) {
	ts := newTestServer(t, testDeck, func(c *Config) { c.Study = true })
	body, _ := io.ReadAll(ts.get(t, "/api/deck", nil).Body)
	if !strings.Contains(string(body), "secret-intro") || !strings.Contains(string(body), `"study":true`) {
		t.Errorf("study deck lacks notes or the study flag: %.300s", body)
	}
}

func TestReloadKeepsSlideByName(t *testing.T) {
	ts := newTestServer(t, testDeck)
	a := ts.dial(t, "/ws", nil)
	first := next(t, a, "state")
	ts.Goto(1) // "second", first step
	next(t, a, "state")
	// Insert a slide before "second": it moves to index 2 but keeps its name.
	edited := strings.Replace(testDeck, "---\nname: second", "---\n\n# Inserted\n\n---\nname: second", 1)
	os.WriteFile(ts.deck, []byte(edited), 0o644)
	ts.Reload()
	m := next(t, a, "state")
	if m.Deck == first.Deck {
		t.Error("deck version did not change after an edit")
	}
	if m.Index != 2 {
		t.Errorf("after inserting a slide before it, index = %d, want 2 (slide 'second')", m.Index)
	}
}

func TestBrokenDeckKeepsLastGood(t *testing.T) {
	ts := newTestServer(t, testDeck)
	a := ts.dial(t, "/ws", nil)
	p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	next(t, a, "state")
	if m := next(t, p, "problems"); len(m.Problems) != 0 {
		t.Fatalf("clean deck has problems: %s", m.Problems)
	}
	deckBefore, _ := io.ReadAll(ts.get(t, "/api/deck", nil).Body)

	os.WriteFile(ts.deck, []byte(testDeck+"\n---\n\n```go\nunclosed fence\n"), 0o644)
	ts.Reload()
	m := next(t, p, "problems")
	if len(m.Problems) == 0 {
		t.Fatal("presenter was not told about the broken deck")
	}
	if !strings.Contains(string(m.Problems[0]), `"line"`) || !strings.Contains(string(m.Problems[0]), "talk.md") {
		t.Errorf("problem lacks file and line: %s", m.Problems[0])
	}
	deckAfter, _ := io.ReadAll(ts.get(t, "/api/deck", nil).Body)
	if string(deckAfter) != string(deckBefore) {
		t.Error("broken deck replaced the last good one")
	}

	// Deleting the deck also keeps the last good one.
	os.Remove(ts.deck)
	ts.Reload()
	deckAfter, _ = io.ReadAll(ts.get(t, "/api/deck", nil).Body)
	if string(deckAfter) != string(deckBefore) {
		t.Error("deleted deck replaced the last good one")
	}

	// Fixing the file clears the problems. ("problems" is latest-wins: the
	// deletion's report may or may not come first.)
	os.WriteFile(ts.deck, []byte(testDeck), 0o644)
	ts.Reload()
	for len(next(t, p, "problems").Problems) != 0 {
	}
}

// TestFileWatchReloads saves the deck by rename and edits an image it
// uses: each makes a new deck version on the page's socket. The time from
// save to socket is logged for the docs, not asserted (shared machine).
func TestFileWatchReloads(t *testing.T) {
	ts := newTestServer(t, testDeck)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go ts.Watch(ctx)
	a := ts.dial(t, "/ws", nil)
	first := next(t, a, "state")
	time.Sleep(50 * time.Millisecond) // let the watcher start
	// Save by rename, as many editors do.
	tmp := ts.deck + ".tmp"
	os.WriteFile(tmp, []byte(strings.Replace(testDeck, "Hello, wire", "Hello, edited wire", 1)), 0o644)
	start := time.Now()
	os.Rename(tmp, ts.deck)
	m := next(t, a, "state")
	t.Logf("reload reached the socket %v after the save", time.Since(start))
	if m.Deck == first.Deck {
		t.Fatal("no new deck version after the save")
	}
	body, _ := io.ReadAll(ts.get(t, "/api/deck", nil).Body)
	if !strings.Contains(string(body), "Hello, edited wire") {
		t.Error("the edit is not in the served deck")
	}
	// Editing the referenced image also makes a new version.
	os.WriteFile(ts.dir+"/img/pic.png", []byte("\x89PNG changed"), 0o644)
	if m2 := next(t, a, "state"); m2.Deck == m.Deck {
		t.Error("editing a referenced image did not make a new deck version")
	}
}

func TestShutdownSendsGoingAway(t *testing.T) {
	ts := newTestServer(t, testDeck)
	a := ts.dial(t, "/ws", nil)
	next(t, a, "state")
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		for {
			if _, _, err := a.Read(ctx); err != nil {
				done <- err
				return
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	ts.Shutdown(ctx)
	err := <-done
	if code := protocol.CloseStatus(err); code != int(protocol.StatusGoingAway) {
		t.Errorf("on shutdown the page got %v, want close 1001", err)
	}
}

func TestAudienceCountReachesPresenter(t *testing.T) {
	ts := newTestServer(t, testDeck)
	p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	next(t, p, "audience")
	a := ts.dial(t, "/ws", nil)
	ts.dial(t, "/ws", nil)
	for {
		if m := next(t, p, "audience"); m.Count == 2 {
			break
		}
	}
	a.CloseNow()
	for {
		if m := next(t, p, "audience"); m.Count == 1 {
			break
		}
	}
}

// TestPresenterJoinsWithTheCount: a presenter that joins after the
// audience is told the count at once, after the state, without waiting
// for the audience to change.
func TestPresenterJoinsWithTheCount(t *testing.T) {
	ts := newTestServer(t, testDeck)
	ts.dial(t, "/ws", nil)
	ts.dial(t, "/ws", nil)
	eventually(t, "two pages in the audience", func() bool { return ts.AudienceCount() == 2 })
	p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	var types []string
	for len(types) < 4 {
		m := next(t, p, "")
		types = append(types, m.Type)
		if m.Type == "audience" && m.Count != 2 {
			t.Errorf("the presenter's first count is %d, want 2", m.Count)
		}
	}
	if want := "hello state problems audience"; strings.Join(types, " ") != want {
		t.Errorf("the presenter got %q, want %q", strings.Join(types, " "), want)
	}
}

func TestCrossSiteSocketsRefused(t *testing.T) {
	ts := newTestServer(t, testDeck, func(c *Config) { c.AllowOrigins = []string{"https://talks.example.org"} })
	for _, tc := range []struct {
		origin string
		want   int
	}{
		{"https://evil.example", http.StatusForbidden},
		{"https://talks.example.org", http.StatusSwitchingProtocols},
		{ts.http.URL, http.StatusSwitchingProtocols},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		c, resp, err := protocol.Dial(ctx, ts.wsURL("/ws"), &protocol.DialOptions{Header: http.Header{"Origin": {tc.origin}}})
		cancel()
		got := 0
		if resp != nil {
			got = resp.StatusCode
		}
		if got != tc.want {
			t.Errorf("Origin %s: status %d (%v), want %d", tc.origin, got, err, tc.want)
		}
		if c != nil {
			c.CloseNow()
		}
	}
}

func TestMaxConns(t *testing.T) {
	ts := newTestServer(t, testDeck, func(c *Config) { c.MaxConns = 2 })
	ts.dial(t, "/ws", nil)
	ts.dial(t, "/ws", nil)
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	_, resp, err := protocol.Dial(ctx, ts.wsURL("/ws"), &protocol.DialOptions{Header: http.Header{"Origin": {ts.http.URL}}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("third socket over -max-conns 2: %v, want 503", err)
	}
	// The presenter still gets in.
	p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	next(t, p, "hello")
}
