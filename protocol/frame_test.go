package protocol

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"testing/iotest"
)

// bitString turns a fixture written in bits, e.g. "1000 0001 0 0000101",
// into bytes; spaces and newlines are for the reader only.
func bitString(t testing.TB, s string) []byte {
	t.Helper()
	s = strings.Join(strings.Fields(s), "")
	if len(s)%8 != 0 {
		t.Fatalf("bit string %q has %d bits, not a whole number of bytes", s, len(s))
	}
	b := make([]byte, len(s)/8)
	for i, c := range s {
		switch c {
		case '1':
			b[i/8] |= 0x80 >> (i % 8)
		case '0':
		default:
			t.Fatalf("bit string %q: %q is not a bit", s, c)
		}
	}
	return b
}

// unhex decodes hex with spaces in it.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

var helloKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// The examples of RFC 6455 §5.7, whole frames, with the header each
// starts with and its payload once unmasked.
var rfcExamples = []struct {
	name    string
	wire    string // hex
	h       Header
	payload string
}{
	{
		"RFC6455 5.7 single-frame unmasked text",
		"81 05 48 65 6c 6c 6f",
		Header{Fin: true, Opcode: OpText, Length: 5},
		"Hello",
	},
	{
		"RFC6455 5.7 single-frame masked text",
		"81 85 37 fa 21 3d 7f 9f 4d 51 58",
		Header{Fin: true, Opcode: OpText, Masked: true, Key: helloKey, Length: 5},
		"Hello",
	},
	{
		"RFC6455 5.7 fragmented unmasked text, first fragment",
		"01 03 48 65 6c",
		Header{Opcode: OpText, Length: 3},
		"Hel",
	},
	{
		"RFC6455 5.7 fragmented unmasked text, final fragment",
		"80 02 6c 6f",
		Header{Fin: true, Opcode: OpContinuation, Length: 2},
		"lo",
	},
	{
		"RFC6455 5.7 unmasked ping",
		"89 05 48 65 6c 6c 6f",
		Header{Fin: true, Opcode: OpPing, Length: 5},
		"Hello",
	},
	{
		"RFC6455 5.7 masked pong",
		"8a 85 37 fa 21 3d 7f 9f 4d 51 58",
		Header{Fin: true, Opcode: OpPong, Masked: true, Key: helloKey, Length: 5},
		"Hello",
	},
	{
		"RFC6455 5.7 256 bytes binary in a single unmasked frame",
		"82 7E 0100" + strings.Repeat("00", 256),
		Header{Fin: true, Opcode: OpBinary, Length: 256},
		strings.Repeat("\x00", 256),
	},
	{
		"RFC6455 5.7 64KiB binary in a single unmasked frame",
		"82 7F 0000000000010000" + strings.Repeat("00", 65536),
		Header{Fin: true, Opcode: OpBinary, Length: 65536},
		strings.Repeat("\x00", 65536),
	},
}

func TestHeaderRFCExamples(t *testing.T) {
	for _, tc := range rfcExamples {
		t.Run(tc.name, func(t *testing.T) {
			wire := unhex(t, tc.wire)
			h, n, err := ParseHeader(wire)
			if err != nil {
				t.Fatalf("ParseHeader: %v", err)
			}
			if h != tc.h {
				t.Errorf("ParseHeader = %+v, want %+v", h, tc.h)
			}
			if n != tc.h.Size() || n != HeaderSize(wire[1]) {
				t.Errorf("ParseHeader took %d bytes; Size says %d, HeaderSize %d", n, tc.h.Size(), HeaderSize(wire[1]))
			}
			if got := AppendHeader(nil, tc.h); !bytes.Equal(got, wire[:n]) {
				t.Errorf("AppendHeader = % x, want % x", got, wire[:n])
			}
			payload := bytes.Clone(wire[n:])
			if int64(len(payload)) != h.Length {
				t.Fatalf("payload is %d bytes, header says %d", len(payload), h.Length)
			}
			if h.Masked {
				Mask(payload, h.Key, 0)
			}
			if string(payload) != tc.payload {
				t.Errorf("payload = %q, want %q", payload, tc.payload)
			}
			// ReadHeader, one byte at a time, reads exactly the header.
			r := bytes.NewReader(wire)
			rh, err := ReadHeader(iotest.OneByteReader(r), make([]byte, MaxHeaderSize))
			if err != nil || rh != h {
				t.Errorf("ReadHeader = %+v, %v; want %+v", rh, err, h)
			}
			if rest := r.Len(); rest != len(wire)-n {
				t.Errorf("ReadHeader left %d bytes, want the %d of the payload", rest, len(wire)-n)
			}
		})
	}
}

