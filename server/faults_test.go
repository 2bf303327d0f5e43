package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"wiretalk/protocol"
)

// This file breaks things under a running talk: the server restarts, the
// deck vanishes or turns unreadable, a handler panics.

// restartable is a Server on a fixed loopback port, served as "wiretalk
// serve" serves it, that a test can stop and start again.
type restartable struct {
	t    *testing.T
	cfg  Config
	addr string
	srv  *Server
	hs   *http.Server
}

func newRestartable(t *testing.T, cfg Config) *restartable {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &restartable{t: t, cfg: cfg, addr: ln.Addr().String()}
	ln.Close()
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *restartable) start() {
	r.t.Helper()
	srv, err := New(r.cfg)
	if err != nil {
		r.t.Fatal(err)
	}
	var ln net.Listener
	for i := 0; ; i++ {
		if ln, err = net.Listen("tcp", r.addr); err == nil {
			break
		}
		if i == 100 {
			r.t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.srv, r.hs = srv, srv.HTTPServer(r.addr, nil)
	go r.hs.Serve(ln)
}

// stop shuts the server down as Ctrl-C does: 1001 to every socket.
func (r *restartable) stop() {
	if r.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	r.srv.Shutdown(ctx)
	r.hs.Shutdown(ctx)
	r.srv = nil
}

// page is an audience page as assets/socket.js runs it: it reconnects by
// itself whenever its socket ends, after a short wait, and shows the last
// state its current socket was sent.
type page struct {
	mu       sync.Mutex
	state    message // the last state on the current socket; zero until one comes
	connects int
	stop     context.CancelFunc
	done     sync.WaitGroup
}

func openPage(t *testing.T, url, origin string) *page {
	ctx, cancel := context.WithCancel(context.Background())
	p := &page{stop: cancel}
	p.done.Go(func() {
		for tries := 0; ctx.Err() == nil; tries++ {
			dctx, dcancel := context.WithTimeout(ctx, 2*time.Second)
			c, _, err := protocol.Dial(dctx, url, &protocol.DialOptions{Header: http.Header{"Origin": {origin}}})
			dcancel()
			if err != nil {
				// socket.js waits 250-500 ms, then longer; tests keep it short.
				select {
				case <-ctx.Done():
				case <-time.After(time.Duration(50+25*min(tries, 4)) * time.Millisecond):
				}
				continue
			}
			p.mu.Lock()
			p.connects++
			p.state = message{}
			p.mu.Unlock()
			stop := context.AfterFunc(ctx, func() { c.CloseNow() })
			for {
				_, b, err := c.Read(context.Background())
				if err != nil {
					break
				}
				var m message
				if json.Unmarshal(b, &m) == nil && m.Type == "state" {
					p.mu.Lock()
					p.state = m
					p.mu.Unlock()
				}
			}
			stop()
			c.CloseNow()
			tries = 0
		}
	})
	t.Cleanup(func() { p.stop(); p.done.Wait() })
	return p
}

func (p *page) current() (message, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state, p.connects
}

// TestRestartBringsEveryPageBack: the server is stopped mid-talk and
// started again on the same port; every page reconnects by itself and
// is back on the presenter's slide, which the new server resumed from
// its state file, and then follows the talk again.
func TestRestartBringsEveryPageBack(t *testing.T) {
	dir := t.TempDir()
	deck := filepath.Join(dir, "talk.md")
	os.WriteFile(deck, []byte(testDeck), 0o644)
	r := newRestartable(t, Config{Deck: deck, Key: testKey, StateDir: t.TempDir(), Logf: t.Logf})
	origin := "http://" + r.addr
	var pages []*page
	for range 3 {
		pages = append(pages, openPage(t, "ws://"+r.addr+"/ws", origin))
	}
	r.srv.Goto(2)
	// on waits until every page's current socket has shown step index,
	// on a socket opened after since.
	on := func(what string, index int) {
		t.Helper()
		eventually(t, what, func() bool {
			for _, p := range pages {
				if m, _ := p.current(); m.Type != "state" || m.Index != index {
					return false
				}
			}
			return true
		})
	}
	on("every page on step 2", 2)
	var before []int
	for _, p := range pages {
		_, n := p.current()
		before = append(before, n)
	}

	r.stop()
	stopped := time.Now()
	time.Sleep(300 * time.Millisecond) // the talk is off the air a moment
	r.start()
	if got := r.srv.Position(); got != 2 {
		t.Fatalf("the restarted server is at step %d, want 2", got)
	}
	eventually(t, "every page reconnected", func() bool {
		for i, p := range pages {
			if m, n := p.current(); n == before[i] || m.Type != "state" {
				return false
			}
		}
		return true
	})
	on("every page back on step 2 after the restart", 2)
	back := time.Since(stopped)
	// Moving on the new server proves the pages are connected to it, not
	// to the old one.
	r.srv.Goto(3)
	on("every page following on the restarted server", 3)
	var connects []int
	for _, p := range pages {
		_, n := p.current()
		connects = append(connects, n)
	}
	t.Logf("%d pages were back on the presenter's step %v after the server stopped (300 ms of it down), and follow it; sockets opened per page: %v",
		len(pages), back.Round(time.Millisecond), connects)
}

// TestBrokenDeckFilesKeepTheLastGoodDeck: besides a deleted deck and one
// with syntax errors (TestBrokenDeckKeepsLastGood), a deck replaced by a
// folder, emptied by an editor, or made unreadable keeps the last good
// deck on every screen, and the presenter is told.
func TestBrokenDeckFilesKeepTheLastGoodDeck(t *testing.T) {
	for _, tc := range []struct {
		name      string
		breakDeck func(t *testing.T, path string)
	}{
		{"replaced by a folder", func(t *testing.T, path string) {
			os.Remove(path)
			os.Mkdir(path, 0o755)
		}},
		{"emptied", func(t *testing.T, path string) {
			os.WriteFile(path, nil, 0o644)
		}},
		{"unreadable", func(t *testing.T, path string) {
			if os.Geteuid() == 0 {
				t.Skip("running as root, where chmod 000 does not stop reads")
			}
			os.Chmod(path, 0)
		}},
		{"a symlink out of the folder", func(t *testing.T, path string) {
			outside := filepath.Join(t.TempDir(), "other.md")
			os.WriteFile(outside, []byte("# Someone else's deck\n"), 0o644)
			os.Remove(path)
			os.Symlink(outside, path)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, testDeck)
			a := ts.dial(t, "/ws", nil)
			p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
			before := next(t, a, "state")
			next(t, p, "problems")
			good, _ := io.ReadAll(ts.get(t, "/api/deck", nil).Body)
			ts.Goto(1)
			next(t, a, "state")

			tc.breakDeck(t, ts.deck)
			ts.Reload()
			if m := next(t, p, "problems"); len(m.Problems) == 0 {
				t.Error("the presenter was not told")
			} else {
				t.Logf("the presenter is told: %s", m.Problems[0])
			}
			now, _ := io.ReadAll(ts.get(t, "/api/deck", nil).Body)
			if string(now) != string(good) {
				t.Errorf("the deck on screen changed:\n%.200s", now)
			}
			if ts.Position() != 1 {
				t.Errorf("the talk moved to %d", ts.Position())
			}
			// A page that joins now gets the last good deck's state.
			if m := next(t, ts.dial(t, "/ws", nil), "state"); m.Deck != before.Deck || m.Index != 1 {
				t.Errorf("a new page got %+v, want deck %s step 1", m, before.Deck)
			}
		})
	}
}

// panicOn is a Config.Logf that panics when a line contains trigger, and
// records every line otherwise: a way to make a real code path panic in a
// goroutine the server runs.
func panicOn(trigger string, log *logLines) func(*Config) {
	return func(c *Config) {
		c.Logf = func(format string, args ...any) {
			log.logf(format, args...)
			if strings.Contains(format, trigger) {
				panic("test: " + trigger)
			}
		}
	}
}

// TestPanicInAConnectionNeverTakesTheServerDown makes three goroutines
// panic: an audience socket's handler (after the connection was taken
// over from net/http), a specimen socket's handler, and the hub's
// watchdog of stalled pages, which the hub runs itself. Each panic is
// logged, only that connection ends, and the talk goes on for everyone
// else.
func TestPanicInAConnectionNeverTakesTheServerDown(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trigger string // a format that the panicking Logf panics on
		provoke func(t *testing.T, ts *testServer)
		logged  []string // parts of the log line about the panic
	}{
		{"in an audience socket's handler", "sent a message", func(t *testing.T, ts *testServer) {
			c := ts.dial(t, "/ws", nil)
			next(t, c, "state")
			c.Write(context.Background(), protocol.OpText, []byte("hello?"))
			// The room's welcome (polls, questions) may come first.
			ctx, cancel := context.WithTimeout(context.Background(), patience)
			defer cancel()
			for {
				_, _, err := c.Read(ctx)
				if errors.Is(err, context.DeadlineExceeded) {
					t.Error("the socket whose handler panicked is still open")
				}
				if err != nil {
					break
				}
			}
		}, []string{"panic", "test: sent a message"}},
		{"in a specimen socket's handler", "demo: specimen %s failed", func(t *testing.T, ts *testServer) {
			id, _ := openFeed(t, ts)
			c := ts.dial(t, "/demo/specimen?feed="+id, nil)
			c.Write(context.Background(), protocol.OpBinary, make([]byte, 1<<20+1))
			if _, _, err := c.Read(context.Background()); err == nil {
				t.Error("the socket whose handler panicked is still open")
			}
		}, []string{"panic", "test: demo: specimen %s failed"}},
		{"in the watchdog of stalled pages", "took no data", func(t *testing.T, ts *testServer) {
			stalledDial(t, ts.addr())
			eventually(t, "the stalled page", func() bool { return ts.AudienceCount() == 3 })
			// Move until the stalled page's buffers are full and the
			// watchdog drops it. Each move waits until a presenter has
			// it, so that latest-wins does not fold them, and so that
			// the moves go no faster than the machine delivers them: the
			// followers, which do not read meanwhile, must not fill up.
			pr := ts.dial(t, "/ws/presenter", ts.presenterHeader())
			next(t, pr, "state")
			start := time.Now()
			for i := 1; ts.AudienceCount() == 3; i++ {
				if time.Since(start) > patience {
					t.Fatalf("the stalled page was not dropped after %d moves in %v", i, patience)
				}
				ts.Goto(i % 4)
				for next(t, pr, "state").Index != i%4 {
				}
			}
		}, []string{"panic in the hub's watchdog", "test: took no data"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := &logLines{t: t}
			ts := newRealServer(t, testDeck, func(l net.Listener) net.Listener { return smallBuffers{l} },
				panicOn(tc.trigger, log), func(c *Config) { c.NoState = true; c.WriteTimeout = 300 * time.Millisecond })
			tk := audience(t, ts, 2)
			tc.provoke(t, ts)
			log.wait(t, tc.logged...)
			tk.catchUp(t)
			eventually(t, "the two followers only", func() bool { return ts.AudienceCount() == 2 })
			// New pages still join, and pages are still served.
			a := ts.dial(t, "/ws", nil)
			next(t, a, "state")
			if resp := ts.get(t, "/", nil); resp.StatusCode != http.StatusOK {
				t.Errorf("the audience page after the panic: %d", resp.StatusCode)
			}
		})
	}
}

