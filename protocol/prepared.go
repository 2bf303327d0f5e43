package protocol

import (
	"context"
	"sync"
)

// Prepared is a frame encoded once to be written to many connections: a
// server frame is the same bytes for every client, so a hub that sends a
// slide change to a thousand phones encodes it once rather than a
// thousand times.
type Prepared struct {
	op     Opcode
	frame  []byte // header and payload, unmasked
	hdrLen int
	rsv1   bool // the payload is compressed (permessage-deflate)

	// The message compressed on its own, made once at its first write to
	// a connection whose permessage-deflate compresses each message on
	// its own: the same bytes for every such connection.
	deflateOnce sync.Once
	deflated    *Prepared
}

// NewPrepared encodes payload as one final, unmasked frame with opcode op
// (text, binary, ping or pong). It copies payload. It panics for another
// opcode or a control payload over 125 bytes, as those are programming
// errors.
func NewPrepared(op Opcode, payload []byte) *Prepared {
	switch op {
	case OpText, OpBinary:
	case OpPing, OpPong:
		if len(payload) > MaxControlPayload {
			panic("websocket: NewPrepared: " + op.String() + " payload over 125 bytes")
		}
	default:
		panic("websocket: NewPrepared: cannot prepare a frame with opcode " + op.String())
	}
	h := Header{Fin: true, Opcode: op, Length: int64(len(payload))}
	frame := AppendHeader(make([]byte, 0, h.Size()+len(payload)), h)
	n := len(frame)
	return &Prepared{op: op, frame: append(frame, payload...), hdrLen: n}
}

// Bytes returns the encoded frame. It must not be modified.
func (m *Prepared) Bytes() []byte { return m.frame }

// Opcode returns the frame's opcode.
func (m *Prepared) Opcode() Opcode { return m.op }

// Payload returns the frame's payload. It must not be modified.
func (m *Prepared) Payload() []byte { return m.frame[m.hdrLen:] }

// WritePrepared sends m. A server connection writes m's bytes in one
// write call; a client connection must mask its frames with a fresh key
// (RFC 6455 §5.3), so it sends a masked copy of m's payload as Write
// would.
//
// With permessage-deflate, a connection that compresses each message on
// its own (server_no_context_takeover) sends m compressed, compressed
// once for all such connections; one that keeps its context sends m
// uncompressed, since its compressor's window must see every message it
// compresses.
func (c *Conn) WritePrepared(ctx context.Context, m *Prepared) error {
	if c.role == RoleClient {
		return c.Write(ctx, m.op, m.Payload())
	}
	m = m.forConn(c)
	if !m.op.IsControl() {
		if err := c.lock(ctx, &c.msgLock); err != nil {
			return err
		}
		defer c.msgLock.unlock()
	}
	if err := c.lock(ctx, &c.wlock); err != nil {
		return err
	}
	defer c.wlock.unlock()
	if err := c.beginFrameWrite(ctx, m.op); err != nil {
		return err
	}
	if err := c.endFrameWrite(ctx, c.send(m.frame)); err != nil {
		return err
	}
	c.observePrepared(m)
	return nil
}

// TryWritePrepared writes m only if that can be done at once: no other
// write holds the connection and the socket takes the frame now, with one
// non-blocking write. It reports whether m was sent. When it returns false
// with a nil error nothing of m was written, and the caller can send m
// with WritePrepared from a goroutine that may wait.
//
// A broadcast to many connections uses it from a few goroutines, each
// writing to its share of the sockets in turn, and gives a socket whose
// buffer is full (a phone that stopped reading) a goroutine of its own;
// a goroutine started per socket per message costs more than the write.
//
// If the socket takes only the start of the frame, TryWritePrepared
// starts a goroutine that holds the write lock and writes the rest,
// waiting as WritePrepared would, and reports true. Only server
// connections on plain TCP or Unix sockets write this way; on others
// (client connections, which must mask each frame, and TLS) it returns
// false at once.
func (c *Conn) TryWritePrepared(m *Prepared) (bool, error) {
	if c.role != RoleServer || c.raw == nil {
		return false, nil
	}
	m = m.forConn(c)
	data := !m.op.IsControl()
	if data && !c.msgLock.tryLock() {
		return false, nil
	}
	if !c.wlock.tryLock() {
		if data {
			c.msgLock.unlock()
		}
		return false, nil
	}
	ctx := context.Background()
	if err := c.beginFrameWrite(ctx, m.op); err != nil {
		c.unlockWrite(data)
		return false, err
	}
	n, err := c.writeNow(m)
	if err == nil && n > 0 && n < len(m.frame) {
		go c.finishPrepared(m, n, data)
		return true, nil
	}
	// All of the frame, none of it (the socket's buffer is full), or an
	// error that fails the connection.
	err = c.endFrameWrite(ctx, err)
	c.unlockWrite(data)
	sent := err == nil && n > 0
	if sent {
		c.observePrepared(m)
	}
	return sent, err
}

// finishPrepared writes m's frame from offset n on, waiting as long as
// it takes, then releases the locks TryWritePrepared took.
func (c *Conn) finishPrepared(m *Prepared, n int, data bool) {
	defer c.unlockWrite(data)
	if c.endFrameWrite(context.Background(), c.send(m.frame[n:])) == nil {
		c.observePrepared(m)
	}
}

// unlockWrite releases wlock, and msgLock too for a data frame.
func (c *Conn) unlockWrite(data bool) {
	c.wlock.unlock()
	if data {
		c.msgLock.unlock()
	}
}

func (c *Conn) observePrepared(m *Prepared) {
	if c.observer != nil {
		p := m.Payload()
		c.observeOut(Header{Fin: true, Rsv1: m.rsv1, Opcode: m.op, Length: int64(len(p))}, m.frame[:m.hdrLen], p, p)
	}
}

// forConn returns what c sends for m: m itself, or m compressed when c's
// permessage-deflate compresses each message on its own and m is a data
// message it would compress.
func (m *Prepared) forConn(c *Conn) *Prepared {
	d := c.deflate
	if d == nil || d.cfg.sendTakeover || m.op.IsControl() || !d.compresses(len(m.frame)-m.hdrLen) {
		return m
	}
	m.deflateOnce.Do(func() {
		enc := &deflater{level: normLevel(d.cfg.level)}
		z := enc.compress(nil, m.Payload())
		h := Header{Fin: true, Rsv1: true, Opcode: m.op, Length: int64(len(z))}
		frame := AppendHeader(make([]byte, 0, h.Size()+len(z)), h)
		n := len(frame)
		m.deflated = &Prepared{op: m.op, frame: append(frame, z...), hdrLen: n, rsv1: true}
	})
	return m.deflated
}
