package protocol

import (
	"context"
)

// Prepared is a frame encoded once to be written to many connections: a
// server frame is the same bytes for every client, so a hub that sends a
// slide change to a thousand phones encodes it once rather than a
// thousand times.
type Prepared struct {
	op     Opcode
	frame  []byte // header and payload, unmasked
	hdrLen int
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
func (c *Conn) WritePrepared(ctx context.Context, m *Prepared) error {
	if c.role == RoleClient {
		return c.Write(ctx, m.op, m.Payload())
	}
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
	_, err := c.nc.Write(m.frame)
	if err := c.endFrameWrite(ctx, err); err != nil {
		return err
	}
	if c.observer != nil {
		p := m.Payload()
		c.observeOut(Header{Fin: true, Opcode: m.op, Length: int64(len(p))}, m.frame[:m.hdrLen], p, p)
	}
	return nil
}
