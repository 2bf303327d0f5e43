package server

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"wiretalk/protocol"
)

// hub holds the live sockets of audience and presenter pages and carries
// each slide change to all of them.
//
// Slide state is latest-wins: publishing stores the newest prepared frame
// in every client's one-slot mailbox and starts that client's writer if it
// is not already running. A slow or stalled phone therefore never delays
// the others and never builds a backlog: when its write finally completes
// it is sent only the newest state. Writers exist only while there is
// something to write, so an idle socket costs its Conn, its reading
// goroutine and a client struct.
//
// Writes carry no context deadline, which would cost two runtime timers
// and an allocation per socket per slide change (it made the hub's
// broadcast 1.2-1.5x slower). Instead one watchdog, a timer that re-arms
// itself, sweeps the clients a few times per WriteTimeout and closes any
// socket whose write has been blocked longer: closing it ends the write.
type hub struct {
	writeTimeout time.Duration
	logf         func(format string, args ...any)
	watchdog     *time.Timer // guarded by mu
	fanMu        sync.Mutex  // serializes broadcastRoles (interact_hub.go); taken before mu
	// wrote, if set, is called after each message a writer wrote: a
	// test's view of the order of the writes.
	wrote atomic.Pointer[func(c *client, m *protocol.Prepared)]

	mu       sync.Mutex
	clients  []*client // in the order they joined, which is about the order of their Conns in memory
	audience int       // audience clients in clients
	countDue bool      // a count for presenters is scheduled (see audienceChangedLocked)
	closed   bool      // closeAll has run: sockets that come later are closed at once

	devices map[string][]*client // audience clients by device, for its own votes (interact_hub.go)
	lastID  uint64               // the last client's id
}

// kind sorts the messages a page receives. Each kind is latest-wins on
// its own: a newer state replaces an undelivered state, but never an
// undelivered problems report.
type kind uint8

const (
	kindState     kind = iota // the talk's position: every page
	kindProblems              // the deck's problems: presenters
	kindCount                 // the audience count: presenters
	kindRelay                 // the relay's health and the edges' audience: presenters
	kindPolls                 // the polls' aggregates: every page (interact_hub.go)
	kindQuestions             // the questions: every page
	kindReactions             // reaction bursts: presenters and projectors
	kindMine                  // one device's own votes and upvotes: that page
	kindReply                 // the answer to the page's last message: that page
	kindHeartbeat             // the room's round-trip histogram: every page (interact_heartbeat.go)
	kindTimer                 // the talk's timer: presenters
	numKinds
)

// client is one connected page.
type client struct {
	conn      *protocol.Conn
	presenter bool
	projector bool   // an audience page showing the room (reactions): interact_hub.go
	device    string // the audience device's id (interact_live.go); "" for presenters
	id        uint64 // unique in this hub: a relay's answer finds the socket by it (interact_relay.go)
	hub       *hub
	slot      int                                         // index in hub.clients, -1 when not in it; guarded by hub.mu
	mailbox   [numKinds]atomic.Pointer[protocol.Prepared] // the newest undelivered message of each kind
	writing   atomic.Bool                                 // a writer goroutine is running
	writeFrom atomic.Int64                                // when the write under way began (UnixNano), or 0
	refused   atomic.Bool                                 // closed for a message that is no audience message (interact_inbox.go)
}

func newHub(writeTimeout time.Duration, logf func(string, ...any)) *hub {
	h := &hub{writeTimeout: writeTimeout, logf: logf}
	h.mu.Lock() // sweep may run before AfterFunc returns: it reads watchdog under mu
	h.watchdog = time.AfterFunc(h.sweepEvery(), h.sweep)
	h.mu.Unlock()
	return h
}

// sweepEvery is the watchdog's period: a stalled socket is closed between
// WriteTimeout and WriteTimeout plus this after its write began.
func (h *hub) sweepEvery() time.Duration {
	return min(max(h.writeTimeout/4, 5*time.Millisecond), time.Second)
}

// sweep closes the sockets whose write has been blocked for longer than
// WriteTimeout (a phone that stopped reading), then re-arms itself.
func (h *hub) sweep() {
	// The timer runs sweep in a goroutine of its own; after a panic the
	// timer is re-armed already.
	defer guard(h.logf, "the hub's watchdog", nil)
	now := time.Now().UnixNano()
	var stalled []*client
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	for _, c := range h.clients {
		if from := c.writeFrom.Load(); from != 0 && now-from > int64(h.writeTimeout) {
			stalled = append(stalled, c)
		}
	}
	h.watchdog.Reset(h.sweepEvery())
	h.mu.Unlock()
	for _, c := range stalled {
		c.conn.CloseNow() // ends the blocked write; the reader then removes the page
		h.logf("dropped the page at %s: it took no data for %v", c.conn.RemoteAddr(), h.writeTimeout)
	}
}

