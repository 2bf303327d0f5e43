package protocol

import (
	"context"
	"errors"
	"io"
	"math"
	"unicode/utf8"
)

// Read reads the next data message whole and returns its opcode (OpText
// or OpBinary) and payload. The payload is owned by c and valid until the
// next Read or Reader call; in steady state Read does not allocate.
//
// Control frames that arrive meanwhile are handled: a ping is answered
// with a pong, a pong is recorded (LastPong), and a close frame is
// answered and ends the connection, Read returning the peer's
// *CloseError. A violation of RFC 6455 fails the connection and Read
// returns the *ProtocolError. A message whose frames announce more than
// the read limit fails with 1009 before its excess is read.
func (c *Conn) Read(ctx context.Context) (Opcode, []byte, error) {
	if err := c.beginRead(ctx); err != nil {
		return 0, nil, err
	}
	// The last message is the caller's no more: do not hold its buffer
	// while waiting for the next.
	c.dropMsg()
	op, p, ok, err := c.readWhole(ctx)
	if !ok {
		op, p, err = c.readMessage(ctx)
	}
	c.endRead(ctx)
	return op, p, err
}

// readWhole is Read's fast path for the common message: one frame, FIN
// set, whose header and payload are all in the pooled read buffer, or
// arrive whole with the one read made when the buffer is empty. It
// checks what nextDataFrame and consumed would (reserved bits, opcode,
// mask bit, minimal length, read limit, UTF-8) and lends the payload in
// place. ok is false, with every buffered byte left where it was, for
// anything else (a control frame, a fragment, a frame not all there, an
// error in the header, an observer to feed), and readMessage then reads
// the same bytes the general way, through half a dozen more calls.
func (c *Conn) readWhole(ctx context.Context) (op Opcode, p []byte, ok bool, err error) {
	if c.msgActive || c.obs != nil {
		return 0, nil, false, nil
	}
	if c.rpos == c.rend && c.raw != nil {
		c.rpos, c.rend = 0, 0
		if err := c.readIdle(); err != nil {
			return 0, nil, true, c.readErr(ctx, err)
		}
	}
	if c.rpooled == nil {
		return 0, nil, false, nil
	}
	b := c.rbuf[c.rpos:c.rend]
	if len(b) < 2 {
		return 0, nil, false, nil
	}
	b0, b1 := b[0], b[1]
	op = Opcode(b0 & 0xF)
	masked := b1&bitMask != 0
	if b0&(bitFin|bitRsv1|bitRsv2|bitRsv3) != bitFin || (op != OpText && op != OpBinary) ||
		masked != (c.role == RoleServer) {
		return 0, nil, false, nil
	}
	n, hl := int(b1&^bitMask), 2
	switch {
	case n == 126 && len(b) >= 4:
		n, hl = int(b[2])<<8|int(b[3]), 4
		if n < 126 {
			return 0, nil, false, nil // not minimal: readMessage says so
		}
	case n >= 126:
		return 0, nil, false, nil
	}
	keyAt := hl
	if masked {
		hl += 4
	}
	if len(b) < hl+n {
		return 0, nil, false, nil
	}
	if limit := c.readLimit.Load(); limit > 0 && int64(n) > limit {
		return 0, nil, false, nil
	}
	p = b[hl : hl+n]
	if masked {
		Mask(p, [4]byte(b[keyAt:keyAt+4]), 0)
	}
	c.rpos += hl + n
	c.dropMsg()
	c.msgOp = op
	// RFC 6455 §8.1: a text message that is not valid UTF-8 fails the
	// connection.
	if op == OpText && !utf8.Valid(p) {
		return 0, nil, true, c.fail(invalidUTF8(UTF8Validator{}, p, 0))
	}
	c.lent = true
	return op, p, true, nil
}

// Reader waits for the next data message and returns its opcode and a
// reader of its payload, which returns io.EOF at the message's end. The
// reader is valid until the next Reader or Read call, which skips what is
// left of the message; reading from it after that reads the newer
// message. ctx bounds the whole message.
func (c *Conn) Reader(ctx context.Context) (Opcode, io.Reader, error) {
	if err := c.beginRead(ctx); err != nil {
		return 0, nil, err
	}
	err := c.startMessage(ctx)
	c.endRead(ctx)
	if err != nil {
		return 0, nil, err
	}
	c.reader.ctx = ctx
	return c.msgOp, &c.reader, nil
}

// beginRead takes the read lock and applies ctx to the socket.
func (c *Conn) beginRead(ctx context.Context) error {
	if err := c.lock(ctx, &c.rlock); err != nil {
		return err
	}
	c.lent = false // the last payload Read returned is the caller's no more
	if c.closed() {
		if len(c.rbuf) != smallReadSize {
			c.releaseReadBuf()
		}
		c.rlock.unlock()
		return c.reason(errClosedConn)
	}
	if err := c.readWatch.start(ctx); err != nil {
		c.rlock.unlock()
		return err
	}
	return nil
}

