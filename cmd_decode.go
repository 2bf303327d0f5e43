package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"wiretalk/protocol"
)

const decodeDescription = `Decode prints WebSocket frames (RFC 6455 §5.2) field by field, with the
bits of each header byte, the masking key, the payload masked and
unmasked, and the status code and reason of a close frame.

The bytes are given in hex as arguments, or on standard input when there
are none. Spaces, "0x" prefixes and ":" or "," between bytes are allowed,
and all arguments are joined, so these are the same frame:

	wiretalk decode 81 05 48 65 6c 6c 6f
	wiretalk decode 0x81,0x05,0x48,0x65,0x6c,0x6c,0x6f
	echo 810548656c6c6f | wiretalk decode

Frames follow one another. A frame the RFC forbids (a reserved opcode or
RSV bit, a control frame over 125 bytes or fragmented, a length not in
its shortest form, text that is not UTF-8, a continuation with nothing
to continue, a close code that may not be sent) is still printed, with a
line saying which rule it breaks. Masked and unmasked frames are both
accepted: which one is wrong depends on who sent it.

The exit status is 0 if every frame is valid, 1 if the input is not hex,
ends inside a frame, or holds a frame that breaks a rule, and 2 for a
bad command line.`

func decodeCommand() command {
	return command{name: "decode", summary: "print WebSocket frames given in hex, field by field", run: runDecode}
}

func runDecode(e *env, args []string) int {
	fs := newFlagSet("decode", "wiretalk decode [flags] [HEX ...]", decodeDescription)
	show := fs.Int("show", 64, "show at most `N` bytes of each payload (0 shows all)")
	if done, code := parseFlags(e, fs, args); done {
		return code
	}
	if *show < 0 {
		return usageError(e, fs, "-show must be 0 or more, not %d", *show)
	}
	var input string
	if fs.NArg() > 0 {
		input = strings.Join(fs.Args(), " ")
	} else {
		b, err := io.ReadAll(e.stdin)
		if err != nil {
			fmt.Fprintf(e.stderr, "decode: reading standard input: %v\n", err)
			return exitFail
		}
		input = string(b)
	}
	data, err := parseHexBytes(input)
	if err != nil {
		fmt.Fprintf(e.stderr, "decode: %v\n", err)
		return exitFail
	}
	if len(data) == 0 {
		fmt.Fprintln(e.stderr, "decode: no bytes to decode")
		return exitFail
	}
	d := &frameDecoder{w: e.stdout, show: *show}
	err = d.decodeAll(data)
	if err != nil {
		fmt.Fprintf(e.stderr, "decode: %v\n", err)
		return exitFail
	}
	if d.bad > 0 {
		verb := "break"
		if d.bad == 1 {
			verb = "breaks"
		}
		fmt.Fprintf(e.stderr, "decode: %d of %s %s a rule of RFC 6455\n", d.bad, plural(int64(d.frames), "frame"), verb)
		return exitFail
	}
	return exitOK
}

// parseHexBytes decodes hex digits, allowing white space, "0x" prefixes
// and ":" or "," separators between them. Errors name the offset of the
// byte that is wrong in the decoded output.
func parseHexBytes(s string) ([]byte, error) {
	var digits []byte
	for _, tok := range strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == ':' || r == ',' }) {
		if len(tok) >= 2 && tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X') {
			// "0x1 0x2" means 01 02 to a reader, not 12: a prefixed
			// group must hold whole bytes.
			if tok = tok[2:]; len(tok)%2 != 0 || len(digits)%2 != 0 {
				return nil, fmt.Errorf("odd number of hex digits before or in %q at byte offset %d", "0x"+tok, len(digits)/2)
			}
		}
		digits = append(digits, tok...)
	}
	out := make([]byte, 0, len(digits)/2)
	for i := 0; i+1 < len(digits); i += 2 {
		hi, ok1 := decodeHexDigit(digits[i])
		lo, ok2 := decodeHexDigit(digits[i+1])
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("invalid hex at byte offset %d: %q", i/2, digits[i:i+2])
		}
		out = append(out, hi<<4|lo)
	}
	if len(digits)%2 != 0 {
		return nil, fmt.Errorf("odd number of hex digits (%d): the last byte at offset %d has one digit", len(digits), len(digits)/2)
	}
	return out, nil
}

func decodeHexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// frameDecoder prints frames one after another, keeping what the rules
// across frames need: whether a fragmented message is open, and the
// UTF-8 state of a text message.
type frameDecoder struct {
	w      io.Writer
	show   int // payload bytes to print; 0 for all
	frames int // frames printed
	bad    int // frames that break a rule

	inMessage bool // a data frame with FIN=0 started a message that has not ended
	msgOp     protocol.Opcode
	msgFrames int
	msgLen    int64
	msgText   []byte // the start of a fragmented text message, to show
	utf8      protocol.UTF8Validator
	utf8Bad   bool // the open text message is already known not to be UTF-8
}

// decodeAll prints every frame in data. It returns an error when data
// ends inside a frame, or when a frame's length makes the next frame
// impossible to find.
func (d *frameDecoder) decodeAll(data []byte) error {
	for off := 0; off < len(data); {
		n, err := d.decodeFrame(data[off:], off)
		if err != nil {
			return err
		}
		off += n
	}
	if d.inMessage {
		fmt.Fprintf(d.w, "\nthe input ends inside a fragmented %s message (%s in %s so far)\n", d.msgOp, plural(d.msgLen, "byte"), plural(int64(d.msgFrames), "frame"))
	}
	return nil
}

// decodeFrame prints the frame at the start of b, which is at offset off
// of the input, and returns its size.
func (d *frameDecoder) decodeFrame(b []byte, off int) (int, error) {
	num := d.frames + 1
	h, hlen, err := protocol.ParseHeader(b)
	if errors.Is(err, protocol.ErrShortHeader) {
		need := 2 - len(b)
		if len(b) >= 2 {
			need = protocol.HeaderSize(b[1]) - len(b)
		}
		return 0, fmt.Errorf("frame %d at byte offset %d is truncated: header needs %s", num, off, moreBytes(int64(need)))
	}
	d.frames++
	var out bytes.Buffer
	var violations []string
	violate := func(section, format string, args ...any) {
		violations = append(violations, fmt.Sprintf("violates RFC 6455 §%s: %s", section, fmt.Sprintf(format, args...)))
	}
	lengthUnknown := false
	var pe *protocol.ProtocolError
	if errors.As(err, &pe) {
		// A length not in its shortest form, or a 64-bit length with its
		// top bit set; the header is still all there to show.
		violate("5.2", "%s", pe.Reason)
		lengthUnknown = b[1]&0x7F == 127 && b[2]&0x80 != 0
	}

	total := int64(hlen) + h.Length
	switch {
	case lengthUnknown:
		fmt.Fprintf(&out, "frame %d (header of %d bytes at offset %d)\n", num, hlen, off)
	case total < 0: // a length near 2^63 overflows with the header
		fmt.Fprintf(&out, "frame %d (%d bytes of header and %d of payload at offset %d)\n", num, hlen, h.Length, off)
	default:
		fmt.Fprintf(&out, "frame %d (%d bytes at offset %d)\n", num, total, off)
	}
	d.printHeader(&out, b[:hlen], h)

	// The rules of RFC 6455 §5.2 and §5.5 that hold whoever sent the
	// frame; Header.Check also knows the MASK rule of §5.1, which depends
	// on the role (decode_test checks the two agree).
	if h.Rsv() != 0 {
		violate("5.2", "RSV bits %03b set, but no extension was negotiated that defines them", h.Rsv()>>4)
	}
	if h.Opcode.IsReserved() {
		violate("5.2", "opcode 0x%X is reserved: the receiver MUST fail the connection", uint8(h.Opcode))
	}
	if h.Opcode.IsControl() && !h.Fin {
		violate("5.5", "control frames MUST NOT be fragmented, but FIN=0")
	}
	if h.Opcode.IsControl() && h.Length > protocol.MaxControlPayload {
		violate("5.5", "control frames MUST have a payload of 125 bytes or less, not %d", h.Length)
	}

	if lengthUnknown {
		d.finish(&out, violations)
		return 0, fmt.Errorf("frame %d at byte offset %d has a 64-bit length with its most significant bit set: its end cannot be found", num, off)
	}
	if rest := int64(len(b) - hlen); rest < h.Length {
		d.finish(&out, violations)
		return 0, fmt.Errorf("frame %d at byte offset %d is truncated: payload needs %s", num, off, moreBytes(h.Length-rest))
	}

	payload := bytes.Clone(b[hlen:total])
	if h.Masked {
		d.printPayload(&out, "payload (masked):  ", payload, false)
		protocol.Mask(payload, h.Key, 0)
	}
	// Quote text, and ping or pong data that happens to be text.
	text := h.Opcode == protocol.OpText ||
		h.Opcode == protocol.OpContinuation && d.inMessage && d.msgOp == protocol.OpText ||
		(h.Opcode == protocol.OpPing || h.Opcode == protocol.OpPong) && protocol.ValidUTF8(payload)
	label := "payload:"
	if h.Masked {
		label = "payload (unmasked):"
	}
	d.printPayload(&out, label, payload, text)

	switch {
	case h.Opcode == protocol.OpClose:
		d.printClose(&out, payload, violate)
	case !h.Opcode.IsControl() && !h.Opcode.IsReserved():
		d.message(&out, h, payload, violate)
	}
	d.finish(&out, violations)
	return int(total), nil
}