// TestHeaderBitFixtures spells out headers bit by bit, with the fields
// labelled under them, for the lengths at the edges of each encoding.
func TestHeaderBitFixtures(t *testing.T) {
	tests := []struct {
		name string
		bits string
		h    Header
	}{
		{
			"RFC6455 5.2 7-bit length 0",
			`1 000 0010  0 0000000`,
			// F RSV op    M len
			Header{Fin: true, Opcode: OpBinary},
		},
		{
			"RFC6455 5.2 7-bit length 125, the largest",
			`1 000 1001  0 1111101`,
			// F RSV op    M len=125
			Header{Fin: true, Opcode: OpPing, Length: 125},
		},
		{
			"RFC6455 5.2 16-bit length 126, the smallest",
			`1 000 0001  0 1111110  00000000 01111110`,
			// F RSV op    M 126      16-bit length = 126
			Header{Fin: true, Opcode: OpText, Length: 126},
		},
		{
			"RFC6455 5.2 16-bit length 65535, the largest",
			`0 000 0010  1 1111110  11111111 11111111  00000001 00000010 00000011 00000100`,
			// F RSV op    M 126      16-bit length = 65535  masking key 01 02 03 04
			Header{Opcode: OpBinary, Masked: true, Length: 65535, Key: [4]byte{1, 2, 3, 4}},
		},
		{
			"RFC6455 5.2 64-bit length 65536, the smallest",
			`1 000 0010  0 1111111  00000000 00000000 00000000 00000000 00000000 00000001 00000000 00000000`,
			// F RSV op    M 127      64-bit length = 65536
			Header{Fin: true, Opcode: OpBinary, Length: 65536},
		},
		{
			"RFC6455 5.2 64-bit length 2^63-1, the largest",
			`1 111 0000  1 1111111  01111111 11111111 11111111 11111111 11111111 11111111 11111111 11111111  11111111 00000000 11111111 00000000`,
			// F RSV op    M 127      64-bit length with the most significant bit 0                          masking key ff 00 ff 00
			Header{Fin: true, Rsv1: true, Rsv2: true, Rsv3: true, Opcode: OpContinuation, Masked: true, Length: math.MaxInt64, Key: [4]byte{0xff, 0, 0xff, 0}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wire := bitString(t, tc.bits)
			if got := AppendHeader(nil, tc.h); !bytes.Equal(got, wire) {
				t.Errorf("AppendHeader = % x, want % x", got, wire)
			}
			h, n, err := ParseHeader(wire)
			if err != nil || h != tc.h || n != len(wire) {
				t.Errorf("ParseHeader = %+v, %d, %v; want %+v, %d", h, n, err, tc.h, len(wire))
			}
		})
	}
}

// TestHeaderRoundTrip encodes and decodes headers at every length
// boundary, masked and not, with every combination of the first byte.
func TestHeaderRoundTrip(t *testing.T) {
	lengths := []struct {
		n    int64
		size int // extended length bytes
	}{{0, 0}, {1, 0}, {125, 0}, {126, 2}, {127, 2}, {65535, 2}, {65536, 8}, {1 << 32, 8}, {math.MaxInt64, 8}}
	buf := make([]byte, MaxHeaderSize)
	for _, l := range lengths {
		for b0 := range 256 {
			for _, masked := range []bool{false, true} {
				h := Header{
					Fin: b0&0x80 != 0, Rsv1: b0&0x40 != 0, Rsv2: b0&0x20 != 0, Rsv3: b0&0x10 != 0,
					Opcode: Opcode(b0 & 0xF), Masked: masked, Length: l.n,
				}
				if masked {
					h.Key = [4]byte{byte(b0), 0xa5, 0x5a, byte(l.n)}
				}
				wire := AppendHeader([]byte("prefix"), h)[len("prefix"):]
				if wire[0] != byte(b0) {
					t.Fatalf("%v: first byte %08b, want %08b", h, wire[0], b0)
				}
				if h.LengthSize() != l.size || len(wire) != h.Size() || len(wire) != HeaderSize(wire[1]) {
					t.Fatalf("%v: %d bytes, LengthSize %d (want %d), Size %d, HeaderSize %d",
						h, len(wire), h.LengthSize(), l.size, h.Size(), HeaderSize(wire[1]))
				}
				got, n, err := ParseHeader(wire)
				if err != nil || got != h || n != len(wire) {
					t.Fatalf("ParseHeader(% x) = %+v, %d, %v; want %+v", wire, got, n, err, h)
				}
				got, err = ReadHeader(iotest.OneByteReader(bytes.NewReader(wire)), buf)
				if err != nil || got != h {
					t.Fatalf("ReadHeader(% x) = %+v, %v; want %+v", wire, got, err, h)
				}
			}
		}
	}
}

