package demo

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"wiretalk/protocol"
)

// A Record is one line of the inspector: a frame, the opening handshake or
// a notice, as the JSON that the page renders. It is built from what the
// protocol observer saw and owns all its memory, so it can be queued after
// the observer call returns.
type Record struct {
	Type string `json:"type"` // "frame", "handshake" or "notice"
	Seq  int    `json:"seq"`  // position on the feed, from 1; gaps are records not shown
	Conn int    `json:"conn"` // the specimen connection, from 1 (0: the feed itself)
	Time string `json:"time"` // RFC 3339 with nanoseconds
	// Ms is the time in milliseconds since the feed opened (or since start
	// for FromFrame), to a microsecond.
	Ms float64 `json:"ms"`

	Frame     *FrameRecord     `json:"frame,omitempty"`
	Handshake *HandshakeRecord `json:"handshake,omitempty"`
	Notice    *Notice          `json:"notice,omitempty"`
}

// FrameRecord is one frame decoded field by field (RFC 6455 §5.2).
type FrameRecord struct {
	// Dir is "in" for browser to server (always masked) and "out" for
	// server to browser (never masked); Label says it in words.
	Dir   string `json:"dir"`
	Label string `json:"label"`

	Fin    bool   `json:"fin"`
	Rsv1   bool   `json:"rsv1"`
	Rsv2   bool   `json:"rsv2"`
	Rsv3   bool   `json:"rsv3"`
	Opcode int    `json:"opcode"`
	OpName string `json:"opName"` // "text", "continuation", "reserved(0x3)", …
	// OpMeaning says what the opcode asks of the receiver, in a phrase:
	// "the message is UTF-8", "the peer must answer with a pong", …
	OpMeaning string `json:"opMeaning"`
	// Message is, for a data frame, the type of the message it belongs
	// to, as the connection's reader or writer knew it
	// (protocol.Frame.Message): "text" or "binary" ("" for a continuation
	// with no message to continue, or whose start was not seen). For
	// control frames it is "".
	Message string `json:"message,omitempty"`
	Control bool   `json:"control"`
	Mask    bool   `json:"mask"`

	// Bits are the header's first two bytes as bit strings, "10000001":
	// the page draws them and need not decode the header itself.
	Bits [2]string `json:"bits"`

	Len7       int    `json:"len7"`       // the 7-bit length field: the length, or 126 or 127
	LengthBits int    `json:"lengthBits"` // 7, 16 or 64: how the length is encoded
	Length     int64  `json:"length"`     // payload length in bytes
	ExtLen     string `json:"extLen"`     // the extended length bytes in hex, "" for 7-bit lengths
	Key        string `json:"key"`        // the masking key in hex, "" when not masked
	Header     string `json:"header"`     // the whole header in hex, as on the wire
	HeaderSize int    `json:"headerSize"` // its length in bytes
	// LengthUnknown is set when the 64-bit length has its most
	// significant bit set (RFC 6455 §5.2): Length is then 0.
	LengthUnknown bool `json:"lengthUnknown,omitempty"`

	// Rows are the first RowLimit payload bytes, the XOR worked out.
	Rows []Row `json:"rows"`

	// Payload is the start of the unmasked payload for display: text for
	// text messages (invalid UTF-8 replaced by U+FFFD) and for control
	// payloads that are UTF-8, space-separated hex otherwise. Shown bytes
	// of it are displayed and More are not.
	Payload   string `json:"payload"`
	PayloadAs string `json:"payloadAs"` // "text" or "hex"
	Shown     int    `json:"shown"`
	More      int64  `json:"more"`
	// Preview is the start of the payload on one line, for the list of
	// frames: up to PreviewChars characters of text, or PreviewBytes
	// bytes in hex, with "…" when there is more. A close frame's is its
	// code, name and reason.
	Preview string `json:"preview"`
	// Partial is set when fewer payload bytes crossed the wire than the
	// header announced: the connection was failed first, say at a
	// header over the read limit (1009) before any of the payload.
	Partial  bool  `json:"partial,omitempty"`
	Received int64 `json:"received,omitempty"` // with Partial, the payload bytes that did cross

	// UTF8Valid is set for text frames, close reasons and ping and pong
	// payloads: whether the bytes are valid UTF-8. A fragment of a text
	// message may end inside a character and still be part of a valid
	// message.
	UTF8Valid *bool `json:"utf8Valid,omitempty"`

	Close *CloseRecord `json:"close,omitempty"`

	// Deflate is set on the frames of a compressed message
	// (permessage-deflate): RSV1's meaning, and on the last frame the
	// message inflated and the ratio.
	Deflate *DeflateRecord `json:"deflate,omitempty"`

	// Violations are the RFC 6455 rules this frame breaks, as the
	// protocol's reader found them (protocol.Frame.Err): the connection
	// was failed at the first; the inspector still shows the frame.
	Violations []Violation `json:"violations,omitempty"`
}

