package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"wiretalk/protocol"
)

// runDecodeCLI runs "wiretalk decode args..." with stdin.
func runDecodeCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{ctx: context.Background(), stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr}
	code := run(e, append([]string{"decode"}, args...))
	return code, stdout.String(), stderr.String()
}

// wantLines fails unless every line of want appears in got, in order.
func wantLines(t *testing.T, got string, want ...string) {
	t.Helper()
	rest := got
	for _, w := range want {
		i := strings.Index(rest, w+"\n")
		if i < 0 {
			t.Errorf("output lacks %q (or has it out of order):\n%s", w, got)
			return
		}
		rest = rest[i+len(w):]
	}
}

func TestDecodeMaskedHelloExactly(t *testing.T) {
	// RFC 6455 §5.7: a single-frame masked text message "Hello".
	code, stdout, stderr := runDecodeCLI(t, "", "81 85 37 fa 21 3d 7f 9f 4d 51 58")
	want := `frame 1 (11 bytes at offset 0)
  byte 0: 1000 0001   FIN=1 RSV1=0 RSV2=0 RSV3=0 opcode=0x1 (text)
  byte 1: 1000 0101   MASK=1 payload len=5 (7-bit)
  masking key: 37 fa 21 3d
  payload (masked):   7f 9f 4d 51 58
  payload (unmasked): 48 65 6c 6c 6f   "Hello"
  text is valid UTF-8
`
	if code != exitOK || stdout != want || stderr != "" {
		t.Errorf("status %d, stderr %q, stdout:\n%s\nwant:\n%s", code, stderr, stdout, want)
	}
}

// TestDecodeRFCExamples decodes every example of RFC 6455 §5.7 and checks
// each field is what the RFC says.
func TestDecodeRFCExamples(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		want []string
	}{
		{"RFC6455 5.7 single-frame unmasked text", "81 05 48 65 6c 6c 6f", []string{
			"frame 1 (7 bytes at offset 0)",
			"  byte 0: 1000 0001   FIN=1 RSV1=0 RSV2=0 RSV3=0 opcode=0x1 (text)",
			"  byte 1: 0000 0101   MASK=0 payload len=5 (7-bit)",
			`  payload: 48 65 6c 6c 6f   "Hello"`,
			"  text is valid UTF-8",
		}},
		{"RFC6455 5.7 fragmented unmasked text", "01 03 48 65 6c 80 02 6c 6f", []string{
			"frame 1 (5 bytes at offset 0)",
			"  byte 0: 0000 0001   FIN=0 RSV1=0 RSV2=0 RSV3=0 opcode=0x1 (text)",
			"  byte 1: 0000 0011   MASK=0 payload len=3 (7-bit)",
			`  payload: 48 65 6c   "Hel"`,
			"  starts a fragmented text message (FIN=0)",
			"  text is valid UTF-8 so far",
			"frame 2 (4 bytes at offset 5)",
			"  byte 0: 1000 0000   FIN=1 RSV1=0 RSV2=0 RSV3=0 opcode=0x0 (continuation)",
			"  byte 1: 0000 0010   MASK=0 payload len=2 (7-bit)",
			`  payload: 6c 6f   "lo"`,
			"  ends the text message: 5 bytes in 2 frames",
			`  message: "Hello"`,
			"  text is valid UTF-8",
		}},
		{"RFC6455 5.7 unmasked ping", "89 05 48 65 6c 6c 6f", []string{
			"frame 1 (7 bytes at offset 0)",
			"  byte 0: 1000 1001   FIN=1 RSV1=0 RSV2=0 RSV3=0 opcode=0x9 (ping)",
			"  byte 1: 0000 0101   MASK=0 payload len=5 (7-bit)",
			`  payload: 48 65 6c 6c 6f   "Hello"`,
		}},
		{"RFC6455 5.7 masked pong", "8a 85 37 fa 21 3d 7f 9f 4d 51 58", []string{
			"frame 1 (11 bytes at offset 0)",
			"  byte 0: 1000 1010   FIN=1 RSV1=0 RSV2=0 RSV3=0 opcode=0xA (pong)",
			"  byte 1: 1000 0101   MASK=1 payload len=5 (7-bit)",
			"  masking key: 37 fa 21 3d",
			"  payload (masked):   7f 9f 4d 51 58",
			`  payload (unmasked): 48 65 6c 6c 6f   "Hello"`,
		}},
		{"RFC6455 5.7 256 bytes binary", "82 7E 0100" + strings.Repeat("ab", 256), []string{
			"frame 1 (260 bytes at offset 0)",
			"  byte 0: 1000 0010   FIN=1 RSV1=0 RSV2=0 RSV3=0 opcode=0x2 (binary)",
			"  byte 1: 0111 1110   MASK=0 payload len=126: a 16-bit length follows",
			"  bytes 2-3: 01 00   extended payload len=256 (16-bit)",
			"  payload: 256 bytes",
			"    0000  ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab",
			"    … 192 more bytes",
		}},
		{"RFC6455 5.7 64KiB binary", "82 7F 0000000000010000" + strings.Repeat("00", 65536), []string{
			"frame 1 (65546 bytes at offset 0)",
			"  byte 1: 0111 1111   MASK=0 payload len=127: a 64-bit length follows",
			"  bytes 2-9: 00 00 00 00 00 01 00 00   extended payload len=65536 (64-bit)",
			"  payload: 65536 bytes",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runDecodeCLI(t, "", tc.hex)
			if code != exitOK || stderr != "" {
				t.Errorf("status %d, stderr %q", code, stderr)
			}
			wantLines(t, stdout, tc.want...)
			if strings.Contains(stdout, "violates") {
				t.Errorf("an RFC example is reported as a violation:\n%s", stdout)
			}
		})
	}
}