// printHeader prints the header bytes hdr, field by field.
func (d *frameDecoder) printHeader(out *bytes.Buffer, hdr []byte, h protocol.Header) {
	name := h.Opcode.String()
	if h.Opcode.IsReserved() {
		name = "reserved"
	}
	fmt.Fprintf(out, "  byte 0: %s   FIN=%d RSV1=%d RSV2=%d RSV3=%d opcode=0x%X (%s)\n",
		decodeBits(hdr[0]), decodeBit(h.Fin), decodeBit(h.Rsv1), decodeBit(h.Rsv2), decodeBit(h.Rsv3), uint8(h.Opcode), name)
	switch l := hdr[1] & 0x7F; l {
	case 126:
		fmt.Fprintf(out, "  byte 1: %s   MASK=%d payload len=126: a 16-bit length follows\n", decodeBits(hdr[1]), decodeBit(h.Masked))
		fmt.Fprintf(out, "  bytes 2-3: % x   extended payload len=%d (16-bit)\n", hdr[2:4], h.Length)
	case 127:
		fmt.Fprintf(out, "  byte 1: %s   MASK=%d payload len=127: a 64-bit length follows\n", decodeBits(hdr[1]), decodeBit(h.Masked))
		if hdr[2]&0x80 != 0 {
			fmt.Fprintf(out, "  bytes 2-9: % x   extended payload len=? (64-bit, most significant bit set)\n", hdr[2:10])
		} else {
			fmt.Fprintf(out, "  bytes 2-9: % x   extended payload len=%d (64-bit)\n", hdr[2:10], h.Length)
		}
	default:
		fmt.Fprintf(out, "  byte 1: %s   MASK=%d payload len=%d (7-bit)\n", decodeBits(hdr[1]), decodeBit(h.Masked), l)
	}
	if h.Masked {
		fmt.Fprintf(out, "  masking key: % x\n", h.Key)
	}
}

// printPayload prints p in hex, at most d.show bytes of it, and quoted
// when it is text.
func (d *frameDecoder) printPayload(out *bytes.Buffer, label string, p []byte, text bool) {
	if len(p) == 0 {
		fmt.Fprintf(out, "  %s (empty)\n", strings.TrimSpace(label))
		return
	}
	shown, more := p, ""
	if d.show > 0 && len(shown) > d.show {
		shown = shown[:d.show]
		more = fmt.Sprintf(" … %d more bytes", len(p)-len(shown))
	}
	const perLine = 16
	if len(shown) <= perLine && more == "" {
		fmt.Fprintf(out, "  %s % x", label, shown)
		if text {
			fmt.Fprintf(out, "   %q", shown)
		}
		out.WriteString("\n")
		return
	}
	fmt.Fprintf(out, "  %s %d bytes\n", strings.TrimSpace(label), len(p))
	for i := 0; i < len(shown); i += perLine {
		fmt.Fprintf(out, "    %04x  % x\n", i, shown[i:min(i+perLine, len(shown))])
	}
	if more != "" {
		fmt.Fprintf(out, "    %s\n", strings.TrimSpace(more))
	}
	if text {
		fmt.Fprintf(out, "    %q%s\n", shown, more)
	}
}