// Violation is a rule of RFC 6455 that a frame breaks, from the
// protocol's *ProtocolError.
type Violation struct {
	Rule   string `json:"rule"`   // the section of RFC 6455: "5.2", "8.1", …
	Code   int    `json:"code"`   // the close code the receiver fails the connection with
	Reason string `json:"reason"` // what is wrong, in words
}

// Row is one payload byte and how masking transforms it (RFC 6455 §5.3):
// Unmasked = Masked XOR Key, where Key is byte I mod 4 of the masking key.
// For an unmasked frame, Masked equals Unmasked and Key is 0.
type Row struct {
	I        int    `json:"i"`
	Masked   byte   `json:"masked"` // the byte on the wire
	Key      byte   `json:"key"`
	Unmasked byte   `json:"unmasked"`
	Char     string `json:"char"` // the character starting at this byte, "" if none
}

// CloseRecord is a close frame's payload decoded (RFC 6455 §5.5.1).
type CloseRecord struct {
	Code   int    `json:"code"` // 1005 when the payload is empty
	Name   string `json:"name"` // "normal closure", …
	Reason string `json:"reason"`
}

// Notice is a message about the inspection rather than a frame: limits
// hit, records dropped, a connection closed.
type Notice struct {
	Level string `json:"level"` // "info" or "warn"
	// Code names the kind of notice for the page and tests: "rate",
	// "dropped", "limit", "closed", "command", "fragments".
	Code string `json:"code,omitempty"`
	Text string `json:"text"`
}

// Display limits. A record stays small however large the frame: the
// length is always given in full.
const (
	RowLimit     = 64   // payload bytes in the XOR table
	TextLimit    = 4096 // payload bytes shown as text
	HexLimit     = 1024 // payload bytes shown as hex
	PreviewChars = 40   // characters of text in a preview
	PreviewBytes = 12   // bytes of hex in a preview
)

// Direction labels.
const (
	labelIn  = "browser → server"
	labelOut = "server → browser"
)