// add registers conn and returns its client, which from now on receives
// every broadcast of its kinds. A presenter's mailbox starts with the
// audience count, delivered after the first message the caller sends it
// (the state: see take). When the hub is closed already, conn is closed
// with 1001 and the client is never registered.
func (h *hub) add(conn *protocol.Conn, pg socketPage) *client {
	c := &client{conn: conn, presenter: pg.presenter, projector: pg.projector, device: pg.device, hub: h, slot: -1}
	presenter := pg.presenter
	h.mu.Lock()
	if h.closed {
		// The server is shutting down and closeAll has closed the sockets
		// it knew of: a page that reconnected meanwhile would otherwise
		// stay connected to a server that has gone.
		h.mu.Unlock()
		conn.Close(protocol.StatusGoingAway, "server shutting down")
		return c
	}
	c.slot = len(h.clients)
	h.clients = append(h.clients, c)
	h.joinDeviceLocked(c)
	if presenter {
		// Held under mu, so a count broadcast later replaces it.
		c.hold(kindCount, countMessage(h.audience))
	} else {
		h.audience++
		h.audienceChangedLocked()
	}
	h.mu.Unlock()
	return c
}

// remove forgets c. It is safe to call more than once.
func (h *hub) remove(c *client) {
	h.mu.Lock()
	ok := c.slot >= 0
	if ok {
		last := h.clients[len(h.clients)-1]
		h.clients[c.slot], last.slot = last, c.slot
		h.clients[len(h.clients)-1] = nil
		h.clients = h.clients[:len(h.clients)-1]
		c.slot = -1
		h.leaveDeviceLocked(c)
	}
	if ok && !c.presenter {
		h.audience--
		h.audienceChangedLocked()
	}
	h.mu.Unlock()
}

// audienceCount returns the number of connected audience pages.
func (h *hub) audienceCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.audience
}

// countEvery is how often at most presenters are told the audience count:
// with hundreds of phones joining at once, a message per join would flood
// the presenter's socket for nothing.
const countEvery = 250 * time.Millisecond

// audienceChangedLocked schedules the audience count for presenters, once
// per countEvery at most. Call with h.mu held.
func (h *hub) audienceChangedLocked() {
	if h.countDue || h.closed {
		return
	}
	h.countDue = true
	time.AfterFunc(countEvery, h.sendCount)
}

// sendCount tells every presenter the audience count now.
func (h *hub) sendCount() {
	defer guard(h.logf, "the hub's audience count", nil)
	h.mu.Lock()
	h.countDue = false
	if h.closed {
		h.mu.Unlock()
		return
	}
	ready := h.offerLocked(kindCount, countMessage(h.audience))
	h.mu.Unlock()
	h.write(ready)
}

func countMessage(n int) *protocol.Prepared {
	return jsonMessage(countMsg{Type: "audience", Count: n})
}

// broadcast sends m, of kind k, to every client; state goes to every
// page, the other kinds to presenters only. It never blocks on a socket.
//
// The mailboxes are filled under mu, in the order of broadcasts, so a
// client's writer always ends on the newest message. The writes are then
// made by a few goroutines (one per P, for a large audience) with
// TryWritePrepared: a goroutine per socket per slide change cost more than
// the write itself. The writers take the clients a batch at a time from a
// shared counter rather than a fixed share each, so that a writer whose
// CPU is busy elsewhere (serving pages, or the kernel delivering the
// segments) holds up no part of the audience: the others take its
// batches. A socket that cannot take the frame at once (a phone that
// stopped reading) gets a writer goroutine of its own, flush, so it delays
// no one.
func (h *hub) broadcast(k kind, m *protocol.Prepared) {
	h.mu.Lock()
	ready := h.offerLocked(k, m)
	h.mu.Unlock()
	h.write(ready)
}

// offerLocked puts m, of kind k, in the mailbox of every client it is for
// and returns those whose writing falls to the caller. Call with h.mu held.
func (h *hub) offerLocked(k kind, m *protocol.Prepared) []*client {
	size := len(h.clients)
	if k != kindState {
		size = 4 // presenters only: a few
	}
	ready := make([]*client, 0, size)
	for _, c := range h.clients {
		if k != kindState && !c.presenter {
			continue
		}
		if c.offer(k, m) {
			ready = append(ready, c) // else its writer will take m
		}
	}
	return ready
}