// printClose decodes a close frame's payload: its status code and reason
// (RFC 6455 §5.5.1).
func (d *frameDecoder) printClose(out *bytes.Buffer, p []byte, violate func(section, format string, args ...any)) {
	if len(p) == 0 {
		fmt.Fprintf(out, "  close: no status code; the receiver reports status %s\n", protocol.StatusNoStatusReceived)
		return
	}
	if len(p) == 1 {
		violate("5.5.1", "a close payload of 1 byte: the status code takes 2")
		return
	}
	code := protocol.StatusCode(uint16(p[0])<<8 | uint16(p[1]))
	fmt.Fprintf(out, "  close status: % x = %s\n", p[:2], code)
	if len(p) > 2 {
		fmt.Fprintf(out, "  close reason: %q\n", p[2:])
	}
	var pe *protocol.ProtocolError
	if _, err := protocol.ParseClosePayload(p); errors.As(err, &pe) {
		if pe.Code == protocol.StatusInvalidPayload {
			violate("5.5.1", "%s: the receiver fails the connection with %s", pe.Reason, pe.Code)
		} else {
			violate("7.4", "%s", pe.Reason)
		}
	}
}

// message follows a data message across its frames (RFC 6455 §5.4) and
// checks a text message's UTF-8 as it goes, failing fast as a receiver
// does (§8.1).
func (d *frameDecoder) message(out *bytes.Buffer, h protocol.Header, p []byte, violate func(section, format string, args ...any)) {
	switch {
	case h.Opcode == protocol.OpContinuation && !d.inMessage:
		violate("5.4", "a continuation frame, but no fragmented message is open")
		return
	case h.Opcode != protocol.OpContinuation && d.inMessage:
		violate("5.4", "a new %s message starts before the fragmented %s message has ended", h.Opcode, d.msgOp)
		d.inMessage = false // read on as a receiver would not, to show the rest
	}
	if h.Opcode != protocol.OpContinuation {
		d.msgOp, d.msgFrames, d.msgLen, d.msgText = h.Opcode, 0, 0, d.msgText[:0]
		d.utf8.Reset()
		d.utf8Bad = false
	}
	d.msgFrames++
	d.msgLen += int64(len(p))
	if d.msgOp == protocol.OpText && (d.show == 0 || len(d.msgText) < d.show) {
		d.msgText = append(d.msgText, p...)
	}
	if d.msgOp == protocol.OpText && !d.utf8Bad {
		before := d.utf8
		if !d.utf8.Write(p) {
			d.utf8Bad = true
			at := 0
			for at < len(p) && before.Write(p[at:at+1]) {
				at++
			}
			violate("8.1", "text is not valid UTF-8: payload byte %d (%#02x) cannot follow the bytes before it", at, p[at])
		} else if h.Fin && !d.utf8.Complete() {
			d.utf8Bad = true
			violate("8.1", "text is not valid UTF-8: the message ends inside a code point")
		}
	}
	d.inMessage = !h.Fin
	switch {
	case !h.Fin && d.msgFrames == 1:
		fmt.Fprintf(out, "  starts a fragmented %s message (FIN=0)\n", d.msgOp)
	case h.Fin && d.msgFrames > 1:
		fmt.Fprintf(out, "  ends the %s message: %s in %d frames\n", d.msgOp, plural(d.msgLen, "byte"), d.msgFrames)
		if d.msgOp == protocol.OpText {
			shown, more := d.msgText, ""
			if d.show > 0 && len(shown) > d.show {
				shown, more = shown[:d.show], " …"
			}
			fmt.Fprintf(out, "  message: %q%s\n", shown, more)
		}
	}
	if d.msgOp == protocol.OpText && !d.utf8Bad {
		if h.Fin {
			fmt.Fprintf(out, "  text is valid UTF-8\n")
		} else {
			fmt.Fprintf(out, "  text is valid UTF-8 so far\n")
		}
	}
}

// finish writes the frame's lines and its violations, and counts it.
func (d *frameDecoder) finish(out *bytes.Buffer, violations []string) {
	for _, v := range violations {
		fmt.Fprintf(out, "  %s\n", v)
	}
	if len(violations) > 0 {
		d.bad++
	}
	if d.frames > 1 {
		io.WriteString(d.w, "\n")
	}
	d.w.Write(out.Bytes())
}

// moreBytes says how many more bytes are needed: "1 more byte", "4 more bytes".
func moreBytes(n int64) string { return plural(n, "more byte") }

// plural writes n things: "1 frame", "2 frames".
func plural(n int64, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// decodeBits writes a byte as two nibbles of bits, e.g. "1000 0001".
func decodeBits(b byte) string {
	return fmt.Sprintf("%04b %04b", b>>4, b&0xF)
}

func decodeBit(set bool) int {
	if set {
		return 1
	}
	return 0
}
