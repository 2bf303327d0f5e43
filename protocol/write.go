package protocol

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"sync"
	"time"
)

// Write sends p as one message of one frame. op is OpText or OpBinary;
// OpPing and OpPong send a control frame (payload at most 125 bytes).
// Write does not check that text is valid UTF-8: that is the caller's
// promise. It does not allocate.
func (c *Conn) Write(ctx context.Context, op Opcode, p []byte) error {
	switch op {
	case OpText, OpBinary:
	case OpPing, OpPong:
		return c.writeControl(ctx, op, p)
	default:
		return errWriteOpcode(op)
	}
	if err := c.lock(ctx, &c.msgLock); err != nil {
		return err
	}
	var err error
	if c.deflate != nil && c.deflate.compresses(len(p)) {
		err = c.writeCompressed(ctx, op, p, 0)
	} else {
		err = c.writeFrame(ctx, true, op, p)
	}
	c.msgLock.unlock()
	return err
}

// WriteFragments sends p as one message in fragments of size bytes (the
// last may be shorter); size ≤ 0 sends one frame. Control frames may go
// out between the fragments. With permessage-deflate the message is
// compressed whole and its compressed bytes are cut in fragments of size
// bytes, except for a WebKit peer, which gets the message uncompressed.
func (c *Conn) WriteFragments(ctx context.Context, op Opcode, p []byte, size int) error {
	if op != OpText && op != OpBinary {
		return errWriteOpcode(op)
	}
	if size <= 0 {
		size = max(len(p), 1)
	}
	if err := c.lock(ctx, &c.msgLock); err != nil {
		return err
	}
	defer c.msgLock.unlock()
	if d := c.deflate; d != nil && d.compresses(len(p)) && (!d.webkit || size >= len(p)) {
		if d.webkit {
			size = 0 // one frame, even if compressing made it longer
		}
		return c.writeCompressed(ctx, op, p, size)
	}
	for first := true; ; first = false {
		n := min(size, len(p))
		fin := n == len(p)
		frameOp := OpContinuation
		if first {
			frameOp = op
		}
		if err := c.writeFrame(ctx, fin, frameOp, p[:n]); err != nil {
			if !first {
				c.abandonMessage(err)
			}
			return err
		}
		if fin {
			return nil
		}
		p = p[n:]
	}
}

// Writer starts a message and returns a writer of its payload: each Write
// call sends one fragment (empty writes send nothing) and Close sends the
// final frame. With permessage-deflate each Write is compressed and sends
// what the compressor gives out, if anything; a WebKit peer gets the
// message uncompressed. No other data message can be sent until Close; control
// frames can. If a fragment cannot be sent, the connection is closed, as
// the peer would wait for the rest of the message forever. The writer is
// valid until Close.
func (c *Conn) Writer(ctx context.Context, op Opcode) (io.WriteCloser, error) {
	if op != OpText && op != OpBinary {
		return nil, errWriteOpcode(op)
	}
	if err := c.lock(ctx, &c.msgLock); err != nil {
		return nil, err
	}
	w := &c.writer
	w.ctx = ctx
	w.op = op
	w.open = true
	w.sent = false
	return w, nil
}

// Ping sends a ping with payload (at most 125 bytes). The pong comes back
// through Read: see LastPong, and the Observer.
func (c *Conn) Ping(ctx context.Context, payload []byte) error {
	return c.writeControl(ctx, OpPing, payload)
}

func (c *Conn) writeControl(ctx context.Context, op Opcode, p []byte) error {
	// RFC 6455 §5.5: "All control frames MUST have a payload length of
	// 125 bytes or less".
	if len(p) > MaxControlPayload {
		return errors.New("websocket: " + op.String() + " payload over 125 bytes")
	}
	return c.writeFrame(ctx, true, op, p)
}

func errWriteOpcode(op Opcode) error {
	return errors.New("websocket: cannot write a message with opcode " + op.String())
}

var errWriterClosed = errors.New("websocket: message writer already closed")

// msgWriter is the io.WriteCloser that Writer returns; each Conn has one.
type msgWriter struct {
	c           *Conn
	ctx         context.Context
	op          Opcode // the opcode of the next frame
	open        bool
	sent        bool // a frame has been sent
	compressing bool // the message is being compressed
}

func (w *msgWriter) Write(p []byte) (int, error) {
	if !w.open {
		return 0, errWriterClosed
	}
	if len(p) == 0 {
		return 0, nil
	}
	sent, err := w.frame(p, false)
	if err != nil {
		w.end()
		if w.sent {
			w.c.abandonMessage(err)
		}
		return 0, err
	}
	if sent {
		w.sent = true
		w.op = OpContinuation
	}
	return len(p), nil
}

func (w *msgWriter) Close() error {
	if !w.open {
		return errWriterClosed
	}
	_, err := w.frame(nil, true)
	if err != nil && w.sent {
		w.c.abandonMessage(err)
	}
	w.end()
	return err
}

func (w *msgWriter) end() {
	w.endCompressing()
	w.open = false
	w.ctx = nil
	w.c.msgLock.unlock()
}

// abandonMessage closes the connection when a message cannot be finished.
func (c *Conn) abandonMessage(err error) {
	c.closeNow(err)
}

// writeFrame sends one frame, holding the frame lock.
func (c *Conn) writeFrame(ctx context.Context, fin bool, op Opcode, p []byte) error {
	return c.writeFrameHeader(ctx, Header{Fin: fin, Opcode: op}, p)
}

// writeFrameHeader sends one frame whose FIN, RSV1 and opcode are h's,
// holding the frame lock.
func (c *Conn) writeFrameHeader(ctx context.Context, h Header, p []byte) error {
	if err := c.lock(ctx, &c.wlock); err != nil {
		return err
	}
	err := c.writeFrameLocked(ctx, h, p)
	c.wlock.unlock()
	return err
}

