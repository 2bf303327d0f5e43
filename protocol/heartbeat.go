package protocol

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// ErrHeartbeatTimeout is Err's answer for a connection closed because no
// pong came back in time after a heartbeat ping.
var ErrHeartbeatTimeout = errors.New("websocket: no pong within the heartbeat timeout")

// StartHeartbeat pings the peer every interval and closes the connection
// (CloseNow; Err returns ErrHeartbeatTimeout) when no pong arrives within
// timeout of a ping (timeout ≤ 0 means interval). It replaces an earlier
// heartbeat; interval ≤ 0 stops it. It uses a timer, not a goroutine,
// while waiting.
//
// Pongs are only seen while someone is calling Read (or a Reader's Read):
// a connection whose reads have stopped will time out.
func (c *Conn) StartHeartbeat(interval, timeout time.Duration) {
	c.hbMu.Lock()
	defer c.hbMu.Unlock()
	if c.hb != nil {
		c.hb.stop()
		c.hb = nil
	}
	if interval <= 0 || c.closed() {
		return
	}
	if timeout <= 0 {
		timeout = interval
	}
	hb := &heartbeat{c: c, interval: interval, timeout: timeout}
	hb.mu.Lock() // tick may run before AfterFunc returns
	hb.timer = time.AfterFunc(interval, hb.tick)
	hb.mu.Unlock()
	c.hb = hb
}

// LastPong returns when the last pong was read, or the zero Time.
func (c *Conn) LastPong() time.Time {
	n := c.lastPong.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

func (c *Conn) stopHeartbeat() {
	c.hbMu.Lock()
	if c.hb != nil {
		c.hb.stop()
		c.hb = nil
	}
	c.hbMu.Unlock()
}

// heartbeat is a timer that alternates between two waits: the interval
// before the next ping, and the timeout for its pong.
type heartbeat struct {
	c                 *Conn
	interval, timeout time.Duration

	mu      sync.Mutex
	timer   *time.Timer
	waiting bool   // a ping is out and the timer is its pong's deadline
	pongs   uint64 // c.pongs when the ping went out
	stopped bool

	sent atomic.Int64 // UnixNano when the last ping went out, 0 before
	rtt  atomic.Int64 // the last round trip measured, in ns (see RTT)
}

// RTT returns the round-trip time of the heartbeat's last answered ping:
// from the moment it went out to the first pong read after it. It is 0
// before a ping was answered or without a heartbeat. Like LastPong, it
// relies on someone calling Read.
func (c *Conn) RTT() time.Duration {
	c.hbMu.Lock()
	hb := c.hb
	c.hbMu.Unlock()
	if hb == nil {
		return 0
	}
	if sent, pong := hb.sent.Load(), c.lastPong.Load(); sent != 0 && pong >= sent {
		hb.rtt.Store(pong - sent)
	}
	return time.Duration(hb.rtt.Load())
}

func (hb *heartbeat) stop() {
	hb.mu.Lock()
	hb.stopped = true
	hb.timer.Stop()
	hb.mu.Unlock()
}

func (hb *heartbeat) tick() {
	hb.mu.Lock()
	if hb.stopped {
		hb.mu.Unlock()
		return
	}
	if hb.waiting {
		if hb.c.pongs.Load() == hb.pongs {
			hb.stopped = true
			hb.mu.Unlock()
			hb.c.closeNow(ErrHeartbeatTimeout)
			return
		}
		// The pong came: wait for the rest of the interval.
		if pong := hb.c.lastPong.Load(); pong >= hb.sent.Load() {
			hb.rtt.Store(pong - hb.sent.Load())
		}
		hb.waiting = false
		hb.timer.Reset(max(hb.interval-hb.timeout, 0))
		hb.mu.Unlock()
		return
	}
	hb.waiting = true
	hb.pongs = hb.c.pongs.Load()
	hb.timer.Reset(hb.timeout)
	hb.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), hb.timeout)
	hb.sent.Store(time.Now().UnixNano())
	hb.c.Ping(ctx, nil)
	cancel()
}