func TestAppendHeaderNegativeLength(t *testing.T) {
	got := AppendHeader(nil, Header{Fin: true, Opcode: OpText, Length: -1})
	if want := []byte{0x81, 0x00}; !bytes.Equal(got, want) {
		t.Errorf("AppendHeader with Length -1 = % x, want % x", got, want)
	}
}

// TestParseHeaderLengthErrors checks the length rules of RFC 6455 §5.2,
// and that the header is still returned whole for an inspector to show.
func TestParseHeaderLengthErrors(t *testing.T) {
	tests := []struct {
		name string
		wire string
		h    Header // as returned with the error
	}{
		{"RFC6455 5.2 non-minimal 16-bit length 0", "82 7E 0000", Header{Fin: true, Opcode: OpBinary, Length: 0}},
		{"RFC6455 5.2 non-minimal 16-bit length 125", "82 7E 007D", Header{Fin: true, Opcode: OpBinary, Length: 125}},
		{"RFC6455 5.2 non-minimal 16-bit length, masked", "82 FE 0005 01020304", Header{Fin: true, Opcode: OpBinary, Masked: true, Key: [4]byte{1, 2, 3, 4}, Length: 5}},
		{"RFC6455 5.2 non-minimal 64-bit length 0", "82 7F 0000000000000000", Header{Fin: true, Opcode: OpBinary, Length: 0}},
		{"RFC6455 5.2 non-minimal 64-bit length 65535", "82 7F 000000000000FFFF", Header{Fin: true, Opcode: OpBinary, Length: 65535}},
		{"RFC6455 5.2 non-minimal 64-bit length 125", "82 7F 000000000000007D", Header{Fin: true, Opcode: OpBinary, Length: 125}},
		{"RFC6455 5.2 64-bit length with most significant bit set", "82 7F 8000000000000000", Header{Fin: true, Opcode: OpBinary}},
		{"RFC6455 5.2 64-bit length all ones", "82 FF FFFFFFFFFFFFFFFF 37fa213d", Header{Fin: true, Opcode: OpBinary, Masked: true, Key: helloKey}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wire := unhex(t, tc.wire)
			h, n, err := ParseHeader(wire)
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Code != StatusProtocolError {
				t.Fatalf("ParseHeader error = %v, want a *ProtocolError with code 1002", err)
			}
			if h != tc.h || n != len(wire) {
				t.Errorf("ParseHeader = %+v, %d; want %+v, %d", h, n, tc.h, len(wire))
			}
			_, rerr := ReadHeader(iotest.OneByteReader(bytes.NewReader(wire)), make([]byte, MaxHeaderSize))
			if rerr == nil || rerr.Error() != err.Error() {
				t.Errorf("ReadHeader error = %v, want %v", rerr, err)
			}
		})
	}
}

// TestHeaderTruncated cuts every header short at every byte.
func TestHeaderTruncated(t *testing.T) {
	for _, tc := range rfcExamples {
		wire := AppendHeader(nil, tc.h)
		for cut := range len(wire) {
			_, n, err := ParseHeader(wire[:cut])
			if err != ErrShortHeader || n != 0 {
				t.Errorf("%s: ParseHeader of %d of %d bytes = %d, %v; want ErrShortHeader", tc.name, cut, len(wire), n, err)
			}
			want := io.ErrUnexpectedEOF
			if cut == 0 {
				want = io.EOF
			}
			_, err = ReadHeader(iotest.OneByteReader(bytes.NewReader(wire[:cut])), make([]byte, MaxHeaderSize))
			if err != want {
				t.Errorf("%s: ReadHeader of %d of %d bytes: error %v, want %v", tc.name, cut, len(wire), err, want)
			}
		}
	}
	// A short header whose length would also be wrong is short first:
	// ParseHeader judges a header only when all of it is there.
	if _, _, err := ParseHeader(unhex(t, "82 FE 0005 0102")); err != ErrShortHeader {
		t.Errorf("masked non-minimal header without its key: %v, want ErrShortHeader", err)
	}
}

