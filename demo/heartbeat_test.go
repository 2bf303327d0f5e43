package demo

import (
	"context"
	"testing"
	"time"

	"wiretalk/protocol"
)

// A viewer whose phone vanished (its feed never answers a ping) is
// dropped by the feed's heartbeat, and its place is freed.
func TestFeedHeartbeatDropsVanishedViewers(t *testing.T) {
	// Long enough that the feed, which never answers, is still there
	// for the test to see before it is dropped, on a loaded machine too.
	const interval = time.Second
	ins, srv := newServer(t, Options{PingInterval: interval})
	// Waits are long, for a loaded machine: each ends as soon as what it
	// waits for happens, and only a broken heartbeat waits that long.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _, err := protocol.Dial(ctx, wsURL(srv, "/demo/feed"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	feeds := func() int {
		ins.mu.Lock()
		defer ins.mu.Unlock()
		return len(ins.feeds)
	}
	deadline := time.Now().Add(30 * time.Second)
	for feeds() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the feed never registered")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The client never reads again, so the server's pings go unanswered.
	start := time.Now()
	deadline = start.Add(30 * time.Second)
	for feeds() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("a feed that answers no ping was never dropped")
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("dropped %v after it went silent (ping interval %v)", time.Since(start), interval)
}
