package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"wiretalk/protocol"
)

// ServeSpecimen serves the specimen echo socket (GET
// /demo/specimen?feed=ID): the connection whose frames the inspector
// shows. An unknown feed id gets 404 before any upgrade. Every frame both
// ways, and the opening handshake, go to that feed as records.
//
// It echoes each text or binary message as one message of the same type,
// or in three or more fragments when the feed asked for them. Limits: a
// message over Options.MaxMessage fails the connection with 1009 (message
// too big). A message over the rate (Options.Rate and Burst) is not
// echoed, with a notice on the feed; after sustainedDrops such messages in
// a row the connection is closed with 1008 (policy violation).
//
// A feed has at most one live specimen: a new one closes the old with 1000.
func (i *Inspector) ServeSpecimen(w http.ResponseWriter, r *http.Request) {
	f := i.lookup(r.URL.Query().Get("feed"))
	if f == nil {
		http.Error(w, "no such inspector feed: open /demo/feed first", http.StatusNotFound)
		return
	}
	if id := r.URL.Query().Get("handshake"); id != "" {
		i.serveBrokenHandshake(w, r, f, id) // the handshake lab (lab_handshake.go)
		return
	}
	if f.refuseForLab(w, r) { // the lab's restarting server (lab_backoff.go)
		return
	}
	n := f.nextConn()
	obs := &observer{feed: f, conn: n}
	checkOrigin, strict := i.opts.CheckOrigin, r.URL.Query().Get("origin") == "strict"
	if strict {
		checkOrigin = strictOrigin // the lab's refusal (lab_negotiate.go)
	}
	opts := &protocol.AcceptOptions{
		CheckOrigin:  checkOrigin,
		Subprotocols: labSubprotocols(), // chosen only when the page offers them
		ReadLimit:    i.opts.MaxMessage,
		Observer:     obs,
	}
	switch r.URL.Query().Get("deflate") {
	case "1":
		opts.Deflate = specimenDeflate
	case "lab":
		opts.Deflate = labDeflate // the lab's accepted offer (lab_negotiate.go)
	}
	// The specimen, and only it, may be asked to break the protocol: the
	// lab (lab.go) sends through this connection's Lab.
	c, lab, err := protocol.AcceptLab(w, r, opts)
	if err != nil {
		f.abandon()
		if strict {
			f.notice(n, "warn", "origin", refusedOrigin(r))
		}
		i.opts.Logf("demo: specimen: %v", err)
		return
	}
	defer c.CloseNow()
	replaced, ok := f.attach(c, n)
	if !ok {
		c.Close(protocol.StatusGoingAway, "inspector feed closed")
		return
	}
	defer f.detach(c)
	f.setLab(c, lab)
	defer f.setLab(c, nil)
	// The handshake is shown once the specimen takes commands, so a
	// page (or test) that has seen it can ping at once. Frames come
	// after it: none is read or written before this.
	obs.publishHandshake()
	if replaced != nil {
		// Close waits for the peer's reply, which the replaced
		// specimen's own handler reads (or this one, below).
		var closing sync.WaitGroup
		defer closing.Wait()
		closing.Go(func() { replaced.Close(protocol.StatusNormalClosure, "replaced by a newer specimen connection") })
	}
	err = i.echo(f, n, c)
	f.notice(n, level(err), closeCode(err), describeEnd(n, err, i.opts.MaxMessage))
	var pe *protocol.ProtocolError
	if errors.As(err, &pe) {
		i.opts.Logf("demo: specimen %s failed: %s; closed with %s", c.RemoteAddr(), pe.Reason, pe.Code)
	}
}

// specimenDeflate is how the specimen compresses when the page asks
// (?deflate=1): every message, even "Hello", at compress/flate's default
// level, which writes short text as the RFC's own examples do (BestSpeed
// would store it as it is), keeping the context both ways as browsers
// allow, so that a message sent twice shows what the window does.
var specimenDeflate = &protocol.DeflateOptions{Level: 6}

