package protocol

import (
	"context"
	"errors"
	"net/http"
)

// Lab is the one way to send bytes that break RFC 6455 on a connection:
// the frame inspector's lab uses it to show a learner how their own
// browser fails a connection that receives an invalid frame. Every other
// writer of this package emits only valid frames.
//
// A Lab exists only for a connection accepted with AcceptLab, and only
// its holder can reach the raw writer: Conn has no exported method that
// sends unchecked bytes. Its zero value sends nothing.
type Lab struct {
	c *Conn
}

// AcceptLab is Accept for a connection whose server may be asked to break
// the protocol on purpose: it also returns the connection's Lab. Only a
// handler that means to send invalid frames to the peer that asked for
// them should call it.
func AcceptLab(w http.ResponseWriter, r *http.Request, opts *AcceptOptions) (*Conn, *Lab, error) {
	c, err := Accept(w, r, opts)
	if err != nil {
		return nil, nil, err
	}
	return c, &Lab{c: c}, nil
}

// ErrNoLab is returned by a Lab that belongs to no connection.
var ErrNoLab = errors.New("websocket: this Lab belongs to no connection")

// Send writes frames, each one whole frame (header and payload, the
// payload masked if the header says so), exactly as given and in one
// write, whatever rules they break. It waits for a data message being
// written to end, so that nothing but these bytes lies between two
// frames of it. Each frame is shown to the Observer as it went out; one
// whose header does not parse is shown with what could be decoded.
//
// A close frame among them counts as the close this side sent: nothing is
// written after it, and the peer's close is not answered.
func (l *Lab) Send(ctx context.Context, frames ...[]byte) error {
	if l == nil || l.c == nil {
		return ErrNoLab
	}
	return l.c.writeRaw(ctx, frames)
}

// writeRaw sends frames unchecked. Only Lab.Send calls it.
func (c *Conn) writeRaw(ctx context.Context, frames [][]byte) error {
	var all []byte
	closes := false
	for _, f := range frames {
		if len(f) < 2 {
			return errors.New("websocket: a raw frame needs at least 2 bytes")
		}
		all = append(all, f...)
		closes = closes || Opcode(f[0]&0xF) == OpClose
	}
	if err := c.lock(ctx, &c.msgLock); err != nil {
		return err
	}
	defer c.msgLock.unlock()
	if err := c.lock(ctx, &c.wlock); err != nil {
		return err
	}
	defer c.wlock.unlock()
	if err := c.beginFrameWrite(ctx, OpClose); err != nil {
		return err
	}
	if c.closeSent.Load() {
		c.writeWatch.end(ctx)
		return c.reason(errCloseSent)
	}
	if closes {
		c.closeSent.Store(true)
	}
	if err := c.endFrameWrite(ctx, c.send(all)); err != nil {
		return err
	}
	if c.observer != nil {
		for _, f := range frames {
			c.observeRaw(f)
		}
	}
	return nil
}

// observeRaw shows one raw frame to the observer, decoded as far as its
// bytes allow.
func (c *Conn) observeRaw(f []byte) {
	h, n, _ := ParseHeader(f)
	if n == 0 { // an incomplete header: show what there is
		n = len(f)
		h = Header{Fin: f[0]&bitFin != 0, Rsv1: f[0]&bitRsv1 != 0, Rsv2: f[0]&bitRsv2 != 0, Rsv3: f[0]&bitRsv3 != 0,
			Opcode: Opcode(f[0] & 0xF), Masked: f[1]&bitMask != 0}
	}
	wire := f[n:]
	plain := wire
	if h.Masked {
		plain = append([]byte(nil), wire...)
		Mask(plain, h.Key, 0)
	}
	c.observeOut(h, f[:n], wire, plain)
}
