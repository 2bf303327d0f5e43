package server

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"wiretalk/protocol"
)

// writeLog records the positions a saver writes, in order.
type writeLog struct {
	mu      sync.Mutex
	indexes []int
	starts  []time.Time
	busy    atomic.Bool
	overlap atomic.Bool // two writes ran at once
}

func (l *writeLog) write(p position) error {
	if !l.busy.CompareAndSwap(false, true) {
		l.overlap.Store(true)
	}
	defer l.busy.Store(false)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.indexes = append(l.indexes, p.Index)
	l.starts = append(l.starts, time.Now())
	return nil
}

func (l *writeLog) last() (int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.indexes) == 0 {
		return 0, false
	}
	return l.indexes[len(l.indexes)-1], true
}

// TestSaverCoalesces moves many times faster than the saver writes: it
// writes from one goroutine at a time, at most once per interval, only
// ever newer positions, and ends on the newest.
func TestSaverCoalesces(t *testing.T) {
	log := &writeLog{}
	w := &positionSaver{write: log.write, every: 20 * time.Millisecond, logf: t.Logf, stop: make(chan struct{})}
	const moves = 400
	for i := 1; i <= moves; i++ {
		w.set(position{Index: i})
		if i%4 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	eventually(t, "the last move on disk", func() bool { i, _ := log.last(); return i == moves })
	w.close()

	log.mu.Lock()
	defer log.mu.Unlock()
	if log.overlap.Load() {
		t.Error("two writes ran at once")
	}
	for k := 1; k < len(log.indexes); k++ {
		if log.indexes[k] <= log.indexes[k-1] {
			t.Errorf("write %d has index %d after %d: an older position written after a newer", k, log.indexes[k], log.indexes[k-1])
		}
	}
	// Each write begins at least one interval after the one before: a
	// loaded machine only makes for fewer writes.
	span := log.starts[len(log.starts)-1].Sub(log.starts[0])
	if most := 1 + int(span/w.every) + 1; len(log.indexes) > most {
		t.Errorf("%d writes in %v, want at most %d (one per %v)", len(log.indexes), span, most, w.every)
	}
	t.Logf("%d moves, %d writes in %v", moves, len(log.indexes), span)
}

// TestSaverCloseWaitsAndWritesTheLast: close waits for a write under way,
// then writes the newest position, and nothing is written after it.
func TestSaverCloseWaitsAndWritesTheLast(t *testing.T) {
	log := &writeLog{}
	entered, release := make(chan struct{}), make(chan struct{})
	var first sync.Once
	write := func(p position) error {
		first.Do(func() { close(entered); <-release })
		return log.write(p)
	}
	w := &positionSaver{write: write, every: time.Hour, logf: t.Logf, stop: make(chan struct{})}
	w.set(position{Index: 1})
	<-entered // the write of 1 is under way, and stuck
	w.set(position{Index: 2})
	w.set(position{Index: 3})
	closed := make(chan struct{})
	go func() { w.close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("close returned while a write was under way")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-closed
	w.set(position{Index: 4})
	log.mu.Lock()
	defer log.mu.Unlock()
	if got := fmt.Sprint(log.indexes); got != "[1 3]" {
		t.Errorf("written %s, want [1 3]: the write under way, then the newest", got)
	}
}

// TestMovesNeverWaitForTheDisk: with the position file's disk stuck, the
// presenter's moves still reach the pages, and Shutdown writes the last.
func TestMovesNeverWaitForTheDisk(t *testing.T) {
	stateDir := t.TempDir()
	ts := newTestServer(t, testDeck, func(c *Config) { c.StateDir = stateDir })
	stuck, release := make(chan struct{}), make(chan struct{})
	var once, released sync.Once
	unstick := func() { released.Do(func() { close(release) }) }
	t.Cleanup(unstick) // before the server's Shutdown, should the test fail
	save := ts.saver.write
	ts.saver.write = func(p position) error {
		once.Do(func() { close(stuck); <-release })
		return save(p)
	}
	p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	next(t, p, "state")
	ts.Goto(1)
	<-stuck // the writer is in the disk's hands
	for _, i := range []int{2, 3, 2} {
		sendGoto(t, p, i)
		waitState(t, p, i)
	}
	unstick()
	p.CloseNow()
	ts.Shutdown(context.Background())
	if saved, _ := newPositionStore(stateDir, ts.deck).load(); saved.Index != 2 {
		t.Errorf("saved index %d, want 2, the last move", saved.Index)
	}
}

// TestCleanShutdownResumesTheLastPosition: after Shutdown, a new server
// resumes at the last move however quick the moves were, and a move after
// Shutdown began is not written (the caller may be removing the folder).
func TestCleanShutdownResumesTheLastPosition(t *testing.T) {
	stateDir := t.TempDir()
	ts := newTestServer(t, testDeck, func(c *Config) { c.StateDir = stateDir })
	for _, i := range []int{1, 3, 2, 1, 3} {
		ts.Goto(i)
	}
	ts.Shutdown(context.Background())
	ts.Goto(0)
	if got := ts.Position(); got != 0 {
		t.Errorf("position %d after Goto(0), want 0: the server still moves", got)
	}
	srv2, err := New(Config{Deck: ts.deck, Key: testKey, StateDir: stateDir})
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Shutdown(context.Background())
	if got := srv2.Position(); got != 3 {
		t.Errorf("restarted server at %d, want 3", got)
	}
}

// TestKillNineKeepsARecentPosition runs the server in a process of its
// own (this test binary, see TestMain), moves it and kills it with
// SIGKILL: nothing can be flushed. A position the talk stayed on is found
// on disk (the test waits for that, however loaded the machine), and a
// restart resumes on it; after a burst of moves killed at once, a restart
// resumes on one of the burst's positions, from a whole file.
func TestKillNineKeepsARecentPosition(t *testing.T) {
	dir, stateDir := t.TempDir(), t.TempDir()
	deck := filepath.Join(dir, "talk.md")
	var b strings.Builder
	for i := range 20 {
		if i > 0 {
			b.WriteString("\n---\n")
		}
		fmt.Fprintf(&b, "# Slide %d\n", i)
	}
	if err := os.WriteFile(deck, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	store := newPositionStore(stateDir, deck)

	child, addr := startChild(t, deck, stateDir)
	p := presenterAt(t, addr)
	for i := 1; i <= 12; i++ {
		sendGoto(t, p, i)
	}
	waitState(t, p, 12)
	moved := time.Now()
	for {
		if saved, _ := store.load(); saved.Index == 12 {
			break
		}
		if time.Since(moved) > 30*time.Second {
			t.Fatal("after 30 s the position file does not hold the last move")
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("the last move was on disk %v after the page had it", time.Since(moved).Round(time.Millisecond))
	child.kill(t)

	child, addr = startChild(t, deck, stateDir)
	a := presenterAt(t, addr)
	if m := next(t, a, "state"); m.Index != 12 {
		t.Fatalf("after kill -9 the restarted server is at %d, want 12", m.Index)
	}
	for i := 13; i <= 19; i++ {
		sendGoto(t, a, i)
	}
	waitState(t, a, 19)
	child.kill(t)

	srv, err := New(Config{Deck: deck, Key: testKey, StateDir: stateDir})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	if got := srv.Position(); got < 12 || got > 19 {
		t.Errorf("killed during a burst of moves 13 to 19, the server restarted at %d", got)
	} else {
		t.Logf("killed during a burst of moves 13 to 19, the server restarted at %d", got)
	}
}

// childServer is a server in a process of its own (see serveAsChild).
type childServer struct{ cmd *exec.Cmd }

func startChild(t *testing.T, deck, stateDir string) (*childServer, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childDeckEnv+"="+deck, childStateEnv+"="+stateDir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &childServer{cmd: cmd}
	t.Cleanup(func() { c.kill(t) })
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case addr := <-line:
		if addr == "" {
			t.Fatal("the child server printed no address")
		}
		return c, addr
	case <-time.After(60 * time.Second):
		t.Fatal("the child server did not start in 60 s")
	}
	return nil, ""
}

// kill sends SIGKILL and waits for the process to end.
func (c *childServer) kill(t *testing.T) {
	if c.cmd.ProcessState != nil {
		return
	}
	if err := c.cmd.Process.Kill(); err != nil {
		t.Log(err)
	}
	c.cmd.Wait()
}

func presenterAt(t *testing.T, addr string) *protocol.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := protocol.Dial(ctx, "ws://"+addr+"/ws/presenter?key="+testKey,
		&protocol.DialOptions{Header: http.Header{"Origin": {"http://" + addr}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func sendGoto(t *testing.T, c *protocol.Conn, i int) {
	t.Helper()
	if err := c.Write(context.Background(), protocol.OpText, fmt.Appendf(nil, `{"type":"goto","index":%d}`, i)); err != nil {
		t.Fatal(err)
	}
}

// waitState reads states until the one at index i.
func waitState(t *testing.T, c *protocol.Conn, i int) {
	t.Helper()
	for next(t, c, "state").Index != i {
	}
}

// BenchmarkGotoKeepingThePosition is a key press without pages: the time
// the presenter's command holds the server's lock, which the position's
// file once was part of.
func BenchmarkGotoKeepingThePosition(b *testing.B) {
	dir := b.TempDir()
	deck := filepath.Join(dir, "talk.md")
	if err := os.WriteFile(deck, []byte(testDeck), 0o644); err != nil {
		b.Fatal(err)
	}
	srv, err := New(Config{Deck: deck, Key: testKey, StateDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		srv.Goto(i % 4)
	}
}
