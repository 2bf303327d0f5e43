package protocol

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Opcode is a frame's 4-bit opcode (RFC 6455 §5.2, §11.8).
type Opcode uint8

// The opcodes RFC 6455 defines. 0x3-0x7 are reserved for further data
// frames and 0xB-0xF for further control frames.
const (
	OpContinuation Opcode = 0x0
	OpText         Opcode = 0x1
	OpBinary       Opcode = 0x2
	OpClose        Opcode = 0x8
	OpPing         Opcode = 0x9
	OpPong         Opcode = 0xA
)

// String returns the opcode's name as the RFC gives it, or
// "reserved(0xN)".
func (o Opcode) String() string {
	switch o {
	case OpContinuation:
		return "continuation"
	case OpText:
		return "text"
	case OpBinary:
		return "binary"
	case OpClose:
		return "close"
	case OpPing:
		return "ping"
	case OpPong:
		return "pong"
	}
	return fmt.Sprintf("reserved(0x%X)", uint8(o))
}

// IsControl reports whether o is a control opcode: its most significant
// bit is set (RFC 6455 §5.5).
func (o Opcode) IsControl() bool { return o&0x8 != 0 }

// IsReserved reports whether o is one of the opcodes the RFC reserves for
// future use (0x3-0x7 and 0xB-0xF), or not an opcode at all.
func (o Opcode) IsReserved() bool {
	switch o {
	case OpContinuation, OpText, OpBinary, OpClose, OpPing, OpPong:
		return false
	}
	return true
}

// The bits of a frame's first byte.
const (
	bitFin  = 0x80
	bitRsv1 = 0x40
	bitRsv2 = 0x20
	bitRsv3 = 0x10
	bitMask = 0x80 // in the second byte
)

// MaxHeaderSize is the largest a frame header can be: 2 bytes, an 8-byte
// extended length and a 4-byte masking key.
const MaxHeaderSize = 14

// MaxControlPayload is the largest payload a control frame may carry.
// RFC 6455 §5.5: "All control frames MUST have a payload length of 125
// bytes or less and MUST NOT be fragmented."
const MaxControlPayload = 125

// Header is a frame header (RFC 6455 §5.2) as plain values. It knows
// nothing of connections, so the frame inspector and "wiretalk decode"
// use the same codec as Conn.
type Header struct {
	Fin              bool
	Rsv1, Rsv2, Rsv3 bool
	Opcode           Opcode
	Masked           bool
	Length           int64   // payload length in bytes
	Key              [4]byte // the masking key, when Masked
}

// Rsv returns the three reserved bits as they sit in the first byte
// (RSV1 = 0x40, RSV2 = 0x20, RSV3 = 0x10).
func (h Header) Rsv() byte {
	var b byte
	if h.Rsv1 {
		b |= bitRsv1
	}
	if h.Rsv2 {
		b |= bitRsv2
	}
	if h.Rsv3 {
		b |= bitRsv3
	}
	return b
}

// LengthSize returns how many bytes of extended payload length h is
// encoded with: 0 (the 7-bit field holds it), 2 or 8.
func (h Header) LengthSize() int {
	switch {
	case h.Length <= 125:
		return 0
	case h.Length <= 0xFFFF:
		return 2
	}
	return 8
}

// Size returns the number of bytes h encodes to.
func (h Header) Size() int {
	n := 2 + h.LengthSize()
	if h.Masked {
		n += 4
	}
	return n
}

// String describes h in one line, e.g. "FIN text len=5 masked key=37fa213d".
func (h Header) String() string {
	var b strings.Builder
	if h.Fin {
		b.WriteString("FIN ")
	}
	for i, set := range []bool{h.Rsv1, h.Rsv2, h.Rsv3} {
		if set {
			fmt.Fprintf(&b, "RSV%d ", i+1)
		}
	}
	fmt.Fprintf(&b, "%s len=%d", h.Opcode, h.Length)
	if h.Masked {
		fmt.Fprintf(&b, " masked key=%x", h.Key)
	}
	return b.String()
}