func TestDecodeInputForms(t *testing.T) {
	const want = `  payload: 48 65 6c 6c 6f   "Hello"`
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
	}{
		{"one argument", "", []string{"810548656c6c6f"}},
		{"one argument per byte", "", strings.Fields("81 05 48 65 6c 6c 6f")},
		{"0x prefixes and commas", "", []string{"0x81,0x05,0x48,0x65,0x6C,0x6C,0x6F"}},
		{"colons and 0X", "", []string{"0X81:05:48:65", "6c:6c:6f"}},
		{"stdin", "81 05 48 65\n6c 6c 6f\n", nil},
		{"stdin with tabs and CRLF", "0x81,\t0x05\r\n48656c6c6f\r\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runDecodeCLI(t, tc.stdin, tc.args...)
			if code != exitOK || stderr != "" {
				t.Errorf("status %d, stderr %q", code, stderr)
			}
			wantLines(t, stdout, "frame 1 (7 bytes at offset 0)", want)
		})
	}
}

func TestDecodeBadInput(t *testing.T) {
	tests := []struct {
		name, stdin string
		args        []string
		stderr      string
		stdout      []string // lines printed before the error
	}{
		{"odd number of digits", "", []string{"81 05 4"}, "decode: odd number of hex digits (5): the last byte at offset 2 has one digit\n", nil},
		{"invalid hex names the byte offset", "", []string{"81 05 48 zz"}, `decode: invalid hex at byte offset 3: "zz"` + "\n", nil},
		{"invalid hex inside a pair", "", []string{"810g"}, `decode: invalid hex at byte offset 1: "0g"` + "\n", nil},
		{"no bytes", "  \n", nil, "decode: no bytes to decode\n", nil},
		{"truncated first byte pair", "", []string{"81"}, "decode: frame 1 at byte offset 0 is truncated: header needs 1 more byte\n", nil},
		{"second frame's header truncated", "", []string{"81 85 37 fa 21 3d 7f 9f 4d 51 58", "81 fe 01"},
			"decode: frame 2 at byte offset 11 is truncated: header needs 5 more bytes\n", []string{"frame 1 (11 bytes at offset 0)"}},
		{"masking key truncated", "", []string{"81 85 37 fa"}, "decode: frame 1 at byte offset 0 is truncated: header needs 2 more bytes\n", nil},
		{"payload truncated", "", []string{"81 05 48 65"},
			"decode: frame 1 at byte offset 0 is truncated: payload needs 3 more bytes\n",
			[]string{"frame 1 (7 bytes at offset 0)", "  byte 1: 0000 0101   MASK=0 payload len=5 (7-bit)"}},
		{"second payload truncated", "81 00 82 7e 01 00 00\n", nil,
			"decode: frame 2 at byte offset 2 is truncated: payload needs 255 more bytes\n",
			[]string{"frame 2 (260 bytes at offset 2)", "  bytes 2-3: 01 00   extended payload len=256 (16-bit)"}},
		{"64-bit length with the top bit set", "", []string{"82 7f 80 00 00 00 00 00 00 00"},
			"decode: frame 1 at byte offset 0 has a 64-bit length with its most significant bit set: its end cannot be found\n",
			[]string{"  violates RFC 6455 §5.2: 64-bit payload length has its most significant bit set"}},
		{"largest length", "", []string{"82 7f 7f ff ff ff ff ff ff ff 00"},
			"decode: frame 1 at byte offset 0 is truncated: payload needs 9223372036854775806 more bytes\n",
			[]string{"frame 1 (10 bytes of header and 9223372036854775807 of payload at offset 0)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runDecodeCLI(t, tc.stdin, tc.args...)
			if code != exitFail {
				t.Errorf("status %d, want %d", code, exitFail)
			}
			if stderr != tc.stderr {
				t.Errorf("stderr = %q, want %q", stderr, tc.stderr)
			}
			if tc.stdout == nil && stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			wantLines(t, stdout, tc.stdout...)
		})
	}
}

