package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"wiretalk/protocol"
)

// nextTimer reads messages until a timer arrives.
func nextTimer(t *testing.T, c *protocol.Conn) timerMsg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for a timer: %v", err)
		}
		var m timerMsg
		if json.Unmarshal(b, &m) == nil && m.Type == "timer" {
			return m
		}
	}
}

// logCounter counts the server's log lines that contain a phrase.
type logCounter struct {
	t      *testing.T
	phrase string
	mu     sync.Mutex
	n      int
}

func (l *logCounter) logf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	l.t.Log(line)
	if strings.Contains(line, l.phrase) {
		l.mu.Lock()
		l.n++
		l.mu.Unlock()
	}
}

func (l *logCounter) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// presenters opens n presenter sockets, each past its hello and first
// state, and an audience socket.
func presenters(t *testing.T, ts *testServer, n int) ([]*protocol.Conn, *protocol.Conn) {
	t.Helper()
	var ps []*protocol.Conn
	for range n {
		p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
		next(t, p, "state")
		ps = append(ps, p)
	}
	a := ts.dial(t, "/ws", nil)
	next(t, a, "state")
	return ps, a
}

// TestRemoteRaceTwoDevicesPressNextOnce: the laptop and the phone both
// press Next on step 0 within a millisecond of each other. The talk moves
// once, to step 1: the second command says it was issued from step 0, the
// talk is on 1 by then, and the server drops it (slidev#2611's race).
func TestRemoteRaceTwoDevicesPressNextOnce(t *testing.T) {
	for attempt := 1; ; attempt++ {
		logs := &logCounter{t: t, phrase: "dropped a stale move"}
		ts := newTestServer(t, testDeck, func(c *Config) { c.Logf = logs.logf })
		ps, audience := presenters(t, ts, 2)
		cmd := []byte(`{"type":"goto","index":1,"from":0}`)
		var sent [2]time.Time
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, p := range ps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				p.Write(context.Background(), protocol.OpText, cmd)
				sent[i] = time.Now()
			}()
		}
		close(start)
		wg.Wait()
		gap := sent[0].Sub(sent[1]).Abs()
		if gap >= time.Millisecond {
			// The machine is shared: a goroutine may be scheduled late.
			// The race needs both presses in flight together; try again.
			if attempt == 20 {
				t.Fatalf("could not send the two commands within 1 ms in 20 attempts (last gap %v)", gap)
			}
			continue
		}
		t.Logf("the two presses were sent %v apart (attempt %d)", gap, attempt)
		eventually(t, "one command applied and one dropped", func() bool { return logs.count() == 1 })
		if got := ts.Position(); got != 1 {
			t.Fatalf("the talk is on step %d after two Next from step 0, want 1", got)
		}
		// Every page ends on step 1 and none saw step 2.
		for _, c := range append(ps, audience) {
			if m := next(t, c, "state"); m.Index != 1 {
				t.Errorf("a page got state %d, want 1", m.Index)
			}
		}
		return
	}
}

// TestRemoteStaleMoveCannotDragTheTalkBack: the phone pressed Next twice
// (0 to 1, 1 to 2); the laptop's Next, issued from step 0 before it saw
// either, arrives last. It is dropped: the talk stays on 2 rather than
// going back to 1.
func TestRemoteStaleMoveCannotDragTheTalkBack(t *testing.T) {
	ts := newTestServer(t, testDeck)
	ps, _ := presenters(t, ts, 2)
	phone, laptop := ps[0], ps[1]
	send(t, phone, `{"type":"goto","index":1,"from":0}`)
	send(t, phone, `{"type":"goto","index":2,"from":1}`)
	eventually(t, "the phone's two presses", func() bool { return ts.Position() == 2 })
	send(t, laptop, `{"type":"goto","index":1,"from":0}`)
	// A command on the same socket after it is applied after it: once
	// blackout shows, the stale goto has been read and dropped.
	send(t, laptop, `{"type":"blackout","on":true}`)
	m := next(t, laptop, "state")
	for !m.Blackout {
		m = next(t, laptop, "state")
	}
	if m.Index != 2 || ts.Position() != 2 {
		t.Errorf("the stale move took the talk to %d (server on %d), want it to stay on 2", m.Index, ts.Position())
	}
}

