package protocol

import (
	"context"
	"errors"
	"net/http"
	"time"
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
	// dec judges the frames sent as the client will receive them, for
	// the Observer's Frame.Message and Frame.Err. Used under the write
	// lock.
	dec Decoder
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
	return c, &Lab{c: c, dec: Decoder{Role: RoleClient}}, nil
}

// ErrNoLab is returned by a Lab that belongs to no connection.
var ErrNoLab = errors.New("websocket: this Lab belongs to no connection")

// Send writes frames, each one whole frame (header and payload, the
// payload masked if the header says so), exactly as given and in one
// write, whatever rules they break. It waits for a data message being
// written to end, so that nothing but these bytes lies between two
// frames of it. Each frame is shown to the Observer as it went out,
// judged as the client receives it: Frame.Err names the rules it breaks
// (a Decoder's, which follows the messages across calls of Send).
//
// A close frame among them counts as the close this side sent: nothing is
// written after it, and the peer's close is not answered.
func (l *Lab) Send(ctx context.Context, frames ...[]byte) error {
	if l == nil || l.c == nil {
		return ErrNoLab
	}
	return l.c.writeRaw(ctx, frames, &l.dec)
}

// writeRaw sends frames unchecked and shows them to the observer as dec
// judges them. Only Lab.Send calls it.
func (c *Conn) writeRaw(ctx context.Context, frames [][]byte, dec *Decoder) error {
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
	// The frames are shown as they go out, before the write: a peer that
	// answers at once (a pong, its close) is read on another goroutine,
	// and must not be shown before what it answers.
	if c.observer != nil {
		for _, f := range frames {
			c.observeRaw(f, dec)
		}
	}
	return c.endFrameWrite(ctx, c.send(all))
}

// observeRaw shows one raw frame to the observer, decoded as far as its
// bytes allow and judged by dec.
func (c *Conn) observeRaw(b []byte, dec *Decoder) {
	f, _, err := dec.Decode(b)
	if errors.Is(err, ErrShortHeader) {
		// Too short for its own header: show its first two bytes.
		f = Frame{Header: Header{Fin: b[0]&bitFin != 0, Rsv1: b[0]&bitRsv1 != 0, Rsv2: b[0]&bitRsv2 != 0,
			Rsv3: b[0]&bitRsv3 != 0, Opcode: Opcode(b[0] & 0xF), Masked: b[1]&bitMask != 0}, Raw: b[:2], Err: err}
	}
	f.Dir, f.Time = Outbound, time.Now()
	c.observer.ObserveFrame(f)
}