func TestDecodeUsage(t *testing.T) {
	code, _, stderr := runDecodeCLI(t, "", "-show", "-1", "81 00")
	if code != exitUsage || !strings.Contains(stderr, "-show must be 0 or more") || !strings.Contains(stderr, "Usage: wiretalk decode") {
		t.Errorf("-show -1: status %d, stderr:\n%s", code, stderr)
	}
	code, stdout, _ := runDecodeCLI(t, "", "-h")
	if code != exitOK || !strings.Contains(stdout, "-show N") {
		t.Errorf("-h: status %d, stdout:\n%s", code, stdout)
	}
	code, stdout, _ = runDecodeCLI(t, "", "-show", "0", "82 7e 01 00"+strings.Repeat("00", 256))
	if code != exitOK || strings.Contains(stdout, "more bytes") || !strings.Contains(stdout, "    00f0  00") {
		t.Errorf("-show 0 does not show the whole payload: status %d\n%s", code, stdout)
	}
}

// TestDecodeViolations checks that frames the RFC forbids are printed,
// with the rule they break, and make the exit status 1.
func TestDecodeViolations(t *testing.T) {
	tests := []struct {
		name, hex string
		want      []string
	}{
		{"RFC6455 5.2 RSV1 without extension", "c1 00", []string{"  byte 0: 1100 0001   FIN=1 RSV1=1 RSV2=0 RSV3=0 opcode=0x1 (text)",
			"  violates RFC 6455 §5.2: RSV bits 100 set, but no extension was negotiated that defines them"}},
		{"RFC6455 5.2 RSV2 and RSV3 without extension", "b2 00", []string{"  violates RFC 6455 §5.2: RSV bits 011 set, but no extension was negotiated that defines them"}},
		{"RFC6455 5.2 reserved data opcode", "83 00", []string{"  byte 0: 1000 0011   FIN=1 RSV1=0 RSV2=0 RSV3=0 opcode=0x3 (reserved)",
			"  violates RFC 6455 §5.2: opcode 0x3 is reserved: the receiver MUST fail the connection"}},
		{"RFC6455 5.2 reserved control opcode", "8f 00", []string{"  violates RFC 6455 §5.2: opcode 0xF is reserved: the receiver MUST fail the connection"}},
		{"RFC6455 5.2 non-minimal 16-bit length", "81 7e 00 05 48 65 6c 6c 6f", []string{
			"frame 1 (9 bytes at offset 0)",
			"  bytes 2-3: 00 05   extended payload len=5 (16-bit)",
			`  payload: 48 65 6c 6c 6f   "Hello"`,
			"  violates RFC 6455 §5.2: 16-bit payload length 5 is not minimal: it fits in 7 bits"}},
		{"RFC6455 5.2 non-minimal 64-bit length", "82 7f 00 00 00 00 00 00 00 01 ff", []string{
			"  violates RFC 6455 §5.2: 64-bit payload length 1 is not minimal: it fits in 16 bits"}},
		{"RFC6455 5.5 control frame over 125 bytes", "89 7e 00 7e" + strings.Repeat("00", 126), []string{
			"  violates RFC 6455 §5.5: control frames MUST have a payload of 125 bytes or less, not 126"}},
		{"RFC6455 5.5 fragmented control frame", "09 00", []string{"  violates RFC 6455 §5.5: control frames MUST NOT be fragmented, but FIN=0"}},
		{"RFC6455 5.4 continuation with nothing to continue", "80 00", []string{"  violates RFC 6455 §5.4: a continuation frame, but no fragmented message is open"}},
		{"RFC6455 5.4 new message inside a fragmented one", "01 01 41 82 00", []string{
			"frame 2 (2 bytes at offset 3)",
			"  violates RFC 6455 §5.4: a new binary message starts before the fragmented text message has ended"}},
		{"RFC6455 8.1 surrogate in text fails at its second byte", "81 05 41 ed a0 80 42", []string{
			"  violates RFC 6455 §8.1: text is not valid UTF-8: payload byte 2 (0xa0) cannot follow the bytes before it"}},
		{"RFC6455 8.1 text split inside a code point then broken", "01 02 41 e2 80 02 82 41", []string{
			"  text is valid UTF-8 so far",
			"frame 2 (4 bytes at offset 4)",
			"  violates RFC 6455 §8.1: text is not valid UTF-8: payload byte 1 (0x41) cannot follow the bytes before it"}},
		{"RFC6455 8.1 text ends inside a code point", "81 02 41 e2", []string{
			"  violates RFC 6455 §8.1: text is not valid UTF-8: the message ends inside a code point"}},
		{"RFC6455 5.5.1 close payload of 1 byte", "88 01 03", []string{
			"  violates RFC 6455 §5.5.1: a close payload of 1 byte: the status code takes 2"}},
		{"RFC6455 7.4 close code 1005 sent", "88 02 03 ed", []string{
			"  close status: 03 ed = 1005 (no status received)",
			"  violates RFC 6455 §7.4: close status code 1005 may not be sent"}},
		{"RFC6455 5.5.1 close reason not UTF-8", "88 03 03 e8 ff", []string{
			"  close status: 03 e8 = 1000 (normal closure)",
			`  close reason: "\xff"`,
			"  violates RFC 6455 §5.5.1: close reason is not valid UTF-8: the receiver fails the connection with 1007 (invalid payload data)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runDecodeCLI(t, "", tc.hex)
			if code != exitFail || !strings.Contains(stderr, "a rule of RFC 6455") {
				t.Errorf("status %d, stderr %q; want 1 and a summary", code, stderr)
			}
			wantLines(t, stdout, tc.want...)
		})
	}
}

