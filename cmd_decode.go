package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"wiretalk/demo"
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
accepted: which one is wrong depends on who sent it. Say who with -from:
"-from client" requires every frame to be masked (RFC 6455 §5.3), "-from
server" requires none to be (§5.1). A data frame after a close frame is
flagged too (§5.5.1): nothing may follow a close but control frames.

The exit status is 0 if every frame is valid, 1 if the input is not hex,
ends inside a frame, or holds a frame that breaks a rule, and 2 for a
bad command line.`

func runDecode(e *env, args []string) int {
	fs := newFlagSet("decode", "wiretalk decode [flags] [HEX ...]", decodeDescription+decodeDeflateDescription)
	show := fs.Int("show", 64, "show at most `N` bytes of each payload (0 shows all)")
	deflate := fs.Bool("deflate", false, "read the frames as permessage-deflate (RFC 7692) was negotiated, and inflate compressed messages")
	from := fs.String("from", "", "who sent the frames: `client` (each MUST be masked) or server (none may be); empty accepts both")
	if done, code := parseFlags(e, fs, args); done {
		return code
	}
	if *show < 0 {
		return usageError(e, fs, "-show must be 0 or more, not %d", *show)
	}
	if *from != "" && *from != "client" && *from != "server" {
		return usageError(e, fs, "-from must be client or server, not %q", *from)
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
	d := newFrameDecoder(e.stdout, *show)
	switch *from {
	case "client":
		// The server receives them: RFC 6455 §5.3.
		d.dec.AnyMask, d.dec.Role = false, protocol.RoleServer
		fmt.Fprintln(e.stdout, "frames from a client: each MUST be masked, with a fresh key (RFC 6455 §5.3)")
		fmt.Fprintln(e.stdout)
	case "server":
		d.dec.AnyMask, d.dec.Role = false, protocol.RoleClient
		fmt.Fprintln(e.stdout, "frames from a server: none may be masked (RFC 6455 §5.1)")
		fmt.Fprintln(e.stdout)
	}
	if *deflate {
		d.useDeflate()
	}
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

// frameDecoder prints frames one after another. A protocol.Decoder reads
// them as a receiver would, judging each by the rules the connection's
// reader applies (reading on after a violation, to show the rest), and
// demo.FromFrame makes each the record the frame inspector shows: what is
// printed is that record, with the payload's bytes. The decoder keeps
// only what the lines that sum up a fragmented message need.
type frameDecoder struct {
	w      io.Writer
	show   int // payload bytes to print; 0 for all
	frames int // frames printed
	bad    int // frames that break a rule

	dec       protocol.Decoder
	msgFrames int
	msgLen    int64
	msgText   []byte // the start of a fragmented text message, to show
	utf8Bad   bool   // the text message is already known not to be UTF-8

	deflation *demo.Deflation // with -deflate, else nil
}

func newFrameDecoder(w io.Writer, show int) *frameDecoder {
	// Masked and unmasked frames are both accepted: which one is wrong
	// depends on who sent it.
	return &frameDecoder{w: w, show: show, dec: protocol.Decoder{AnyMask: true}}
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
	if op := d.dec.Open(); op != 0 {
		fmt.Fprintf(d.w, "\nthe input ends inside a fragmented %s message (%s in %s so far)\n", op, plural(d.msgLen, "byte"), plural(int64(d.msgFrames), "frame"))
	}
	return nil
}

// decodeFrame prints the frame at the start of b, which is at offset off
// of the input, and returns its size.
func (d *frameDecoder) decodeFrame(b []byte, off int) (int, error) {
	num := d.frames + 1
	f, n, err := d.dec.Decode(b)
	if errors.Is(err, protocol.ErrShortHeader) {
		need := 2 - len(b)
		if len(b) >= 2 {
			need = protocol.HeaderSize(b[1]) - len(b)
		}
		return 0, fmt.Errorf("frame %d at byte offset %d is truncated: header needs %s", num, off, moreBytes(int64(need)))
	}
	d.frames++
	r := demo.FromFrame(f, num, time.Time{})
	d.annotate(&r, f)
	rec := r.Frame
	h := f.Header

	var out bytes.Buffer
	total := int64(rec.HeaderSize) + h.Length
	switch {
	case rec.LengthUnknown:
		fmt.Fprintf(&out, "frame %d (header of %d bytes at offset %d)\n", num, rec.HeaderSize, off)
	case total < 0: // a length near 2^63 overflows with the header
		fmt.Fprintf(&out, "frame %d (%d bytes of header and %d of payload at offset %d)\n", num, rec.HeaderSize, h.Length, off)
	default:
		fmt.Fprintf(&out, "frame %d (%d bytes at offset %d)\n", num, total, off)
	}
	d.printHeader(&out, rec)
	switch {
	case errors.Is(err, protocol.ErrLengthUnknown):
		d.finish(&out, rec)
		return 0, fmt.Errorf("frame %d at byte offset %d has a 64-bit length with its most significant bit set: its end cannot be found", num, off)
	case errors.Is(err, protocol.ErrShortFrame):
		d.finish(&out, rec)
		return 0, fmt.Errorf("frame %d at byte offset %d is truncated: payload needs %s", num, off, moreBytes(h.Length-int64(len(b)-n)))
	}

	if h.Masked {
		d.printPayload(&out, "payload (masked):  ", f.Payload, false)
	}
	// Quote text, and ping or pong data that happens to be text.
	text := rec.Message == "text" && rec.Deflate == nil ||
		(h.Opcode == protocol.OpPing || h.Opcode == protocol.OpPong) && rec.UTF8Valid != nil && *rec.UTF8Valid
	label := "payload:"
	if h.Masked {
		label = "payload (unmasked):"
	}
	d.printPayload(&out, label, f.Unmasked, text)

	switch {
	case rec.Close != nil:
		d.printClose(&out, rec, f.Unmasked)
	case rec.Message != "":
		d.message(&out, rec, f.Unmasked)
	}
	d.printDeflate(&out, rec)
	d.finish(&out, rec)
	return n, nil
}

// printHeader prints the header's bytes, field by field.
func (d *frameDecoder) printHeader(out *bytes.Buffer, rec *demo.FrameRecord) {
	name := rec.OpName
	if protocol.Opcode(rec.Opcode).IsReserved() {
		name = "reserved"
	}
	fmt.Fprintf(out, "  byte 0: %s   FIN=%d RSV1=%d RSV2=%d RSV3=%d opcode=0x%X (%s)\n",
		nibbles(rec.Bits[0]), decodeBit(rec.Fin), decodeBit(rec.Rsv1), decodeBit(rec.Rsv2), decodeBit(rec.Rsv3), rec.Opcode, name)
	switch rec.LengthBits {
	case 16:
		fmt.Fprintf(out, "  byte 1: %s   MASK=%d payload len=126: a 16-bit length follows\n", nibbles(rec.Bits[1]), decodeBit(rec.Mask))
		fmt.Fprintf(out, "  bytes 2-3: %s   extended payload len=%d (16-bit)\n", spacedHex(rec.ExtLen), rec.Length)
	case 64:
		fmt.Fprintf(out, "  byte 1: %s   MASK=%d payload len=127: a 64-bit length follows\n", nibbles(rec.Bits[1]), decodeBit(rec.Mask))
		if rec.LengthUnknown {
			fmt.Fprintf(out, "  bytes 2-9: %s   extended payload len=? (64-bit, most significant bit set)\n", spacedHex(rec.ExtLen))
		} else {
			fmt.Fprintf(out, "  bytes 2-9: %s   extended payload len=%d (64-bit)\n", spacedHex(rec.ExtLen), rec.Length)
		}
	default:
		fmt.Fprintf(out, "  byte 1: %s   MASK=%d payload len=%d (7-bit)\n", nibbles(rec.Bits[1]), decodeBit(rec.Mask), rec.Len7)
	}
	if rec.Mask {
		fmt.Fprintf(out, "  masking key: %s\n", spacedHex(rec.Key))
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

// printClose prints a close frame's status code and reason (RFC 6455
// §5.5.1); p is its payload, for the reason's exact bytes.
func (d *frameDecoder) printClose(out *bytes.Buffer, rec *demo.FrameRecord, p []byte) {
	c := rec.Close
	switch {
	case len(p) == 0:
		fmt.Fprintf(out, "  close: no status code; the receiver reports status %d (%s)\n", c.Code, c.Name)
		return
	case len(p) == 1:
		return // the record's violation says it
	}
	fmt.Fprintf(out, "  close status: %02x %02x = %d (%s)\n", c.Code>>8, c.Code&0xFF, c.Code, c.Name)
	if len(p) > 2 {
		fmt.Fprintf(out, "  close reason: %q\n", p[2:])
	}
}

// message prints where a data frame stands in its message (RFC 6455
// §5.4), and whether the text is valid UTF-8 so far (§8.1); p is its
// payload.
func (d *frameDecoder) message(out *bytes.Buffer, rec *demo.FrameRecord, p []byte) {
	if protocol.Opcode(rec.Opcode) != protocol.OpContinuation {
		d.msgFrames, d.msgLen, d.msgText, d.utf8Bad = 0, 0, d.msgText[:0], false
	}
	text := rec.Message == "text" && rec.Deflate == nil // a compressed message's bytes are not its text
	d.msgFrames++
	d.msgLen += int64(len(p))
	if text && (d.show == 0 || len(d.msgText) < d.show) {
		d.msgText = append(d.msgText, p...)
	}
	for _, v := range rec.Violations {
		d.utf8Bad = d.utf8Bad || v.Rule == "8.1"
	}
	switch {
	case !rec.Fin && d.msgFrames == 1:
		fmt.Fprintf(out, "  starts a fragmented %s message (FIN=0)\n", rec.Message)
	case rec.Fin && d.msgFrames > 1:
		fmt.Fprintf(out, "  ends the %s message: %s in %d frames\n", rec.Message, plural(d.msgLen, "byte"), d.msgFrames)
		if text {
			shown, more := d.msgText, ""
			if d.show > 0 && len(shown) > d.show {
				shown, more = shown[:d.show], " …"
			}
			fmt.Fprintf(out, "  message: %q%s\n", shown, more)
		}
	}
	if text && !d.utf8Bad {
		if rec.Fin {
			fmt.Fprintf(out, "  text is valid UTF-8\n")
		} else {
			fmt.Fprintf(out, "  text is valid UTF-8 so far\n")
		}
	}
}

// finish writes the frame's lines and the rules it breaks, and counts it.
func (d *frameDecoder) finish(out *bytes.Buffer, rec *demo.FrameRecord) {
	for _, v := range rec.Violations {
		fmt.Fprintf(out, "  violates RFC 6455 §%s: %s", v.Rule, v.Reason)
		if rec.Close != nil && v.Code == int(protocol.StatusInvalidPayload) {
			fmt.Fprintf(out, ": the receiver fails the connection with %s", protocol.StatusCode(v.Code))
		}
		out.WriteString("\n")
	}
	if len(rec.Violations) > 0 {
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

// nibbles splits a byte's bits in two, "10000001" -> "1000 0001".
func nibbles(bits string) string {
	if len(bits) != 8 {
		return bits
	}
	return bits[:4] + " " + bits[4:]
}

// spacedHex puts a space between the bytes of a hex string: "0100" -> "01 00".
func spacedHex(h string) string {
	var b strings.Builder
	for i := 0; i+1 < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

func decodeBit(set bool) int {
	if set {
		return 1
	}
	return 0
}
