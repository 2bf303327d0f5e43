package protocol

import (
	"context"
	"errors"
	"io"
	"runtime"
	"testing"
	"time"
)

func TestHeartbeatKeepsALivePeer(t *testing.T) {
	server, client := newConnPair(t)
	ctx := context.Background()
	go client.Read(ctx) // answers pings
	go server.Read(ctx) // sees the pongs
	if !server.LastPong().IsZero() {
		t.Error("LastPong before any pong")
	}
	server.StartHeartbeat(20*time.Millisecond, 100*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	if server.closed() {
		t.Fatalf("closed: %v", server.Err())
	}
	if since := time.Since(server.LastPong()); since > 150*time.Millisecond {
		t.Errorf("last pong %v ago", since)
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
	waitClosed(t, c, 5*time.Second)
	if d := time.Since(start); d < 55*time.Millisecond {
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

func TestHeartbeatMeasuresTheRoundTrip(t *testing.T) {
	server, client := newConnPair(t)
	ctx := context.Background()
	go server.Read(ctx) // sees the pongs
	if server.RTT() != 0 {
		t.Error("RTT without a heartbeat")
	}
	server.StartHeartbeat(30*time.Millisecond, 2*time.Second)
	// The client answers the first ping (sent at 30 ms) only when it
	// starts reading, at 200 ms: a round trip of about 170 ms.
	time.Sleep(200 * time.Millisecond)
	if server.RTT() != 0 {
		t.Errorf("RTT %v before any pong", server.RTT())
	}
	go client.Read(ctx)
	deadline := time.Now().Add(2 * time.Second)
	for server.RTT() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if rtt := server.RTT(); rtt < 120*time.Millisecond || rtt > time.Second {
		t.Errorf("RTT %v, want about 170 ms (a ping sent at 30 ms, answered at 200 ms)", rtt)
	}
}
