package server

import (
	"runtime"
	"sync"

	"wiretalk/protocol"
)

// The audience's messages are applied off the sockets' reading goroutines.
// A reading goroutine lives as long as its phone and keeps the stack it
// grew to: JSON, the room and the answer, done there, took each voting
// phone's stack from 2 to 4 KiB for the rest of the talk (BENCHMARKS.md
// section 7), 20 MB for ten thousand phones. So a reading goroutine only
// reads, checks the flood limit and hands a copy of the message to a few
// workers, whose stacks are few; the messages of one socket all go to the
// same worker, in the order they came.

// inboxDepth is how many messages wait for one worker before the sockets
// that send more wait in their read: the phones' TCP buffers then hold
// the rest.
const inboxDepth = 256

// audienceItem is one message of an audience page.
type audienceItem struct {
	c   *client
	op  protocol.Opcode
	msg []byte // a copy: the socket's next read reuses its buffer
}

// roomInbox is the workers' queues.
type roomInbox struct {
	queues []chan audienceItem
	done   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
}

// startInbox starts the workers, one per P, that apply the audience's
// messages with apply.
func startInbox(apply func(audienceItem)) *roomInbox {
	in := &roomInbox{queues: make([]chan audienceItem, runtime.GOMAXPROCS(0)), done: make(chan struct{})}
	for i := range in.queues {
		q := make(chan audienceItem, inboxDepth)
		in.queues[i] = q
		in.wg.Add(1)
		go func() {
			defer in.wg.Done()
			for {
				select {
				case it := <-q:
					apply(it)
				case <-in.done:
					return
				}
			}
		}()
	}
	return in
}

// put hands msg of c to its worker, waiting while the worker's queue is
// full; false once the inbox is stopped.
func (in *roomInbox) put(c *client, op protocol.Opcode, msg []byte) bool {
	it := audienceItem{c: c, op: op, msg: append([]byte(nil), msg...)}
	select {
	case in.queues[c.id%uint64(len(in.queues))] <- it:
		return true
	case <-in.done:
		return false
	}
}

// stop ends the workers and waits for them; messages still queued are
// dropped, as the server is shutting down. It may be called again.
func (in *roomInbox) stop() {
	in.once.Do(func() { close(in.done) })
	in.wg.Wait()
}

// applyAudienceItem is a worker's: it applies one message of a phone and
// closes the socket with 1008 if it is no audience message. A socket so
// closed has nothing more of it applied; so has a socket whose message
// made the work panic, which is closed at once, as its reading goroutine
// would have been.
func (s *Server) applyAudienceItem(it audienceItem) {
	c := it.c
	if c.refused.Load() {
		return
	}
	defer guard(s.logf, "an audience message", func() {
		c.refused.Store(true)
		c.conn.CloseNow()
	})
	if err := s.fromAudience(c, it.op, it.msg); err != nil {
		c.refused.Store(true)
		go c.conn.Close(protocol.StatusPolicyViolation, err.Error()) // the close handshake must hold up no other phone
		s.logf("audience socket %s sent a message that is not a vote, question, upvote or reaction; closing it (1008)", c.conn.RemoteAddr())
	}
}
