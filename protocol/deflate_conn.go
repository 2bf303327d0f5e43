package protocol

import (
	"context"
	"io"
	"strings"
	"sync"
	"unicode/utf8"
)

// How Conn uses permessage-deflate once negotiated (RFC 7692 §6): RSV1
// marks a compressed message on its first frame; the reader inflates,
// the writers compress. Everything here runs under the read lock
// (inflating) or the message lock (compressing), which serialize the
// codec's state as they serialize messages.

// connDeflate is a connection's permessage-deflate state; Conn.deflate
// is nil when the extension was not negotiated.
type connDeflate struct {
	cfg    deflateConfig
	params DeflateParams // the server's answer
	// webkit: the peer is a WebKit user agent (Safari, every iOS
	// browser), which is known to mishandle compressed messages sent in
	// fragments (coder/websocket#218, gorilla/websocket#731,
	// nats-server#2613): a fragmented message goes to it uncompressed.
	webkit bool

	enc *deflater // made at the first compressed message

	// Reading.
	dec       Inflater
	pending   bool  // a compressed message has started and not been inflated yet
	inflating bool  // Reader's message is being inflated (dec begun)
	inflated  int64 // bytes it has inflated so far
	raw       rawMsgReader
}

func newConnDeflate(cfg *deflateConfig, params DeflateParams, webkit bool) *connDeflate {
	d := &connDeflate{cfg: *cfg, params: params, webkit: webkit}
	d.dec.Takeover = cfg.recvTakeover
	return d
}

// compresses reports whether a message of n bytes goes out compressed.
func (d *connDeflate) compresses(n int) bool {
	return n >= d.cfg.threshold && (d.cfg.sendMax == 0 || n <= d.cfg.sendMax)
}

func (d *connDeflate) encoder() *deflater {
	if d.enc == nil {
		d.enc = newDeflater(&d.cfg)
	}
	return d.enc
}

// webKitAgent reports whether a User-Agent is WebKit's and not
// Chromium's (whose agent strings also name AppleWebKit and Safari).
// Chrome on iOS (CriOS) is WebKit underneath, and counts as WebKit.
func webKitAgent(ua string) bool {
	return (strings.Contains(ua, "AppleWebKit") || strings.Contains(ua, "Safari")) &&
		!strings.Contains(ua, "Chrome") && !strings.Contains(ua, "Chromium")
}

// Negotiated returns the permessage-deflate parameters the handshake
// settled on, and false when the extension is not in use.
func (c *Conn) Negotiated() (DeflateParams, bool) {
	if c.deflate == nil {
		return DeflateParams{}, false
	}
	return c.deflate.params, true
}

// compressedPool holds buffers for compressed messages being sent.
var compressedPool = sync.Pool{New: func() any { return new([]byte) }}

// writeCompressed sends p as one compressed message: in one frame, or in
// fragments of size bytes of compressed data when size > 0. RSV1 is set
// on the first frame only (RFC 7692 §6.1: "An endpoint MUST NOT set the
// "Per-Message Compressed" bit of control frames and non-first fragments
// of a data message"). The caller holds msgLock.
func (c *Conn) writeCompressed(ctx context.Context, op Opcode, p []byte, size int) error {
	bp := compressedPool.Get().(*[]byte)
	z := c.deflate.encoder().compress((*bp)[:0], p)
	defer func() {
		if cap(z) <= 1<<20 {
			*bp = z[:0]
			compressedPool.Put(bp)
		}
	}()
	if size <= 0 {
		size = max(len(z), 1)
	}
	for first := true; ; first = false {
		n := min(size, len(z))
		h := Header{Fin: n == len(z), Rsv1: first, Opcode: OpContinuation}
		if first {
			h.Opcode = op
		}
		if err := c.writeFrameHeader(ctx, h, z[:n]); err != nil {
			if !first {
				c.abandonMessage(err)
			}
			return err
		}
		if h.Fin {
			return nil
		}
		z = z[n:]
	}
}

