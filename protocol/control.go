package protocol

import (
	"context"
	"time"
)

// Control frames as the reader meets them (RFC 6455 §5.5): pings are
// answered, pongs recorded, and a close frame ends the connection.

// handleControl acts on a control frame whose payload is buffered.
func (c *Conn) handleControl(ctx context.Context, h Header) error {
	n := int(h.Length)
	p := c.rbuf[c.rpos : c.rpos+n]
	if c.obs != nil {
		c.obs.masked = append(c.obs.masked, p...)
	}
	if h.Masked {
		Mask(p, h.Key, 0)
	}
	if c.obs != nil {
		c.obs.unmasked = append(c.obs.unmasked, p...)
		if h.Opcode != OpClose { // a close frame is shown once judged
			c.observeIn()
		}
	}
	var err error
	switch h.Opcode {
	case OpPing:
		// RFC 6455 §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST
		// send a Pong frame in response, unless it already received a
		// Close frame." The Pong "MUST have identical Application data".
		// Once we have sent a close frame we send nothing more.
		if !c.closeSent.Load() {
			err = c.writeFrame(ctx, true, OpPong, p)
		}
	case OpPong:
		// RFC 6455 §5.5.3: "A response to an unsolicited Pong frame is not
		// expected." It is only recorded.
		c.lastPong.Store(time.Now().UnixNano())
		c.pongs.Add(1)
	case OpClose:
		err = c.handleClose(p)
	}
	c.rpos += n
	if err != nil && c.msgActive && !c.closed() {
		// The pong could not be sent (ctx ended): Read is about to return
		// in the middle of a message, which would be lost.
		c.closeNow(err)
	}
	return err
}

// handleClose answers the peer's close frame and closes the connection.
func (c *Conn) handleClose(p []byte) error {
	ce, err := ParseClosePayload(p)
	if err != nil {
		return c.failFrame(err)
	}
	c.observeIn()
	peer := &ce
	c.setErr(peer)
	if !c.closeSent.Swap(true) {
		// RFC 6455 §5.5.1: "If an endpoint receives a Close frame and did
		// not previously send a Close frame, the endpoint MUST send a
		// Close frame in response. (When sending a Close frame in
		// response, the endpoint typically echos the status code it
		// received.)" We echo the code, not the reason.
		c.writeClose(ce.Code, "", time.Now().Add(c.closeTimeout))
	}
	c.shutdown(c.closeTimeout)
	c.closeNow(peer)
	return c.reason(peer)
}

// drainUntilClose reads and discards frames until the peer's close frame
// arrives, the connection fails or the deadline passes. Close uses it
// when no one else is reading. The caller holds rlock.
func (c *Conn) drainUntilClose(deadline time.Time) {
	if c.lent {
		// The last Read's payload lies in rbuf and its caller may still
		// be using it: read on in another buffer.
		p := readBufPool.Get().(*[readBufSize]byte)
		c.rend = copy(p[:], c.rbuf[c.rpos:c.rend])
		c.rpos = 0
		c.rpooled, c.rbuf = p, p[:]
		c.lent = false
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if c.readWatch.start(ctx) != nil {
		return
	}
	defer c.readWatch.end(ctx)
	for !c.closed() {
		if c.left > 0 {
			if c.skipPayload(ctx) != nil {
				return
			}
			continue
		}
		if c.nextDataFrame(ctx) != nil {
			return
		}
	}
}