func TestDecodeValidFrames(t *testing.T) {
	tests := []struct {
		name, hex string
		want      []string
	}{
		{"close with code and reason", "88 05 03 e8 62 79 65", []string{
			"  close status: 03 e8 = 1000 (normal closure)", `  close reason: "bye"`}},
		{"close without payload", "88 00", []string{
			"  close: no status code; the receiver reports status 1005 (no status received)"}},
		{"masked close from a client", "88 82 01 02 03 04 02 ea", []string{
			"  payload (masked):   02 ea", "  payload (unmasked): 03 e8", "  close status: 03 e8 = 1000 (normal closure)"}},
		{"ping between fragments", "01 01 41 89 00 80 01 42", []string{
			"frame 2 (2 bytes at offset 3)", "frame 3 (3 bytes at offset 5)", `  message: "AB"`}},
		{"UTF-8 code point split across fragments", "01 02 41 e2 80 02 82 ac", []string{
			`  payload: 41 e2   "A\xe2"`, "  text is valid UTF-8 so far", `  message: "A€"`, "  text is valid UTF-8"}},
		{"control frame of exactly 125 bytes", "8a 7d" + strings.Repeat("41", 125), []string{"  payload: 125 bytes"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runDecodeCLI(t, "", tc.hex)
			if code != exitOK || stderr != "" {
				t.Errorf("status %d, stderr %q", code, stderr)
			}
			wantLines(t, stdout, tc.want...)
		})
	}
	// A message still open at the end of the input is said so.
	_, stdout, _ := runDecodeCLI(t, "", "01 01 41")
	wantLines(t, stdout, "the input ends inside a fragmented text message (1 byte in 1 frame so far)")
}