func (c *Conn) writeFrameLocked(ctx context.Context, h Header, p []byte) error {
	if err := c.beginFrameWrite(ctx, h.Opcode); err != nil {
		return err
	}
	h.Length = int64(len(p))
	if c.role == RoleClient {
		// RFC 6455 §5.3: "The masking key is a 32-bit value chosen at
		// random by the client. When sending a frame, the client MUST
		// pick a fresh masking key from the set of allowed 32-bit values."
		h.Masked = true
		h.Key = c.nextKey()
	}
	return c.endFrameWrite(ctx, c.writeHeaderPayload(h, p))
}

// beginFrameWrite checks, with wlock held, that a frame of opcode op may
// still be written, and starts watching ctx for the write.
func (c *Conn) beginFrameWrite(ctx context.Context, op Opcode) error {
	if c.closed() {
		return c.reason(errClosedConn)
	}
	// RFC 6455 §5.5.1: "After sending a Close frame, the endpoint MUST
	// NOT send any further data frames." Nor do we send control frames.
	if op != OpClose && c.closeSent.Load() {
		return c.reason(errCloseSent)
	}
	return c.writeWatch.start(ctx)
}

// endFrameWrite stops watching ctx and returns the write's error. A
// failed write fails the connection: part of the frame may have gone
// out, and the stream is broken.
func (c *Conn) endFrameWrite(ctx context.Context, err error) error {
	c.writeWatch.end(ctx)
	if err == nil {
		return nil
	}
	if cerr := ctxErr(ctx, err); cerr != nil {
		err = cerr
	}
	c.closeNow(err)
	return c.reason(err)
}

// Write buffers: a frame is copied with its header into a pooled buffer,
// masked there for a client, and sent with one write; a frame larger than
// the buffer goes out in pieces of its size. Frames that fit take a
// writeBufSize buffer, larger ones a bigWriteBufSize one, which holds a
// 64 KiB payload with its header.
//
// A server's large payload is copied too, not sent with writev straight
// from the caller's memory. The kernel copies a send's bytes into a page
// fragment of the socket that usually starts at offset 0, so with writev
// the header lands at 0 and a page-aligned payload right after it: its
// destination lies a few bytes past its source, modulo 4 KiB. On AMD's
// Zen cores that makes the kernel's copy (rep movsb) several times slower
// (4K aliasing: each load seems to depend on a store just made). Measured
// on this project's machine (AMD EPYC), one connection echoing, server and
// client on one CPU, three runs each: 64 KiB messages 12,974 to 13,445
// round trips a second with writev, 18,097 to 19,073 with the copy; 16 KiB
// 31,654 to 35,085 against 36,256 to 37,063. The copy itself takes about
// 1.2 µs per 64 KiB (copy ran at 54 GB/s there). The price is
// memory while a write waits for a full socket (a peer that stopped
// reading): it holds its buffer, at most 64 KiB beyond the message.
const (
	writeBufSize    = 16 << 10
	bigWriteBufSize = 64<<10 + MaxHeaderSize
)

var (
	writeBufPool    = sync.Pool{New: func() any { return new([writeBufSize]byte) }}
	bigWriteBufPool = sync.Pool{New: func() any { return new([bigWriteBufSize]byte) }}
)

// writeHeaderPayload writes h and its payload p (unmasked; masked here
// when h.Masked).
func (c *Conn) writeHeaderPayload(h Header, p []byte) error {
	hdr := AppendHeader(c.hbuf[:0], h)
	var buf []byte
	if len(hdr)+len(p) <= writeBufSize {
		wb := writeBufPool.Get().(*[writeBufSize]byte)
		defer writeBufPool.Put(wb)
		buf = wb[:]
	} else {
		wb := bigWriteBufPool.Get().(*[bigWriteBufSize]byte)
		defer bigWriteBufPool.Put(wb)
		buf = wb[:]
	}
	b := buf[:copy(buf, hdr)]
	pos := 0
	for {
		n := copy(buf[len(b):], p[pos:])
		if h.Masked {
			Mask(buf[len(b):len(b)+n], h.Key, pos)
		}
		pos += n
		if err := c.send(buf[:len(b)+n]); err != nil {
			return err
		}
		if pos == len(p) {
			break
		}
		b = buf[:0]
	}
	if c.observer != nil {
		sent := p // the payload as it went out
		if h.Masked {
			if len(hdr)+len(p) <= len(buf) {
				sent = buf[len(hdr) : len(hdr)+len(p)] // masked in place, in one piece
			} else {
				sent = append([]byte(nil), p...) // sent in pieces: mask a copy
				Mask(sent, h.Key, 0)
			}
		}
		c.observeOut(h, hdr, sent, p)
	}
	return nil
}

// send writes all of p: with system calls of our own on a plain socket
// (writeAll), else through nc. The caller holds wlock.
func (c *Conn) send(p []byte) error {
	if c.raw != nil {
		return c.writeAll(p)
	}
	_, err := c.nc.Write(p)
	return err
}

// nextKey returns a fresh masking key from crypto/rand, read 16 keys at a
// time. The caller holds wlock.
func (c *Conn) nextKey() (k [4]byte) {
	if c.keyPos+4 > len(c.keys) {
		rand.Read(c.keys)
		c.keyPos = 0
	}
	copy(k[:], c.keys[c.keyPos:])
	c.keyPos += 4
	return k
}

// writeClose sends a close frame with code and reason before deadline.
func (c *Conn) writeClose(code StatusCode, reason string, deadline time.Time) error {
	p := AppendClosePayload(make([]byte, 0, MaxControlPayload), code, reason)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	return c.writeFrame(ctx, true, OpClose, p)
}