// writeWriterFrame sends what a Writer's Write or Close gives: as it is,
// or compressed when the extension is in use and the peer is not WebKit
// (whose user agents mishandle fragmented compressed messages). The
// compressor may hold bytes back; a Write that produces none sends no
// frame. It reports whether a frame went out.
func (w *msgWriter) frame(p []byte, fin bool) (bool, error) {
	c := w.c
	d := c.deflate
	if d == nil || d.webkit {
		if !fin && len(p) == 0 {
			return false, nil
		}
		return true, c.writeFrameHeader(w.ctx, Header{Fin: fin, Opcode: w.op}, p)
	}
	enc := d.encoder()
	if !w.sent && !w.compressing {
		enc.begin(nil)
		w.compressing = true
	}
	var z []byte
	if len(p) > 0 {
		z = enc.write(p)
	}
	if fin {
		enc.keep(z)
		z = enc.finish()
		w.compressing = false
	}
	if !fin && len(z) == 0 {
		return false, nil
	}
	return true, c.writeFrameHeader(w.ctx, Header{Fin: fin, Rsv1: !w.sent, Opcode: w.op}, z)
}

// endCompressing drops a message being compressed that cannot be
// finished: the connection is closing.
func (w *msgWriter) endCompressing() {
	if w.compressing {
		w.c.deflate.enc.release()
		w.compressing = false
	}
}

// readCompressed reads the rest of a compressed message whole and
// inflates it, for Read. The message's first frame header has been read.
func (c *Conn) readCompressed(ctx context.Context) (Opcode, []byte, error) {
	d := c.deflate
	d.pending = false
	d.raw = rawMsgReader{c: c, ctx: ctx}
	d.dec.Begin(&d.raw, nil)
	limit := c.readLimit.Load()
	// Text compresses 3 to 5 times: guess from the first frame.
	guess := min(max(4*c.left, 512), 1<<20)
	if limit > 0 {
		guess = min(guess, limit)
	}
	m := getMsgBuffer(int(guess))
	var probe [1]byte
	for {
		room := m.b[len(m.b):cap(m.b)]
		switch {
		case limit > 0 && int64(len(m.b)) == limit:
			// Full to the limit: one byte more fails the message.
			room = probe[:]
		case len(room) == 0:
			if cap(m.b) >= maxWholeMessage {
				d.dec.End(false)
				putMsgBuffer(m)
				return 0, nil, c.fail(&ProtocolError{Code: StatusMessageTooBig, Rule: "10.4", Reason: "message too big to read whole"})
			}
			size := int64(2 * cap(m.b))
			if limit > 0 {
				size = min(size, limit) // a 32 MiB limit takes a 32 MiB buffer at most
			}
			bigger := getMsgBuffer(int(size))
			bigger.b = append(bigger.b[:0], m.b...)
			putMsgBuffer(m)
			m = bigger
			room = m.b[len(m.b):cap(m.b)]
		}
		if limit > 0 {
			room = room[:min(int64(len(room)), max(limit-int64(len(m.b)), 1))]
		}
		n, err := d.dec.Read(room)
		if &room[0] == &probe[0] {
			if n > 0 {
				err = tooBigInflated(limit)
			}
		} else {
			m.b = m.b[:len(m.b)+n]
		}
		if err == io.EOF {
			d.dec.End(true)
			break
		}
		if err != nil {
			d.dec.End(false)
			putMsgBuffer(m)
			return 0, nil, c.readFailed(err)
		}
	}
	// A message may end its DEFLATE stream (BFINAL) before its last
	// frame: read what is left.
	if _, err := io.Copy(io.Discard, &d.raw); err != nil {
		putMsgBuffer(m)
		return 0, nil, err
	}
	c.dropMsg()
	c.msg = m
	if c.msgOp == OpText && !utf8.Valid(m.b) {
		return 0, nil, c.fail(errInflatedNotUTF8)
	}
	return c.msgOp, m.b, nil
}

// readFailed fails the connection for an error of inflating (a
// *ProtocolError: 1007 or 1009); errors of reading the frames have done
// what they must already.
func (c *Conn) readFailed(err error) error {
	if pe, ok := err.(*ProtocolError); ok && !c.closed() {
		return c.fail(pe)
	}
	return err
}