// echo reads and echoes messages until the connection ends, and returns
// why it ended.
func (i *Inspector) echo(f *feed, n int, c *protocol.Conn) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	limit := newBucket(i.opts.Rate, i.opts.Burst, i.now)
	over := 0 // messages in a row over the rate
	var closing sync.WaitGroup
	defer closing.Wait()
	for {
		op, p, err := c.Read(ctx)
		if err != nil {
			return err
		}
		if f.closeAtOnce(ctx, c) { // the lab's simultaneous close (lab_simclose.go)
			continue
		}
		if !limit.take() {
			over++
			switch over {
			case 1:
				f.notice(n, "warn", "rate", fmt.Sprintf("Over the limit of %g messages per second: this message was not echoed.", i.opts.Rate))
			case sustainedDrops:
				f.notice(n, "warn", "rate", fmt.Sprintf("%d messages in a row over the rate limit: the server closes the connection with 1008.", over))
				i.opts.Logf("demo: specimen %s sent %d messages in a row over the limit of %g per second; closing it with 1008", c.RemoteAddr(), over, i.opts.Rate)
				// Close waits for the browser's reply, which this loop
				// reads.
				closing.Go(func() { c.Close(protocol.StatusPolicyViolation, "over the message rate limit for too long") })
			}
			continue
		}
		if over > 1 {
			f.notice(n, "warn", "rate", fmt.Sprintf("%d messages over the rate limit were not echoed.", over))
		}
		over = 0
		wctx, wcancel := context.WithTimeout(ctx, writeTimeout)
		if f.fragments.Load() && len(p) >= 2 {
			// Thirds, at least a byte each: three frames, or two for a
			// 2-byte message.
			err = c.WriteFragments(wctx, op, p, (len(p)+2)/3)
		} else {
			err = c.Write(wctx, op, p)
		}
		wcancel()
		if err != nil {
			return err
		}
	}
}

// describeEnd says in one line why specimen connection n ended.
func describeEnd(n int, err error, maxMessage int64) string {
	var pe *protocol.ProtocolError
	var ce *protocol.CloseError
	switch {
	case errors.As(err, &pe) && pe.Code == protocol.StatusMessageTooBig:
		return fmt.Sprintf("Connection #%d: a message was over the %s limit, so the server closed it with %s.", n, size(maxMessage), pe.Code)
	case errors.As(err, &pe):
		return fmt.Sprintf("Connection #%d failed: %s; closed with %s.", n, pe.Reason, pe.Code)
	case errors.As(err, &ce) && ce.Reason != "":
		return fmt.Sprintf("Connection #%d closed: %s, %q.", n, ce.Code, ce.Reason)
	case errors.As(err, &ce):
		return fmt.Sprintf("Connection #%d closed: %s.", n, ce.Code)
	case errors.Is(err, io.EOF):
		return fmt.Sprintf("Connection #%d: the browser closed TCP without a close frame (1006).", n)
	case err == nil:
		return fmt.Sprintf("Connection #%d closed.", n)
	}
	return fmt.Sprintf("Connection #%d ended: %v.", n, err)
}

func level(err error) string {
	var pe *protocol.ProtocolError
	if errors.As(err, &pe) {
		return "warn"
	}
	return "info"
}

func closeCode(err error) string {
	var pe *protocol.ProtocolError
	if errors.As(err, &pe) && pe.Code == protocol.StatusMessageTooBig {
		return "limit"
	}
	return "closed"
}

// size formats a byte count for people: "1 MiB", "64 KiB", "100 B".
func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// observer turns the frames of one specimen connection into records on
// its feed. The protocol calls it from the connection's reader and
// writer; it copies what it needs and never blocks.
type observer struct {
	feed *feed
	conn int // the specimen's number

	mu        sync.Mutex
	handshake *Record // kept until publishHandshake

	// deflation inflates compressed messages for their records; nil
	// without permessage-deflate. Set by ObserveHandshake, before any
	// frame; each direction is then observed by one goroutine at a time.
	deflation *Deflation
}

func (o *observer) ObserveHandshake(h protocol.Handshake) {
	rec := FromHandshake(h)
	rec.Conn = o.conn
	if h.Deflate != nil {
		o.deflation = NewDeflation(*h.Deflate)
	}
	now := time.Now()
	rec.Time = now.Format(time.RFC3339Nano)
	rec.Ms = msSince(now, o.feed.start)
	o.mu.Lock()
	o.handshake = &rec
	o.mu.Unlock()
}

func (o *observer) publishHandshake() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.handshake != nil {
		o.feed.publish(*o.handshake)
		o.handshake = nil
	}
}

func (o *observer) ObserveFrame(fr protocol.Frame) {
	rec := FromFrame(fr, 0, o.feed.start)
	o.deflation.Annotate(&rec, fr)
	if fr.Time.IsZero() {
		rec.Time = ""
	}
	rec.Conn = o.conn
	o.feed.publish(rec)
}

// bucket is a token bucket: burst tokens, refilled at rate per second.
// It is used by one goroutine.
type bucket struct {
	rate, burst, tokens float64
	last                time.Time
	now                 func() time.Time
}

func newBucket(rate float64, burst int, now func() time.Time) *bucket {
	return &bucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: now(), now: now}
}

// take reports whether a token was available, and takes it.
func (b *bucket) take() bool {
	now := b.now()
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
