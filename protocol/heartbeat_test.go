package protocol

import (
	"context"
	"errors"
	"io"
	"runtime"
	"testing"
	"time"
)

// TestHeartbeatKeepsALivePeer: a peer that answers is pinged and kept,
// and LastPong moves on. Counted, not timed: the pong timeout (1 s, which
// is also the period, the longer of interval and timeout) is far longer
// than a loaded machine takes to answer, and the test waits for three
// pongs.
func TestHeartbeatKeepsALivePeer(t *testing.T) {
	server, client := newConnPair(t)
	ctx := context.Background()
	go client.Read(ctx) // answers pings
	go server.Read(ctx) // sees the pongs
	if !server.LastPong().IsZero() {
		t.Error("LastPong before any pong")
	}
	start := time.Now()
	server.StartHeartbeat(20*time.Millisecond, time.Second)
	deadline := start.Add(30 * time.Second)
	for server.pongs.Load() < 3 {
		if server.closed() {
			t.Fatalf("closed after %d pongs: %v", server.pongs.Load(), server.Err())
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d pongs in 30 s with a ping every second", server.pongs.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if server.closed() {
		t.Fatalf("closed: %v", server.Err())
	}
	if last := server.LastPong(); last.Before(start) {
		t.Errorf("LastPong %v, before the heartbeat started at %v", last, start)
	}
}

func TestHeartbeatClosesASilentPeer(t *testing.T) {
	c, raw := newRawPair(t, RoleServer, connConfig{})
	go io.Copy(io.Discard, raw) // reads our pings, never answers
	readErr := make(chan error, 1)
	go func() {
		_, _, err := c.Read(context.Background())
		readErr <- err
	}()
	start := time.Now()
	c.StartHeartbeat(20*time.Millisecond, 40*time.Millisecond)
	waitClosed(t, c, 30*time.Second)
	if d := time.Since(start); d < 60*time.Millisecond { // timers are never early, only late
		t.Errorf("closed after %v, before interval+timeout", d)
	}
	if !errors.Is(c.Err(), ErrHeartbeatTimeout) {
		t.Errorf("Err() = %v", c.Err())
	}
	if err := <-readErr; !errors.Is(err, ErrHeartbeatTimeout) {
		t.Errorf("Read = %v, want ErrHeartbeatTimeout", err)
	}
}

// Waiting costs a timer, not a goroutine; StartHeartbeat(0, 0) stops it.
func TestHeartbeatUsesNoGoroutineWhileWaiting(t *testing.T) {
	c, _ := newRawPair(t, RoleServer, connConfig{})
	before := runtime.NumGoroutine()
	c.StartHeartbeat(time.Hour, time.Minute)
	if n := runtime.NumGoroutine(); n != before {
		t.Errorf("%d goroutines after StartHeartbeat, %d before", n, before)
	}
	c.StartHeartbeat(0, 0)
	c.hbMu.Lock()
	defer c.hbMu.Unlock()
	if c.hb != nil {
		t.Error("StartHeartbeat(0, 0) did not stop the heartbeat")
	}
}

// TestHeartbeatMeasuresTheRoundTrip: the client answers the first ping
// only when it starts reading, 150 ms after the ping went out, so the
// round trip must span that wait: at least from the ping to the start of
// the client's reading, at most from the ping to when RTT is read. Bounds
// from the order of events, which a loaded machine cannot break.
func TestHeartbeatMeasuresTheRoundTrip(t *testing.T) {
	server, client := newConnPair(t)
	ctx := context.Background()
	go server.Read(ctx) // sees the pongs
	if server.RTT() != 0 {
		t.Error("RTT without a heartbeat")
	}
	server.StartHeartbeat(30*time.Millisecond, time.Hour)
	server.hbMu.Lock()
	hb := server.hb
	server.hbMu.Unlock()
	deadline := time.Now().Add(30 * time.Second)
	for hb.sent.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no ping in 30 s")
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(150 * time.Millisecond)
	if server.RTT() != 0 {
		t.Errorf("RTT %v before any pong", server.RTT())
	}
	sent := time.Unix(0, hb.sent.Load())
	reading := time.Now()
	go client.Read(ctx)
	var rtt time.Duration
	for rtt == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
		rtt = server.RTT()
	}
	upTo := time.Since(sent)
	if least := reading.Sub(sent); rtt < least || rtt > upTo {
		t.Errorf("RTT %v, want from %v (the ping to the client's first read) to %v (the ping to now)", rtt, least, upTo)
	}
}