func (c *Conn) endRead(ctx context.Context) {
	c.readWatch.end(ctx)
	if c.closed() && len(c.rbuf) != smallReadSize && !c.lent {
		c.releaseReadBuf()
	}
	c.rlock.unlock()
}

var errClosedConn = errors.New("websocket: connection closed")

// startMessage skips what is left of the previous message and reads up to
// the first data frame of the next.
func (c *Conn) startMessage(ctx context.Context) error {
	if c.deflate != nil {
		if err := c.skipInflating(ctx); err != nil {
			return err
		}
	}
	for c.msgActive {
		if err := c.skipPayload(ctx); err != nil {
			return err
		}
		if c.msgActive {
			if err := c.nextDataFrame(ctx); err != nil {
				return err
			}
		}
	}
	c.dropMsg()
	return c.nextDataFrame(ctx)
}

// dropMsg gives back the buffer of the message the last Read returned:
// the caller's no more once the next message is read.
func (c *Conn) dropMsg() {
	if c.msg != nil {
		putMsgBuffer(c.msg)
		c.msg = nil
	}
}

func (c *Conn) readMessage(ctx context.Context) (Opcode, []byte, error) {
	if err := c.startMessage(ctx); err != nil {
		return 0, nil, err
	}
	if c.msgCompressed {
		return c.readCompressed(ctx)
	}
	if c.hdr.Fin && c.left > 0 && c.left <= int64(c.rend-c.rpos) && c.rpooled != nil {
		// The common case: a message of one frame, already read whole
		// into the pooled buffer. It is unmasked and returned where it
		// lies, lent to the caller until the next Read or Reader call.
		n := int(c.left)
		p := c.rbuf[c.rpos : c.rpos+n]
		c.rpos += n
		if err := c.consumed(p); err != nil {
			return 0, nil, err
		}
		c.lent = true
		return c.msgOp, p, nil
	}
	var buf []byte
	for {
		if c.left > 0 {
			if need := int64(len(buf)) + c.left; need > int64(cap(buf)) {
				if need > maxWholeMessage {
					return 0, nil, c.failFrame(tooBig("message too big to read whole"))
				}
				buf = c.growMsg(buf, int(need))
			}
			n, err := c.readPayload(ctx, buf[len(buf):len(buf)+int(c.left)])
			buf = buf[:len(buf)+n]
			if err != nil {
				return 0, nil, err
			}
			continue
		}
		if !c.msgActive {
			return c.msgOp, buf, nil
		}
		if err := c.nextDataFrame(ctx); err != nil {
			return 0, nil, err
		}
	}
}

// nextDataFrame reads frame headers up to the next data frame, handling
// the control frames before it, and checks the rules that span frames.
func (c *Conn) nextDataFrame(ctx context.Context) error {
	for {
		h, err := c.readHeader()
		if err != nil {
			return c.readErr(ctx, err)
		}
		if err := c.checkHeader(h); err != nil {
			return c.failFrame(err)
		}
		if h.Opcode.IsControl() {
			if err := c.handleControl(ctx, h); err != nil {
				return err
			}
			continue
		}
		if err := fragmentRule(h, c.msgActive, c.msgOp); err != nil {
			return c.failFrame(err)
		}
		if h.Opcode != OpContinuation {
			c.msgActive = true
			c.msgOp = h.Opcode
			c.msgCompressed = h.Rsv1
			if h.Rsv1 {
				c.deflate.pending = true
			}
			c.msgSize = 0
			c.utf8.Reset()
		}
		// Judge the message by the lengths announced, before reading them.
		if limit := c.wireLimit(); limit > 0 && h.Length > limit-c.msgSize {
			return c.failFrame(tooBig("message of at least %d bytes is over the %d-byte limit", c.msgSize+h.Length, limit))
		}
		c.msgSize += h.Length
		c.hdr = h
		c.left = h.Length
		c.maskPos = 0
		if c.left == 0 {
			return c.frameDone()
		}
		return nil
	}
}

// maxWholeMessage is the largest message Read returns whole, whatever the
// read limit; larger ones need Reader.
const maxWholeMessage = math.MaxInt32

// readErr turns an error from reading the socket or parsing a header into
// what Read returns, failing or closing the connection as needed.
func (c *Conn) readErr(ctx context.Context, err error) error {
	if c.closed() {
		return c.reason(err)
	}
	var pe *ProtocolError
	if errors.As(err, &pe) {
		return c.fail(err)
	}
	if cerr := ctxErr(ctx, err); cerr != nil {
		if !c.msgActive {
			// Still waiting for a message: nothing is lost, whatever part
			// of a header arrived stays buffered.
			return cerr
		}
		err = cerr
	} else if err == io.EOF && c.msgActive {
		err = io.ErrUnexpectedEOF
	}
	c.closeNow(err)
	return c.reason(err)
}