// FromFrame turns an observed frame into a teaching record with the given
// sequence number; Ms counts from start. What the connection knew of the
// frame comes with it: its message (so a continuation of a text message
// is shown as text) and the violation found in it. A frame built by hand,
// with neither, is taken as it is: a continuation's message unknown, no
// rule broken.
func FromFrame(f protocol.Frame, seq int, start time.Time) Record {
	h := f.Header
	fr := &FrameRecord{
		Dir:       "in",
		Label:     labelIn,
		Fin:       h.Fin,
		Rsv1:      h.Rsv1,
		Rsv2:      h.Rsv2,
		Rsv3:      h.Rsv3,
		Opcode:    int(h.Opcode),
		OpName:    h.Opcode.String(),
		OpMeaning: opMeaning(h.Opcode),
		Control:   h.Opcode.IsControl(),
		Mask:      h.Masked,
		Length:    h.Length,
	}
	if f.Dir == protocol.Outbound {
		fr.Dir, fr.Label = "out", labelOut
	}
	msg := f.Message
	if h.Opcode == protocol.OpText || h.Opcode == protocol.OpBinary {
		msg = h.Opcode // a first frame knows its message
	}
	if !fr.Control && (msg == protocol.OpText || msg == protocol.OpBinary) {
		fr.Message = msg.String()
	}

	raw := f.Raw
	if len(raw) < 2 { // not given: encode it; the codec is exact
		raw = protocol.AppendHeader(nil, h)
	}
	fr.Header = hex.EncodeToString(raw)
	fr.HeaderSize = len(raw)
	fr.Bits = [2]string{fmt.Sprintf("%08b", raw[0]), fmt.Sprintf("%08b", raw[1])}
	fr.Len7 = int(raw[1] & 0x7F)
	fr.LengthBits = 7
	extEnd := 2
	switch fr.Len7 {
	case 126:
		fr.LengthBits, extEnd = 16, 4
	case 127:
		fr.LengthBits, extEnd = 64, 10
	}
	if extEnd > 2 && len(raw) >= extEnd {
		fr.ExtLen = hex.EncodeToString(raw[2:extEnd])
		fr.LengthUnknown = fr.LengthBits == 64 && raw[2]&0x80 != 0
	}
	if h.Masked {
		fr.Key = hex.EncodeToString(h.Key[:])
	}

	wire, plain := f.Payload, f.Unmasked
	if plain == nil {
		plain = unmasked(wire, h)
	}
	if wire == nil && !h.Masked {
		wire = plain
	}

	fr.Rows = rows(wire, plain, h, msg == protocol.OpText)
	fr.setPayload(plain, h, msg)
	fr.Violations = violations(f.Err)

	return Record{
		Type:  "frame",
		Seq:   seq,
		Time:  f.Time.Format(time.RFC3339Nano),
		Ms:    msSince(f.Time, start),
		Frame: fr,
	}
}

// opMeaning says what an opcode asks of the receiver.
func opMeaning(op protocol.Opcode) string {
	switch op {
	case protocol.OpContinuation:
		return "more of a fragmented message"
	case protocol.OpText:
		return "the message is UTF-8"
	case protocol.OpBinary:
		return "the message is bytes"
	case protocol.OpClose:
		return "start or answer the closing handshake"
	case protocol.OpPing:
		return "the peer must answer with a pong"
	case protocol.OpPong:
		return "the answer to a ping"
	}
	return "reserved: the receiver must fail the connection"
}

// unmasked returns wire unmasked with h's key, or wire itself when h is
// not masked.
func unmasked(wire []byte, h protocol.Header) []byte {
	if !h.Masked {
		return wire
	}
	p := append([]byte(nil), wire...)
	protocol.Mask(p, h.Key, 0)
	return p
}

func rows(wire, plain []byte, h protocol.Header, text bool) []Row {
	n := min(len(plain), len(wire), RowLimit)
	rs := make([]Row, n)
	for i := range n {
		r := Row{I: i, Masked: wire[i], Unmasked: plain[i]}
		if h.Masked {
			r.Key = h.Key[i%4]
		}
		r.Char = charAt(plain, i, text)
		rs[i] = r
	}
	return rs
}

// charAt returns the character that starts at plain[i], for the table's
// last column: printable ASCII always, and for text a whole multi-byte
// UTF-8 character at its first byte. Control characters, continuation
// bytes and invalid bytes give "".
func charAt(plain []byte, i int, text bool) string {
	c := plain[i]
	switch {
	case c >= 0x20 && c < 0x7F:
		return string(rune(c))
	case c < 0x80 || !text:
		return ""
	}
	r, size := utf8.DecodeRune(plain[i:])
	if r == utf8.RuneError && size <= 1 {
		return ""
	}
	return string(r)
}