// TestDecodeAgreesWithCheck makes sure the decoder's role-independent
// header rules do not drift from protocol.Header.Check: for every first
// byte and a range of lengths, decode reports a §5.2 or §5.5 header
// violation exactly when Check rejects the header for the role that
// accepts its MASK bit.
func TestDecodeAgreesWithCheck(t *testing.T) {
	for b0 := range 256 {
		for _, n := range []int64{0, 125, 126, 65536} {
			for _, masked := range []bool{false, true} {
				h := protocol.Header{
					Fin: b0&0x80 != 0, Rsv1: b0&0x40 != 0, Rsv2: b0&0x20 != 0, Rsv3: b0&0x10 != 0,
					Opcode: protocol.Opcode(b0 & 0xF), Masked: masked, Length: n,
				}
				role := protocol.RoleClient
				if masked {
					role = protocol.RoleServer
				}
				wire := append(protocol.AppendHeader(nil, h), make([]byte, n)...)
				var out bytes.Buffer
				d := newFrameDecoder(&out, 1)
				if _, err := d.decodeFrame(wire, 0); err != nil {
					t.Fatal(err)
				}
				got := strings.Contains(out.String(), "§5.2") || strings.Contains(out.String(), "§5.5:")
				if want := h.Check(role, 0) != nil; got != want {
					t.Fatalf("%v: decode reports a header violation: %v; Check: %v\n%s", h, got, h.Check(role, 0), out.String())
				}
			}
		}
	}
}

func TestParseHexBytes(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{"", "", ""},
		{"0x", "", ""},
		{"DEADbeef", "deadbeef", ""},
		{"de:ad,be ef", "deadbeef", ""},
		{"0xde 0Xad", "dead", ""},
		{"d e a d", "dead", ""},
		{"0x1 0x2", "", `odd number of hex digits before or in "0x1" at byte offset 0`},
		{"1 0x02", "", `odd number of hex digits before or in "0x02" at byte offset 0`},
		{"0x0102 0x03", "010203", ""},
		{"abc", "", "odd number of hex digits (3): the last byte at offset 1 has one digit"},
		{"ab é", "", `invalid hex at byte offset 1: "é"`},
	} {
		got, err := parseHexBytes(tc.in)
		if fmt.Sprint(err) != tc.err && !(err == nil && tc.err == "") {
			t.Errorf("parseHexBytes(%q) error = %v, want %q", tc.in, err, tc.err)
			continue
		}
		if err == nil && fmt.Sprintf("%x", got) != tc.want {
			t.Errorf("parseHexBytes(%q) = %x, want %s", tc.in, got, tc.want)
		}
	}
}