func TestReadHeaderErrors(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(bytes.NewReader([]byte{0x82, 0x7e, 0x01}), iotest.ErrReader(boom))
	if _, err := ReadHeader(r, make([]byte, MaxHeaderSize)); err != boom {
		t.Errorf("ReadHeader with a failing reader: %v, want boom", err)
	}
	// Frames back to back: each ReadHeader stops at its header's end.
	var stream []byte
	for _, tc := range rfcExamples {
		stream = append(stream, unhex(t, tc.wire)...)
	}
	br := bytes.NewReader(stream)
	one := iotest.OneByteReader(br)
	buf := make([]byte, MaxHeaderSize)
	for _, tc := range rfcExamples {
		h, err := ReadHeader(one, buf)
		if err != nil || h != tc.h {
			t.Fatalf("%s: ReadHeader = %+v, %v; want %+v", tc.name, h, err, tc.h)
		}
		if _, err := br.Seek(h.Length, io.SeekCurrent); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ReadHeader(one, buf); err != io.EOF {
		t.Errorf("ReadHeader at the end: %v, want io.EOF", err)
	}
}

func TestHeaderCheck(t *testing.T) {
	ok := func(op Opcode, masked bool) Header { return Header{Fin: true, Opcode: op, Masked: masked, Length: 5} }
	with := func(h Header, f func(*Header)) Header { f(&h); return h }
	tests := []struct {
		name       string
		h          Header
		role       Role
		allowedRsv byte
		wantErr    string // substring; "" for no error
	}{
		{"RFC6455 5.2 RSV1 without extension", with(ok(OpText, true), func(h *Header) { h.Rsv1 = true }), RoleServer, 0, "RSV bits 100"},
		{"RFC6455 5.2 RSV2 without extension", with(ok(OpText, true), func(h *Header) { h.Rsv2 = true }), RoleServer, 0, "RSV bits 010"},
		{"RFC6455 5.2 RSV3 without extension", with(ok(OpText, true), func(h *Header) { h.Rsv3 = true }), RoleServer, 0, "RSV bits 001"},
		{"RFC6455 5.2 RSV1 with an extension that defines it", with(ok(OpText, true), func(h *Header) { h.Rsv1 = true }), RoleServer, 0x40, ""},
		{"RFC6455 5.2 RSV2 with an extension that defines only RSV1", with(ok(OpText, false), func(h *Header) { h.Rsv1, h.Rsv2 = true, true }), RoleClient, 0x40, "RSV bits 010"},
		{"RFC6455 5.1 server receives unmasked frame", ok(OpText, false), RoleServer, 0, "not masked"},
		{"RFC6455 5.1 client receives masked frame", ok(OpText, true), RoleClient, 0, "is masked"},
		{"RFC6455 5.1 server receives masked frame", ok(OpBinary, true), RoleServer, 0, ""},
		{"RFC6455 5.1 client receives unmasked frame", ok(OpBinary, false), RoleClient, 0, ""},
		{"RFC6455 5.4 continuation without FIN", with(ok(OpContinuation, false), func(h *Header) { h.Fin = false }), RoleClient, 0, ""},
		{"RFC6455 5.5 close of 125 bytes", with(ok(OpClose, false), func(h *Header) { h.Length = 125 }), RoleClient, 0, ""},
		{"RFC6455 5.5 close over 125 bytes", with(ok(OpClose, false), func(h *Header) { h.Length = 126 }), RoleClient, 0, "125 bytes or less, not"},
		{"RFC6455 5.5 ping over 125 bytes", with(ok(OpPing, true), func(h *Header) { h.Length = 65536 }), RoleServer, 0, "125 bytes or less, not"},
		{"RFC6455 5.5 pong over 125 bytes", with(ok(OpPong, true), func(h *Header) { h.Length = 126 }), RoleServer, 0, "125 bytes or less, not"},
		{"RFC6455 5.5 fragmented close", with(ok(OpClose, false), func(h *Header) { h.Fin = false }), RoleClient, 0, "fragmented"},
		{"RFC6455 5.5 fragmented ping", with(ok(OpPing, true), func(h *Header) { h.Fin = false }), RoleServer, 0, "fragmented"},
		{"RFC6455 5.5 fragmented pong", with(ok(OpPong, true), func(h *Header) { h.Fin = false }), RoleServer, 0, "fragmented"},
		{"RFC6455 5.5 data frame over 125 bytes", with(ok(OpText, true), func(h *Header) { h.Length = 1 << 20 }), RoleServer, 0, ""},
	}
	for op := Opcode(0); op <= 0xF; op++ {
		if op.IsReserved() {
			tests = append(tests, struct {
				name       string
				h          Header
				role       Role
				allowedRsv byte
				wantErr    string
			}{"RFC6455 5.2 reserved opcode " + op.String(), ok(op, true), RoleServer, 0, "is reserved"})
		}
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.h.Check(tc.role, tc.allowedRsv)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Code != StatusProtocolError || !strings.Contains(pe.Reason, tc.wantErr) {
				t.Fatalf("Check = %v, want a 1002 ProtocolError containing %q", err, tc.wantErr)
			}
			// The test's name cites the section; the error must too.
			if rule := strings.Fields(tc.name)[1]; pe.Rule != rule {
				t.Errorf("Rule = %q, want %q", pe.Rule, rule)
			}
			if errs := tc.h.Violations(tc.role, tc.allowedRsv); len(errs) == 0 || errs[0].Error() != err.Error() {
				t.Errorf("Violations = %v, want %v first", errs, err)
			}
		})
	}
}