func (fr *FrameRecord) setPayload(plain []byte, h protocol.Header, msg protocol.Opcode) {
	var asText bool
	switch {
	case h.Opcode == protocol.OpText || (h.Opcode == protocol.OpContinuation && msg == protocol.OpText):
		asText = true
		v := utf8.Valid(plain)
		fr.UTF8Valid = &v
	case h.Opcode == protocol.OpClose:
		fr.Close = closeRecord(plain)
		if len(plain) > 2 {
			v := utf8.Valid(plain[2:])
			fr.UTF8Valid = &v
		}
	case h.Opcode == protocol.OpPing || h.Opcode == protocol.OpPong:
		v := utf8.Valid(plain)
		fr.UTF8Valid = &v
		asText = len(plain) > 0 && v && printable(plain)
	}
	if asText {
		shown := len(plain)
		if shown > TextLimit {
			shown = TextLimit
			for shown > 0 && !utf8.RuneStart(plain[shown]) { // do not split a character
				shown--
			}
		}
		fr.Payload = strings.ToValidUTF8(string(plain[:shown]), "\uFFFD")
		fr.PayloadAs, fr.Shown = "text", shown
	} else {
		shown := min(len(plain), HexLimit)
		fr.Payload = spacedHex(plain[:shown])
		fr.PayloadAs, fr.Shown = "hex", shown
	}
	fr.More = max(h.Length, int64(len(plain))) - int64(fr.Shown)
	if int64(len(plain)) < h.Length {
		fr.Partial, fr.Received = true, int64(len(plain))
	}
	fr.Preview = preview(fr, plain)
}

// preview is the start of the payload on one line (FrameRecord.Preview).
func preview(fr *FrameRecord, plain []byte) string {
	more := fr.More > 0
	switch {
	case fr.Close != nil:
		s := strconv.Itoa(fr.Close.Code) + " " + fr.Close.Name
		if fr.Close.Reason != "" {
			s += ", " + fr.Close.Reason
		}
		return oneLine(s, &more)
	case fr.PayloadAs == "text":
		return oneLine(fr.Payload, &more)
	}
	n := min(len(plain), PreviewBytes)
	s := spacedHex(plain[:n])
	if more || n < len(plain) {
		s += " …"
	}
	return s
}

// oneLine returns the first PreviewChars characters of s with line
// breaks and tabs as spaces, and "…" when anything was cut (or more is
// already set).
func oneLine(s string, more *bool) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == PreviewChars {
			*more = true
			break
		}
		if r == '\n' || r == '\r' || r == '\t' {
			r = ' '
		}
		b.WriteRune(r)
		n++
	}
	if *more {
		b.WriteString("…")
	}
	return b.String()
}

// printable reports whether valid UTF-8 text b has no control characters
// other than tab and newlines, so that showing it as text hides nothing.
func printable(b []byte) bool {
	for _, r := range string(b) {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7F {
			return false
		}
	}
	return true
}

func spacedHex(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	out := make([]byte, 0, 3*len(b)-1)
	for i, c := range b {
		if i > 0 {
			out = append(out, ' ')
		}
		out = hex.AppendEncode(out, []byte{c})
	}
	return string(out)
}

func closeRecord(p []byte) *CloseRecord {
	if len(p) < 2 {
		return &CloseRecord{Code: int(protocol.StatusNoStatusReceived), Name: protocol.StatusNoStatusReceived.Name()}
	}
	code := protocol.StatusCode(uint16(p[0])<<8 | uint16(p[1]))
	return &CloseRecord{
		Code:   int(code),
		Name:   code.Name(),
		Reason: strings.ToValidUTF8(string(p[2:]), "\uFFFD"),
	}
}

// violations lists the *ProtocolErrors in err, which may join several
// (a protocol.Decoder reads on after the first).
func violations(err error) []Violation {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var vs []Violation
		for _, e := range j.Unwrap() {
			vs = append(vs, violations(e)...)
		}
		return vs
	}
	var pe *protocol.ProtocolError
	if errors.As(err, &pe) {
		return []Violation{{Rule: pe.Rule, Code: int(pe.Code), Reason: pe.Reason}}
	}
	return []Violation{{Reason: err.Error()}}
}

func msSince(t, start time.Time) float64 {
	if t.IsZero() || start.IsZero() {
		return 0
	}
	return float64(t.Sub(start).Microseconds()) / 1000
}

// notice returns a notice record.
func notice(level, code, text string) Record {
	return Record{Type: "notice", Notice: &Notice{Level: level, Code: code, Text: text}}
}
