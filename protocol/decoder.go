package protocol

import (
	"bytes"
	"errors"
)

// Decoder reads frames from bytes as a receiving endpoint would, for
// tools that show frames rather than act on them ("wiretalk decode"). It
// judges each frame by the rules Conn's reader applies, in the same order
// and the same words, and fills in Frame.Message and Frame.Err as the
// reader does for its Observer. Unlike the reader it reads on after a
// violation, to show the rest: Err then holds every rule the frame breaks
// (joined with errors.Join), and a data message that interrupts another
// starts afresh. The zero value judges frames as a server receives them.
type Decoder struct {
	// Role is the end receiving the frames: it decides which MASK bit is
	// wrong (RFC 6455 §5.1).
	Role Role
	// AnyMask accepts masked and unmasked frames alike, for bytes whose
	// sender is not known.
	AnyMask bool
	// Deflate reads the frames as permessage-deflate (RFC 7692) was
	// negotiated: RSV1 marks a message's first frame compressed, is a
	// violation elsewhere, and a compressed message's bytes are not
	// checked as text (its text is what inflates from them).
	Deflate bool

	open     bool   // a fragmented message is open
	msgOp    Opcode // its type
	utf8     UTF8Validator
	utf8Bad  bool // the text message is already known not to be UTF-8
	deflated bool // the message is compressed (Deflate, RSV1 on its first frame)
	closed   bool // a close frame has been decoded
}

// ErrShortFrame is returned by Decoder.Decode when the bytes end inside
// the frame's payload.
var ErrShortFrame = errors.New("websocket: frame payload is incomplete")

// ErrLengthUnknown is returned by Decoder.Decode for a 64-bit payload
// length with its most significant bit set (RFC 6455 §5.2): where the
// frame ends, and the next begins, cannot be known.
var ErrLengthUnknown = errors.New("websocket: frame length has its most significant bit set")

// Decode reads the frame at the start of b and returns it with the number
// of bytes it takes. Raw and Payload are slices of b; Unmasked is a copy
// when the frame is masked. Dir is Inbound and Time is zero.
//
// When b ends inside the header, Decode returns ErrShortHeader. When it
// ends inside the payload (ErrShortFrame), or the payload's length is
// unknown (ErrLengthUnknown), it returns the frame without its payload,
// judged by its header alone, n is the header's size, and the messages
// followed so far are as they were.
func (d *Decoder) Decode(b []byte) (f Frame, n int, err error) {
	h, n, herr := ParseHeader(b)
	if errors.Is(herr, ErrShortHeader) {
		return Frame{}, 0, herr
	}
	f = Frame{Dir: Inbound, Header: h, Raw: b[:n]}
	var errs []error
	if herr != nil {
		errs = append(errs, herr)
	}
	role := d.Role
	if d.AnyMask {
		role = RoleClient
		if h.Masked {
			role = RoleServer
		}
	}
	errs = append(errs, h.Violations(role, d.allowedRsv())...)
	if err := d.deflateRules(h); err != nil {
		errs = append(errs, err)
	}
	switch {
	case b[1]&^bitMask == 127 && b[2]&0x80 != 0:
		err = ErrLengthUnknown
	case int64(len(b)-n) < h.Length:
		err = ErrShortFrame
	}
	if err != nil {
		f.Err = errors.Join(errs...)
		return f, n, err
	}
	end := n + int(h.Length)
	f.Payload, f.Unmasked = b[n:end], b[n:end]
	if h.Masked {
		f.Unmasked = bytes.Clone(f.Payload)
		Mask(f.Unmasked, h.Key, 0)
	}
	// RFC 6455 §5.5.1: "After sending a Close frame, the endpoint MUST
	// NOT send any further data frames." A reader stops at the close and
	// never sees them; a Decoder, which reads on, says so.
	if d.closed && !h.Opcode.IsControl() && !h.Opcode.IsReserved() {
		errs = append(errs, violationf("5.5.1", "a %s frame after the close frame: no data may follow a close", h.Opcode))
	}
	switch {
	case h.Opcode == OpClose:
		d.closed = true
		if _, err := ParseClosePayload(f.Unmasked); err != nil {
			errs = append(errs, err)
		}
	case !h.Opcode.IsControl() && !h.Opcode.IsReserved():
		f.Message = messageOf(h, d.open, d.msgOp)
		if err := fragmentRule(h, d.open, d.msgOp); err != nil {
			errs = append(errs, err)
		}
		errs = d.follow(h, f.Unmasked, errs)
	}
	f.Err = errors.Join(errs...)
	return f, end, nil
}

// follow takes data frame h with payload p into the message it belongs
// to, checking text as the reader does (RFC 6455 §8.1), and appends what
// it finds to errs.
func (d *Decoder) follow(h Header, p []byte, errs []error) []error {
	if h.Opcode == OpContinuation && !d.open {
		return errs // nothing to continue
	}
	if h.Opcode != OpContinuation {
		d.msgOp = h.Opcode
		d.utf8.Reset()
		d.utf8Bad = false
		d.deflated = d.Deflate && h.Rsv1
	}
	if d.msgOp == OpText && !d.utf8Bad && !d.deflated {
		before := d.utf8
		if !d.utf8.Write(p) {
			d.utf8Bad = true
			errs = append(errs, invalidUTF8(before, p, 0))
		} else if h.Fin && !d.utf8.Complete() {
			d.utf8Bad = true
			errs = append(errs, errTextEndsInCodePoint)
		}
	}
	d.open = !h.Fin
	return errs
}

// Open reports the fragmented message still open after the frames
// decoded so far: its type, or 0 when none is.
func (d *Decoder) Open() Opcode {
	if !d.open {
		return 0
	}
	return d.msgOp
}

// allowedRsv is what Header.Violations may find set: RSV1 with Deflate.
func (d *Decoder) allowedRsv() byte {
	if d.Deflate {
		return bitRsv1
	}
	return 0
}

// deflateRules are RFC 7692 §6.1's, with Deflate: RSV1 on a control frame
// or a continuation means nothing, and breaks RFC 6455 §5.2.
func (d *Decoder) deflateRules(h Header) error {
	switch {
	case !d.Deflate || !h.Rsv1:
		return nil
	case h.Opcode.IsControl():
		return violationf("5.2", "RSV1 (compressed) set on a %s frame: control frames are never compressed (RFC 7692 §6.1)", h.Opcode)
	case h.Opcode == OpContinuation:
		return violationf("5.2", "RSV1 (compressed) set on a continuation frame: only a message's first frame carries it (RFC 7692 §6.1)")
	}
	return nil
}