// AppendHeader appends h's wire encoding to dst, always with the shortest
// length encoding (RFC 6455 §5.2: "the minimal number of bytes MUST be
// used to encode the length"). A negative Length is encoded as 0.
func AppendHeader(dst []byte, h Header) []byte {
	b0 := byte(h.Opcode&0xF) | h.Rsv()
	if h.Fin {
		b0 |= bitFin
	}
	var b1 byte
	if h.Masked {
		b1 = bitMask
	}
	n := h.Length
	if n < 0 {
		n = 0
	}
	switch h.LengthSize() {
	case 0:
		dst = append(dst, b0, b1|byte(n))
	case 2:
		dst = append(dst, b0, b1|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, b0, b1|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	if h.Masked {
		dst = append(dst, h.Key[:]...)
	}
	return dst
}

// ErrShortHeader is returned by ParseHeader when b ends before the header
// does; more bytes are needed.
var ErrShortHeader = errors.New("websocket: frame header is incomplete")

// ParseHeader decodes the frame header at the start of b and returns it
// with the number of bytes it took. It returns ErrShortHeader when b holds
// only part of a header, and a *ProtocolError (close code 1002) for a
// length that breaks RFC 6455 §5.2: a 64-bit length with its most
// significant bit set, or a length not in its minimal encoding. With a
// *ProtocolError, h and n still describe the whole header as it was sent
// (Length is 0 when its most significant bit is set), so that a frame
// inspector can show it.
//
// ParseHeader checks only what the header alone can tell. Whether the
// reserved bits, opcode, MASK bit and control-frame rules are acceptable
// depends on the connection's role and extensions: see Header.Check.
func ParseHeader(b []byte) (h Header, n int, err error) {
	if len(b) < 2 {
		return h, 0, ErrShortHeader
	}
	b0, b1 := b[0], b[1]
	// The whole header must be there before any of it is judged, so that
	// ParseHeader and ReadHeader give the same answer for the same bytes.
	if len(b) < HeaderSize(b1) {
		return h, 0, ErrShortHeader
	}
	h.Fin = b0&bitFin != 0
	h.Rsv1 = b0&bitRsv1 != 0
	h.Rsv2 = b0&bitRsv2 != 0
	h.Rsv3 = b0&bitRsv3 != 0
	h.Opcode = Opcode(b0 & 0xF)
	h.Masked = b1&bitMask != 0
	n = 2
	switch l := b1 &^ bitMask; l {
	case 126:
		h.Length = int64(binary.BigEndian.Uint16(b[n:]))
		n += 2
		if h.Length <= 125 {
			err = violationf("5.2", "16-bit payload length %d is not minimal: it fits in 7 bits", h.Length)
		}
	case 127:
		u := binary.BigEndian.Uint64(b[n:])
		n += 8
		switch {
		case u>>63 != 0:
			// RFC 6455 §5.2: "the most significant bit MUST be 0".
			err = violationf("5.2", "64-bit payload length has its most significant bit set")
		case u <= 0xFFFF:
			h.Length = int64(u)
			err = violationf("5.2", "64-bit payload length %d is not minimal: it fits in 16 bits", h.Length)
		default:
			h.Length = int64(u)
		}
	default:
		h.Length = int64(l)
	}
	if h.Masked {
		copy(h.Key[:], b[n:n+4])
		n += 4
	}
	return h, n, err
}

// HeaderSize returns the size in bytes of a frame header whose second
// byte is b1: that byte says whether a 16- or 64-bit extended length and
// a masking key follow. It tells a reader how much to wait for after the
// first two bytes.
func HeaderSize(b1 byte) int {
	n := 2
	switch b1 &^ bitMask {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if b1&bitMask != 0 {
		n += 4
	}
	return n
}

// ReadHeader reads one frame header from r, using buf (at least
// MaxHeaderSize bytes) as scratch space so that it does not allocate. It
// reads exactly the header's bytes and no more. An io.EOF before the first
// byte is returned as is; an EOF inside the header is io.ErrUnexpectedEOF.
func ReadHeader(r io.Reader, buf []byte) (Header, error) {
	buf = buf[:MaxHeaderSize]
	if _, err := io.ReadFull(r, buf[:2]); err != nil {
		return Header{}, err
	}
	need := HeaderSize(buf[1])
	if need > 2 {
		if _, err := io.ReadFull(r, buf[2:need]); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return Header{}, err
		}
	}
	h, _, err := ParseHeader(buf[:need])
	return h, err
}

// Role says which end of a connection a check is made for.
type Role uint8

const (
	RoleServer Role = iota // reads frames from clients: they must be masked
	RoleClient             // reads frames from servers: they must not be
)

// Check reports, as a *ProtocolError carrying the close code to send,
// whether a frame with header h may be received by role. allowedRsv holds
// the reserved bits that a negotiated extension defines (0 without
// extensions). It enforces the per-frame rules of RFC 6455 §5.1, §5.2 and
// §5.5, and returns the first that h breaks; rules across frames
// (fragmentation order) belong to the reader.
func (h Header) Check(role Role, allowedRsv byte) error {
	// The frame of every message: nothing to look into. (Violations,
	// through check, says what is wrong when this is false.)
	if h.Rsv()&^allowedRsv == 0 && !h.Opcode.IsReserved() && h.Masked == (role == RoleServer) &&
		(!h.Opcode.IsControl() || h.Fin && h.Length <= MaxControlPayload) {
		return nil
	}
	for rule := range headerRules {
		if err := h.check(rule, role, allowedRsv); err != nil {
			return err
		}
	}
	return nil
}

// Violations returns every rule that Check tests and h breaks, in the
// same order: a frame inspector shows them all.
func (h Header) Violations(role Role, allowedRsv byte) []error {
	var errs []error
	for rule := range headerRules {
		if err := h.check(rule, role, allowedRsv); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// headerRules is the number of rules check knows.
const headerRules = 5

// check tests the per-frame rule number rule.
func (h Header) check(rule int, role Role, allowedRsv byte) error {
	switch rule {
	case 0:
		// RFC 6455 §5.2: "MUST be 0 unless an extension is negotiated
		// that defines meanings for non-zero values."
		if rsv := h.Rsv() &^ allowedRsv; rsv != 0 {
			return violationf("5.2", "RSV bits %03b set, but no extension was negotiated that defines them", rsv>>4)
		}
	case 1:
		// RFC 6455 §5.2: "If an unknown opcode is received, the receiving
		// endpoint MUST _Fail the WebSocket Connection_."
		if h.Opcode.IsReserved() {
			return violationf("5.2", "opcode 0x%X is reserved: the receiver MUST fail the connection", uint8(h.Opcode))
		}
	case 2:
		// RFC 6455 §5.1: "The server MUST close the connection upon
		// receiving a frame that is not masked" and "A client MUST close a
		// connection if it detects a masked frame."
		if role == RoleServer && !h.Masked {
			return violationf("5.1", "client frame is not masked")
		}
		if role == RoleClient && h.Masked {
			return violationf("5.1", "server frame is masked")
		}
	case 3:
		// RFC 6455 §5.5: "All control frames MUST have a payload length of
		// 125 bytes or less and MUST NOT be fragmented."
		if h.Opcode.IsControl() && !h.Fin {
			return violationf("5.5", "control frames MUST NOT be fragmented, but FIN=0")
		}
	case 4:
		if h.Opcode.IsControl() && h.Length > MaxControlPayload {
			return violationf("5.5", "control frames MUST have a payload of 125 bytes or less, not %d", h.Length)
		}
	}
	return nil
}