// TestSecureRecoversHandlerPanics checks the recovery in secure directly:
// a panic before anything is written answers 500 and logs it; a panic
// after the connection was hijacked is logged and the server goes on.
func TestSecureRecoversHandlerPanics(t *testing.T) {
	log := &logLines{t: t}
	mux := http.NewServeMux()
	mux.HandleFunc("/early", func(http.ResponseWriter, *http.Request) { panic("early") })
	mux.HandleFunc("/hijacked", func(w http.ResponseWriter, r *http.Request) {
		nc, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			defer nc.Close()
		}
		panic("after hijack")
	})
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "fine") })
	srv := &http.Server{Handler: secure(mux, log.logf), ErrorLog: nil}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	base := "http://" + ln.Addr().String()
	resp, err := http.Get(base + "/early")
	if err != nil || resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("a handler that panics: %v %v, want 500", resp, err)
	}
	resp.Body.Close()
	if resp.Header.Get("Content-Security-Policy") == "" {
		t.Error("the 500 lacks the security headers")
	}
	if _, err := http.Get(base + "/hijacked"); err == nil {
		t.Error("a hijacked connection that panicked answered")
	}
	log.wait(t, "panic in GET /early: early")
	log.wait(t, "panic in GET /hijacked: after hijack")
	resp, err = http.Get(base + "/ok")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("after two panics: %v %v", resp, err)
	}
	resp.Body.Close()
}