// Check's quick test for a good header and its rules agree: for every
// first byte, both MASK bits, lengths around the control limit, both
// roles and with or without an extension's RSV1, Check finds a violation
// exactly when Violations lists one, and it is the first listed.
func TestHeaderCheckAgreesWithViolations(t *testing.T) {
	for b0 := range 256 {
		for _, masked := range []bool{false, true} {
			for _, n := range []int64{0, 125, 126} {
				for _, role := range []Role{RoleServer, RoleClient} {
					for _, rsv := range []byte{0, bitRsv1} {
						h := Header{Fin: b0&bitFin != 0, Rsv1: b0&bitRsv1 != 0, Rsv2: b0&bitRsv2 != 0, Rsv3: b0&bitRsv3 != 0,
							Opcode: Opcode(b0 & 0xF), Masked: masked, Length: n}
						err, errs := h.Check(role, rsv), h.Violations(role, rsv)
						if (err == nil) != (len(errs) == 0) || err != nil && err.Error() != errs[0].Error() {
							t.Fatalf("%v as %d with RSV %x: Check %v, Violations %v", h, role, rsv, err, errs)
						}
					}
				}
			}
		}
	}
}

func TestOpcode(t *testing.T) {
	names := map[Opcode]string{0: "continuation", 1: "text", 2: "binary", 8: "close", 9: "ping", 0xA: "pong"}
	for op := Opcode(0); op <= 0xF; op++ {
		name, defined := names[op]
		if !defined {
			name = "reserved(0x" + strings.ToUpper(hex.EncodeToString([]byte{byte(op)}))[1:] + ")"
		}
		if got := op.String(); got != name {
			t.Errorf("Opcode(%d).String() = %q, want %q", op, got, name)
		}
		if op.IsReserved() == defined {
			t.Errorf("Opcode(%d).IsReserved() = %v", op, op.IsReserved())
		}
		// RFC 6455 §5.5: control frames have opcodes 0x8-0xF.
		if op.IsControl() != (op >= 8) {
			t.Errorf("Opcode(%d).IsControl() = %v", op, op.IsControl())
		}
	}
	if !Opcode(0x10).IsReserved() {
		t.Error("Opcode(0x10) is not reserved")
	}
}

func TestHeaderString(t *testing.T) {
	tests := []struct {
		h    Header
		want string
	}{
		{Header{Fin: true, Opcode: OpText, Masked: true, Key: helloKey, Length: 5}, "FIN text len=5 masked key=37fa213d"},
		{Header{Opcode: OpContinuation, Rsv1: true, Rsv3: true, Length: 70000}, "RSV1 RSV3 continuation len=70000"},
		{Header{Fin: true, Opcode: 0xB}, "FIN reserved(0xB) len=0"},
	}
	for _, tc := range tests {
		if got := tc.h.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

func TestHeaderCodecAllocs(t *testing.T) {
	h := Header{Fin: true, Opcode: OpBinary, Masked: true, Key: helloKey, Length: 1 << 20}
	buf := make([]byte, 0, MaxHeaderSize)
	wire := AppendHeader(nil, h)
	r := bytes.NewReader(wire)
	for name, f := range map[string]func(){
		"AppendHeader": func() { buf = AppendHeader(buf[:0], h) },
		"ParseHeader":  func() { ParseHeader(wire) },
		"ReadHeader":   func() { r.Reset(wire); ReadHeader(r, buf[:MaxHeaderSize]) },
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s allocates %v times", name, n)
		}
	}
}