// write writes the mailboxes of ready, whose writer's role the caller
// holds, without blocking.
func (h *hub) write(ready []*client) {
	if len(ready) == 0 {
		return
	}
	writers := min(runtime.GOMAXPROCS(0), (len(ready)+clientsPerWriter-1)/clientsPerWriter)
	var taken atomic.Int64 // clients handed out so far
	for range writers {
		go func() {
			for {
				i := int(taken.Add(writeBatch) - writeBatch)
				if i >= len(ready) {
					return
				}
				for _, c := range ready[i:min(i+writeBatch, len(ready))] {
					c.flushNow()
				}
			}
		}()
	}
}

const (
	// clientsPerWriter is the least number of sockets worth a broadcast
	// writer goroutine of its own: about a millisecond of writes.
	clientsPerWriter = 128
	// writeBatch is how many sockets a broadcast writer takes at a time:
	// a few hundred microseconds of writes, for one atomic add.
	writeBatch = 32
)

// send puts m in c's mailbox for kind k, replacing any message of that
// kind not yet written, and makes sure a writer is running.
func (c *client) send(k kind, m *protocol.Prepared) {
	if c.offer(k, m) {
		go c.flush(nil)
	}
}

// hold puts m in c's mailbox for kind k, replacing any message of that
// kind not yet written, for the next writer to take: a send that follows
// starts one.
func (c *client) hold(k kind, m *protocol.Prepared) {
	c.mailbox[k].Store(m)
}

// offer puts m in c's mailbox for kind k and reports whether the caller
// now holds the writer's role, and must see that m is written; if not, a
// writer already running will take m.
func (c *client) offer(k kind, m *protocol.Prepared) bool {
	c.mailbox[k].Store(m)
	return c.writing.CompareAndSwap(false, true)
}

// take empties the mailbox of its first waiting message, state first.
func (c *client) take() *protocol.Prepared {
	for k := range c.mailbox {
		if m := c.mailbox[k].Swap(nil); m != nil {
			return m
		}
	}
	return nil
}

func (c *client) empty() bool {
	for k := range c.mailbox {
		if c.mailbox[k].Load() != nil {
			return false
		}
	}
	return true
}

// next returns the next message to write, or nil after giving up the
// writer's role (writing) when the mailbox is empty.
func (c *client) next() *protocol.Prepared {
	for {
		if m := c.take(); m != nil {
			return m
		}
		c.writing.Store(false)
		// A send may have stored a message after take and seen writing
		// still true: look again before leaving.
		if c.empty() || !c.writing.CompareAndSwap(false, true) {
			return nil
		}
	}
}

// flushNow writes the mailbox for as long as the socket takes frames at
// once, then hands over to flush. The caller holds the writer's role.
func (c *client) flushNow() {
	defer guard(c.hub.logf, "a page's writer", c.drop)
	for {
		m := c.next()
		if m == nil {
			return
		}
		sent, err := c.conn.TryWritePrepared(m)
		if err != nil {
			c.writing.Store(false) // closed or closing: see flush
			return
		}
		if !sent {
			go c.flush(m)
			return
		}
		if f := c.hub.wrote.Load(); f != nil {
			(*f)(c, m)
		}
	}
}

// flush writes first (if not nil), then the mailbox until it is empty,
// waiting for the socket as long as it takes, and exits. A write that
// blocks too long (a phone that stopped reading) is ended by the hub's
// watchdog, which closes the socket; its reading goroutine then removes
// the page from the hub. The caller holds the writer's role.
func (c *client) flush(first *protocol.Prepared) {
	defer guard(c.hub.logf, "a page's writer", c.drop)
	m := first
	for {
		if m == nil {
			if m = c.next(); m == nil {
				return
			}
		}
		c.writeFrom.Store(time.Now().UnixNano())
		err := c.conn.WritePrepared(context.Background(), m)
		c.writeFrom.Store(0)
		if err != nil {
			// The connection is closed or closing already (by the
			// watchdog, a failed read, a 1008, a shutdown's 1001): leave
			// any close frame on its way alone.
			c.writing.Store(false)
			return
		}
		if f := c.hub.wrote.Load(); f != nil {
			(*f)(c, m)
		}
		m = nil
	}
}

// drop closes the page's socket after a panic in its writer; its reading
// goroutine then removes the page from the hub.
func (c *client) drop() {
	c.hub.logf("dropped the page at %s", c.conn.RemoteAddr())
	c.conn.CloseNow()
	c.writing.Store(false)
}

// closeAll closes every socket with code and reason, concurrently, and
// waits until they are closed or ctx ends. Sockets added later are closed
// with 1001 as they come.
func (h *hub) closeAll(ctx context.Context, code protocol.StatusCode, reason string) {
	h.mu.Lock()
	h.closed = true
	h.watchdog.Stop()
	conns := make([]*protocol.Conn, 0, len(h.clients))
	for _, c := range h.clients {
		conns = append(conns, c.conn)
	}
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, conn := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn.Close(code, reason)
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		for _, conn := range conns {
			conn.CloseNow()
		}
	}
}
