package relay

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"wiretalk/protocol"
	"wiretalk/server"
)

// This file runs a talk across machines in one process: an embedded
// nats-server with JetStream (a temporary store), the presenter's server
// publishing, and edges following.

const testKey = "test-presenter-key-0123456789"

const testDeck = `name: intro

# Hello, relay

???
Secret speaker notes.

---
name: second

# Second

![pic](img/pic.png)

---

# Third
`

// broker is an embedded nats-server that can be stopped and started
// again on the same port, with the same store or a fresh one.
type broker struct {
	t     testing.TB
	opts  natsserver.Options
	ns    *natsserver.Server
	store string
}

func startBroker(t testing.TB, mutate ...func(*natsserver.Options)) *broker {
	t.Helper()
	b := &broker{t: t, store: t.TempDir()}
	b.opts = natsserver.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: b.store, NoLog: true, NoSigs: true}
	for _, m := range mutate {
		m(&b.opts)
	}
	b.start()
	b.opts.Port = b.ns.Addr().(*net.TCPAddr).Port // the same port after a restart
	t.Cleanup(b.stop)
	return b
}

// restart stops the broker and starts it again on the same port: with
// the same store (a broker that was down), or an empty one (a broker that
// came back without the talk).
func (b *broker) restart(freshStore bool) {
	b.t.Helper()
	b.stop()
	if freshStore {
		b.opts.StoreDir = b.t.TempDir()
	}
	b.start()
}

func (b *broker) start() {
	b.t.Helper()
	opts := b.opts
	ns, err := natsserver.NewServer(&opts)
	if err != nil {
		b.t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		b.t.Fatal("the embedded nats-server did not start")
	}
	b.ns = ns
}

func (b *broker) stop() {
	if b.ns != nil {
		b.ns.Shutdown()
		b.ns.WaitForShutdown()
		b.ns = nil
	}
}

func (b *broker) url() string { return "nats://" + b.ns.Addr().String() }

// presenter is the presenter's server, its deck in a temporary folder,
// published to the broker.
type presenter struct {
	srv   *server.Server
	relay *Presenter
	dir   string
	http  *httptest.Server
}

func startPresenter(t *testing.T, o Options, dir string) *presenter {
	t.Helper()
	return startPresenterWith(t, o, dir, server.Config{})
}

// startTalk is a broker, a presenter on the test deck and two edges,
// edge-1 and edge-2, all following talk.
func startTalk(t *testing.T, talk string) (b *broker, p *presenter, e1, e2 *edge) {
	t.Helper()
	b = startBroker(t)
	o := Options{URL: b.url(), Talk: talk}
	p = startPresenter(t, o, "")
	e1 = startEdge(t, o, "edge-1")
	e2 = startEdge(t, o, "edge-2")
	return b, p, e1, e2
}

// startPresenterWith is startPresenter with cfg's Moderate and
// PingInterval.
func startPresenterWith(t *testing.T, o Options, dir string, cfg server.Config) *presenter {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
		os.MkdirAll(filepath.Join(dir, "img"), 0o755)
		os.WriteFile(filepath.Join(dir, "img", "pic.png"), []byte("\x89PNG first picture"), 0o644)
		os.WriteFile(filepath.Join(dir, "talk.md"), []byte(testDeck), 0o644)
	}
	srv, err := server.New(server.Config{Deck: filepath.Join(dir, "talk.md"), Key: testKey, NoState: true, Moderate: cfg.Moderate, PingInterval: cfg.PingInterval, Logf: prefixed(t, "presenter")})
	if err != nil {
		t.Fatal(err)
	}
	o.Logf = prefixed(t, "presenter relay")
	p, err := Publish(t.Context(), o, srv)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	pr := &presenter{srv: srv, relay: p, dir: dir, http: hs}
	t.Cleanup(pr.stop)
	return pr
}

func (p *presenter) stop() {
	if p.relay == nil {
		return
	}
	p.relay.Close()
	p.relay = nil
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	p.srv.Shutdown(ctx)
	p.http.Close()
}

// edge is an audience-only server following the talk.
type edge struct {
	srv   *server.Server
	relay *Edge
	http  *httptest.Server
}

func startEdge(t *testing.T, o Options, name string) *edge {
	t.Helper()
	return startEdgeWith(t, o, name, server.Config{})
}

// startEdgeWith is startEdge with cfg (its Logf is the test's).
func startEdgeWith(t *testing.T, o Options, name string, cfg server.Config) *edge {
	t.Helper()
	o.Logf = prefixed(t, name)
	e, err := Follow(t.Context(), o, name)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	st, err := e.Ready(ctx)
	if err != nil {
		e.Close()
		t.Fatal(err)
	}
	cfg.Logf = prefixed(t, name+" server")
	srv, err := server.NewEdge(cfg, e, st)
	if err != nil {
		t.Fatal(err)
	}
	e.Serve(srv)
	hs := httptest.NewServer(srv.Handler())
	ed := &edge{srv: srv, relay: e, http: hs}
	t.Cleanup(ed.stop)
	return ed
}

func (e *edge) stop() {
	if e.relay == nil {
		return
	}
	e.relay.Close()
	e.relay = nil
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	e.srv.Shutdown(ctx)
	e.http.Close()
}

// prefixed logs through t with a prefix, and stops logging when the test
// is over (goroutines may outlive it by a moment).
func prefixed(t *testing.T, prefix string) func(string, ...any) {
	var mu sync.Mutex
	done := false
	t.Cleanup(func() { mu.Lock(); done = true; mu.Unlock() })
	return func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			t.Logf(prefix+": "+format, args...)
		}
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, resp.Body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b.String()
}

// page is an audience socket: the states it receives, in order.
type page struct {
	conn *protocol.Conn
	mu   sync.Mutex
	last message
	n    int
	err  error
}

type message struct {
	Type     string `json:"type"`
	Deck     string `json:"deck"`
	Index    int    `json:"index"`
	Blackout bool   `json:"blackout"`
}

func openPage(t *testing.T, base string) *page {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, _, err := protocol.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &page{conn: c}
	go func() {
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				p.mu.Lock()
				p.err = err
				p.mu.Unlock()
				return
			}
			var m message
			if json.Unmarshal(b, &m) == nil && m.Type == "state" {
				p.mu.Lock()
				p.last, p.n = m, p.n+1
				p.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { c.CloseNow() })
	return p
}

// state returns the last state received (ok is false before the first)
// and the socket's error once it closed.
func (p *page) state() (m message, ok bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last, p.n > 0, p.err
}

// waitIndex waits until the page shows step index.
func (p *page) waitIndex(t *testing.T, what string, index int) message {
	t.Helper()
	var m message
	eventually(t, what, 10*time.Second, func() bool {
		var ok bool
		var err error
		m, ok, err = p.state()
		if err != nil {
			t.Fatalf("%s: the page's socket closed: %v", what, err)
		}
		return ok && m.Index == index
	})
	return m
}

func eventually(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
