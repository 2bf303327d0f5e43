package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"wiretalk/protocol"
)

const testKey = "test-presenter-key"

// testDeck is a small deck with names, a `--` step and notes.
const testDeck = `name: intro
class: center, middle

# Hello, wire

???
Intro notes: secret-intro.

---
name: second

# Second

--

More on second.

???
Notes of the step.

---

# Third

![diagram](img/pic.png)
`

// testServer is a Server on an httptest listener, presenting a deck in a
// temporary folder.
type testServer struct {
	*Server
	http *httptest.Server
	dir  string
	deck string
}

func newTestServer(t *testing.T, deck string, mutate ...func(*Config)) *testServer {
	t.Helper()
	return newRealServer(t, deck, nil, mutate...)
}

func (ts *testServer) wsURL(path string) string {
	return "ws" + strings.TrimPrefix(ts.http.URL, "http") + path
}

// patience is how long a test waits for something that will happen unless
// the server is broken: long enough for a shared runner under heavy load,
// and a test waits that long only when it is failing anyway. It bounds
// waits; it is never a measure of speed.
const patience = 30 * time.Second

// dial opens a socket to path as a browser on the page's own origin would.
func (ts *testServer) dial(t *testing.T, path string, header http.Header) *protocol.Conn {
	t.Helper()
	if header == nil {
		header = http.Header{}
	}
	if header.Get("Origin") == "" {
		header.Set("Origin", ts.http.URL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	c, _, err := protocol.Dial(ctx, ts.wsURL(path), &protocol.DialOptions{Header: header})
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// presenterHeader carries the presenter's session cookie.
func (ts *testServer) presenterHeader() http.Header {
	return http.Header{"Cookie": {cookieName + "=" + ts.auth.token}}
}

// message is any JSON message from the server.
type message struct {
	Type     string            `json:"type"`
	Role     string            `json:"role"`
	Deck     string            `json:"deck"`
	Index    int               `json:"index"`
	Blackout bool              `json:"blackout"`
	Count    int               `json:"count"`
	Problems []json.RawMessage `json:"problems"`
}

// next reads c's messages until one of type typ ("" for any) and returns it.
func next(t *testing.T, c *protocol.Conn, typ string) message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	for {
		op, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for %q: %v", typ, err)
		}
		if op != protocol.OpText {
			t.Fatalf("got a %v message, want text", op)
		}
		var m message
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("bad JSON %q: %v", b, err)
		}
		if m.Type == typ || typ == "" {
			return m
		}
	}
}

// get fetches path with the given headers.
func (ts *testServer) get(t *testing.T, path string, header http.Header) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", ts.http.URL+path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// eventually polls cond until it holds, for up to patience.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