// TestRemoteQuickPressesOnOneDeviceMoveTwice: a device that presses Next
// twice before the server answers counts its own presses (the second is
// issued from the step the first asked for), and the talk moves twice.
func TestRemoteQuickPressesOnOneDeviceMoveTwice(t *testing.T) {
	ts := newTestServer(t, testDeck)
	ps, audience := presenters(t, ts, 1)
	send(t, ps[0], `{"type":"goto","index":1,"from":0}`)
	send(t, ps[0], `{"type":"goto","index":2,"from":1}`)
	for m := next(t, audience, "state"); m.Index != 2; m = next(t, audience, "state") {
		if m.Index != 1 {
			t.Fatalf("the audience went to %d", m.Index)
		}
	}
	// A jump (Go to, Home) says no step: it goes wherever the talk is.
	send(t, ps[0], `{"type":"goto","index":0}`)
	if m := next(t, audience, "state"); m.Index != 0 {
		t.Errorf("a jump went to %d, want 0", m.Index)
	}
}

// TestRemoteTimerIsTheServers: every presenter device is told the same
// timer; it starts at the first slide change, and a reset or a new length
// from one device reaches the others. The audience is never told.
func TestRemoteTimerIsTheServers(t *testing.T) {
	ts := newTestServer(t, testDeck, func(c *Config) { c.Duration = 30 * time.Minute })
	laptop := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	first := nextTimer(t, laptop)
	if first.Start != 0 || first.Length != (30*time.Minute).Milliseconds() {
		t.Fatalf("first timer %+v, want not started, length 30 min", first)
	}
	if d := time.Since(time.UnixMilli(first.Now)).Abs(); d > patience {
		t.Errorf("the timer's now is %v off this clock", d)
	}
	phone := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	nextTimer(t, phone)
	audience := ts.dial(t, "/ws", nil)
	next(t, audience, "state")

	before := time.Now()
	send(t, phone, `{"type":"goto","index":1,"from":0}`)
	a, b := nextTimer(t, laptop), nextTimer(t, phone)
	if a.Start == 0 || a.Start != b.Start {
		t.Fatalf("after the first move: laptop start %d, phone start %d; want the same, non-zero", a.Start, b.Start)
	}
	if s := time.UnixMilli(a.Start); s.Before(before.Add(-time.Millisecond)) || s.After(time.Now()) {
		t.Errorf("the timer started at %v, not at the move", s)
	}
	// A later move does not restart it.
	send(t, phone, `{"type":"goto","index":2,"from":1}`)
	next(t, laptop, "state")
	late := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	if m := nextTimer(t, late); m.Start != a.Start {
		t.Errorf("a device joining later got start %d, want %d", m.Start, a.Start)
	}

	send(t, laptop, `{"type":"length","minutes":45}`)
	if m := nextTimer(t, phone); m.Length != (45*time.Minute).Milliseconds() || m.Start != a.Start {
		t.Errorf("after a new length the phone got %+v", m)
	}
	for _, bad := range []string{`{"type":"length","minutes":-5}`, `{"type":"length","minutes":100000}`} {
		send(t, laptop, bad)
	}
	send(t, laptop, `{"type":"reset"}`)
	if m := nextTimer(t, phone); m.Start != 0 || m.Length != (45*time.Minute).Milliseconds() {
		t.Errorf("after a reset (and two bad lengths, ignored) the phone got %+v", m)
	}

	// The audience socket never carried the timer.
	send(t, laptop, `{"type":"goto","index":0}`)
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	for {
		_, b, err := audience.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var m message
		json.Unmarshal(b, &m)
		if m.Type == "timer" {
			t.Fatalf("the audience got the presenter's timer: %s", b)
		}
		if m.Type == "state" && m.Index == 0 {
			break
		}
	}
}

// TestRemoteDeckGivesMinutes: a slide's minutes: property reaches the
// presenter's deck as a number, for the pacing; its steps share it.
func TestRemoteDeckGivesMinutes(t *testing.T) {
	ts := newTestServer(t, "minutes: 2.5\n\n# One\n\n---\n\n# Two\n\n---\nminutes: 4\n\n# Three\n\n--\n\nMore.\n")
	var d struct {
		Slides []struct {
			Minutes float64 `json:"minutes"`
		} `json:"slides"`
	}
	if err := json.NewDecoder(ts.get(t, "/api/presenter/deck", ts.presenterHeader()).Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	var got []float64
	for _, s := range d.Slides {
		got = append(got, s.Minutes)
	}
	if fmt.Sprint(got) != "[2.5 0 4 4]" {
		t.Errorf("minutes %v, want [2.5 0 4 4]", got)
	}
}