// FuzzDecode feeds arbitrary bytes to the decoder: it must never panic,
// and it must either reach the end or stop with an error. Reaching the
// end means the frames it printed tile the input exactly, each starting
// where the one before ended; stopping means an error that names the
// offset where the frames it printed end. Every frame printed with a
// violation, and only those, is counted as breaking a rule.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"818537fa213d7f9f4d5158", "010348656c80026c6f", "827e0100", "827f8000000000000000",
		"880203ed", "010241e2800282ac", "c100", "097e007e", "81", "81fe01", "8105486565",
	} {
		b, _ := parseHexBytes(s)
		f.Add(b)
	}
	header := regexp.MustCompile(`(?m)^frame (\d+) \((?:(\d+) bytes|header of \d+ bytes|\d+ bytes of header and \d+ of payload) at offset (\d+)\)$`)
	stopped := regexp.MustCompile(`^frame (\d+) at byte offset (\d+) `)
	f.Fuzz(func(t *testing.T, data []byte) {
		var out strings.Builder
		d := newFrameDecoder(&out, 8)
		err := d.decodeAll(data)
		var starts, sizes []int // of the frames printed; size -1 when not given
		bad := 0
		for i, part := range strings.Split(out.String(), "\n\nframe ") {
			if i > 0 {
				part = "frame " + part
			}
			m := header.FindStringSubmatch(part)
			if m == nil {
				if part != "" && !strings.HasPrefix(part, "the input ends inside") {
					t.Fatalf("output part %d has no frame line:\n%s", i, part)
				}
				continue
			}
			if num, _ := strconv.Atoi(m[1]); num != len(starts)+1 {
				t.Fatalf("frame %d is numbered %s", len(starts)+1, m[1])
			}
			off, _ := strconv.Atoi(m[3])
			size, e := strconv.Atoi(m[2])
			if e != nil {
				size = -1
			}
			if n := len(starts); n > 0 && (sizes[n-1] < 0 || starts[n-1]+sizes[n-1] != off) {
				t.Fatalf("frame %d starts at offset %d, the one before at %d with %d bytes", n+1, off, starts[n-1], sizes[n-1])
			}
			starts, sizes = append(starts, off), append(sizes, size)
			if strings.Contains(part, "  violates RFC 6455 §") {
				bad++
			}
		}
		if bad != d.bad || len(starts) != d.frames {
			t.Errorf("%d frames printed, %d with a violation; counted %d and %d", len(starts), bad, d.frames, d.bad)
		}
		end := 0 // where the last frame printed ends
		if n := len(starts); n > 0 {
			end = starts[n-1] + sizes[n-1]
		}
		if err == nil {
			if len(starts) > 0 && sizes[len(sizes)-1] < 0 || end != len(data) {
				t.Fatalf("no error, but the frames end at offset %d of %d:\n%s", end, len(data), out.String())
			}
			return
		}
		m := stopped.FindStringSubmatch(err.Error())
		if m == nil {
			t.Fatalf("stopped with %q, which names no frame and offset", err)
		}
		num, _ := strconv.Atoi(m[1])
		off, _ := strconv.Atoi(m[2])
		switch {
		case num == len(starts)+1 && off == end && sizes != nil && sizes[len(sizes)-1] >= 0:
		case num == len(starts)+1 && off == 0 && starts == nil:
			// a header cut short, after the frames printed
		case num == len(starts) && off == starts[num-1] && (sizes[num-1] < 0 || off+sizes[num-1] > len(data)):
			// the last frame printed, cut short or of unknown length
		default:
			t.Fatalf("stopped with %q after frames at %v of sizes %v", err, starts, sizes)
		}
	})
}