// readPayload reads up to len(p) bytes of the current frame's payload
// into p, unmasked and checked.
func (c *Conn) readPayload(ctx context.Context, p []byte) (int, error) {
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	var n int
	switch {
	case c.rpos < c.rend:
		n = copy(p, c.rbuf[c.rpos:c.rend])
		c.rpos += n
	case len(p) >= readBufSize:
		// Large reads go straight into p, as bufio does: no copy and
		// never a byte beyond this frame.
		var err error
		n, err = c.nc.Read(p)
		if n == 0 {
			if err == nil {
				return 0, nil
			}
			return 0, c.readErr(ctx, unexpectedEOF(err))
		}
	default:
		if err := c.fill(1); err != nil {
			return 0, c.readErr(ctx, unexpectedEOF(err))
		}
		n = copy(p, c.rbuf[c.rpos:c.rend])
		c.rpos += n
	}
	return n, c.consumed(p[:n])
}

// skipPayload reads and discards the rest of the current frame's payload,
// still checking it.
func (c *Conn) skipPayload(ctx context.Context) error {
	for c.left > 0 {
		if c.rpos == c.rend {
			if err := c.fill(1); err != nil {
				return c.readErr(ctx, unexpectedEOF(err))
			}
		}
		n := int(min(c.left, int64(c.rend-c.rpos)))
		p := c.rbuf[c.rpos : c.rpos+n]
		c.rpos += n
		if err := c.consumed(p); err != nil {
			return err
		}
	}
	return nil
}

// consumed processes p, the next bytes of the current frame's payload:
// it unmasks them, validates text, and finishes the frame at its end.
func (c *Conn) consumed(p []byte) error {
	if c.obs != nil {
		c.obs.masked = append(c.obs.masked, p...)
	}
	if c.hdr.Masked {
		c.maskPos = Mask(p, c.hdr.Key, c.maskPos)
	}
	if c.obs != nil {
		c.obs.unmasked = append(c.obs.unmasked, p...)
	}
	// RFC 6455 §8.1: an endpoint that finds a text message is not valid
	// UTF-8 "MUST _Fail the WebSocket Connection_". We check each piece
	// as it arrives, so a message is failed at its first bad byte.
	// A compressed message is checked as it is inflated.
	if c.msgOp == OpText && !c.msgCompressed {
		before := c.utf8
		if !c.utf8.Write(p) {
			return c.failFrame(invalidUTF8(before, p, c.hdr.Length-c.left))
		}
	}
	c.left -= int64(len(p))
	if c.left == 0 {
		return c.frameDone()
	}
	return nil
}

// frameDone finishes a data frame whose payload has been read.
func (c *Conn) frameDone() error {
	if !c.hdr.Fin {
		c.observeIn()
		return nil
	}
	c.msgActive = false
	// A text message may not end in the middle of a code point.
	if c.msgOp == OpText && !c.msgCompressed && !c.utf8.Complete() {
		return c.failFrame(errTextEndsInCodePoint)
	}
	c.observeIn()
	return nil
}

// failFrame fails the connection with err, a violation found in the
// frame being read, and shows that frame to the observer with err.
func (c *Conn) failFrame(err error) error {
	if c.obs != nil && c.obs.pending {
		c.obs.err = err
	}
	c.observeIn()
	return c.fail(err)
}

// msgReader is the io.Reader that Reader returns; each Conn has one.
type msgReader struct {
	c   *Conn
	ctx context.Context
}

func (r *msgReader) Read(p []byte) (int, error) {
	c := r.c
	ctx := r.ctx
	if ctx == nil {
		return 0, io.EOF
	}
	if err := c.beginRead(ctx); err != nil {
		return 0, err
	}
	n, err := r.read(p)
	c.endRead(ctx)
	return n, err
}

func (r *msgReader) read(p []byte) (int, error) {
	c := r.c
	if c.msgCompressed && (c.deflate.pending || c.deflate.inflating) {
		return c.readInflated(r.ctx, p)
	}
	return c.readMessagePayload(r.ctx, p)
}

// readMessagePayload reads up to len(p) bytes of the current message's
// payload as it is on the wire (unmasked, not inflated), going on to the
// message's next frame when this one is done, and io.EOF after its last.
// Reader's streaming reads and the Inflater's source (rawMsgReader) both
// read so.
func (c *Conn) readMessagePayload(ctx context.Context, p []byte) (int, error) {
	for c.left == 0 {
		if !c.msgActive {
			return 0, io.EOF
		}
		if err := c.nextDataFrame(ctx); err != nil {
			return 0, err
		}
	}
	if len(p) == 0 {
		return 0, nil
	}
	return c.readPayload(ctx, p)
}