// readInflated is Reader's read of a compressed message: inflated bytes
// of the message, checked against the read limit and, for text, UTF-8.
func (c *Conn) readInflated(ctx context.Context, p []byte) (int, error) {
	d := c.deflate
	if d.pending {
		d.pending = false
		d.raw = rawMsgReader{c: c, ctx: ctx}
		d.dec.Begin(&d.raw, nil)
		d.inflating = true
		d.inflated = 0
	}
	d.raw.ctx = ctx
	if limit := c.readLimit.Load(); limit > 0 && int64(len(p)) > limit+1-d.inflated {
		p = p[:limit+1-d.inflated]
	}
	n, err := d.dec.Read(p)
	d.inflated += int64(n)
	if limit := c.readLimit.Load(); limit > 0 && d.inflated > limit {
		d.endInflating(false)
		return 0, c.fail(tooBigInflated(limit))
	}
	if c.msgOp == OpText && !c.utf8.Write(p[:n]) {
		d.endInflating(false)
		return 0, c.fail(errInflatedNotUTF8)
	}
	switch {
	case err == io.EOF:
		d.endInflating(true)
		if _, err := io.Copy(io.Discard, &d.raw); err != nil {
			return n, err
		}
		if c.msgOp == OpText && !c.utf8.Complete() {
			return n, c.fail(errInflatedNotUTF8)
		}
	case err != nil:
		d.endInflating(false)
		return n, c.readFailed(err)
	}
	return n, err
}

func (d *connDeflate) endInflating(complete bool) {
	if d.inflating {
		d.dec.End(complete)
		d.inflating = false
	}
}

// skipInflating finishes a compressed message that Reader's caller left
// unread. With context takeover it must still be inflated, since the
// messages after it may refer back to it.
func (c *Conn) skipInflating(ctx context.Context) error {
	d := c.deflate
	if !d.pending && !d.inflating {
		return nil
	}
	if !d.dec.Takeover {
		d.pending = false
		d.endInflating(false)
		return nil
	}
	var buf [512]byte
	for {
		_, err := c.readInflated(ctx, buf[:])
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// errInflatedNotUTF8: RFC 6455 §8.1 holds of a compressed text message
// once inflated.
var errInflatedNotUTF8 = &ProtocolError{Code: StatusInvalidPayload, Rule: "8.1", Reason: "text is not valid UTF-8 once inflated"}

// wireLimit is the most the frames of the current message may carry: the
// read limit, or for a compressed message (held to the limit once
// inflated) an eighth more and 1 KiB, which DEFLATE's worst expansion of
// incompressible data stays under. 0: no limit.
func (c *Conn) wireLimit() int64 {
	limit := c.readLimit.Load()
	if limit > 0 && c.msgCompressed {
		limit += limit/8 + 1024
	}
	return limit
}

// checkHeader is Header.Check with the reserved bit permessage-deflate
// defines, when it was negotiated.
func (c *Conn) checkHeader(h Header) error {
	if c.deflate == nil {
		return h.Check(c.role, 0)
	}
	if err := h.Check(c.role, bitRsv1); err != nil {
		return err
	}
	// RFC 7692 §6.1: "An endpoint MUST NOT set the "Per-Message
	// Compressed" bit of control frames and non-first fragments of a data
	// message." RFC 6455 §5.2 gives RSV1 no other meaning there, so a
	// receiver fails the connection.
	if h.Rsv1 && h.Opcode.IsControl() {
		return violationf("5.2", "RSV1 (compressed) set on a %s frame: control frames are never compressed (RFC 7692 §6.1)", h.Opcode)
	}
	if h.Rsv1 && h.Opcode == OpContinuation {
		return violationf("5.2", "RSV1 (compressed) set on a continuation frame: only a message's first frame carries it (RFC 7692 §6.1)")
	}
	return nil
}

// rawMsgReader reads the payload of the current message as it is on the
// wire (compressed), frame after frame, for the Inflater. The caller
// holds the read lock.
type rawMsgReader struct {
	c   *Conn
	ctx context.Context
}

func (r *rawMsgReader) Read(p []byte) (int, error) {
	c := r.c
	if c == nil {
		return 0, io.EOF
	}
	return c.readMessagePayload(r.ctx, p)
}
