package demo

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"wiretalk/protocol"
)

// wireFrame builds the Frame the observer would report for the bytes of
// one frame as they were on the wire, read by a protocol.Decoder as the
// end receiving it would (the server for inbound frames, the browser for
// outbound), so that Message and Err are what the reader would know.
func wireFrame(t *testing.T, dir protocol.Direction, wire []byte) protocol.Frame {
	t.Helper()
	d := receiver(dir)
	return nextFrame(t, &d, dir, wire)
}

func receiver(dir protocol.Direction) protocol.Decoder {
	if dir == protocol.Outbound {
		return protocol.Decoder{Role: protocol.RoleClient}
	}
	return protocol.Decoder{Role: protocol.RoleServer}
}

// nextFrame is wireFrame for the next frame of a connection that d reads.
func nextFrame(t *testing.T, d *protocol.Decoder, dir protocol.Direction, wire []byte) protocol.Frame {
	t.Helper()
	f, n, err := d.Decode(wire)
	if err != nil || n != len(wire) {
		t.Fatalf("Decode(% x): %d bytes, %v", wire[:min(len(wire), 14)], n, err)
	}
	f.Dir = dir
	f.Time = time.Date(2026, 5, 1, 12, 0, 0, 1500000, time.UTC)
	return f
}

var start = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// The examples of RFC 6455 §5.7, with the fields under the bytes.
func TestFromFrameRFC6455Examples(t *testing.T) {
	type want struct {
		dir, opName, key, extLen, payload, payloadAs string
		fin, mask                                    bool
		opcode, len7, lengthBits                     int
		length                                       int64
		shown                                        int
		more                                         int64
	}
	bin256 := make([]byte, 256)
	bin64k := make([]byte, 65536)
	for i := range bin64k {
		bin64k[i] = byte(i)
	}
	copy(bin256, bin64k)

	tests := []struct {
		name string
		dir  protocol.Direction
		wire []byte
		want want
	}{{
		name: "RFC6455 5.7 single-frame unmasked text",
		dir:  protocol.Outbound,
		wire: []byte{
			0x81, //  1 000 0001: FIN, text
			0x05, //  0 0000101: not masked, length 5
			'H', 'e', 'l', 'l', 'o',
		},
		want: want{dir: "out", opName: "text", payload: "Hello", payloadAs: "text",
			fin: true, opcode: 1, len7: 5, lengthBits: 7, length: 5, shown: 5},
	}, {
		name: "RFC6455 5.7 single-frame masked text",
		dir:  protocol.Inbound,
		wire: []byte{
			0x81,                   // 1 000 0001: FIN, text
			0x85,                   // 1 0000101: MASK, length 5
			0x37, 0xfa, 0x21, 0x3d, // masking key
			0x7f, 0x9f, 0x4d, 0x51, 0x58, // "Hello" masked
		},
		want: want{dir: "in", opName: "text", key: "37fa213d", payload: "Hello", payloadAs: "text",
			fin: true, mask: true, opcode: 1, len7: 5, lengthBits: 7, length: 5, shown: 5},
	}, {
		name: "RFC6455 5.7 unmasked ping",
		dir:  protocol.Outbound,
		wire: []byte{
			0x89, // 1 000 1001: FIN, ping
			0x05, // 0 0000101: not masked, length 5
			'H', 'e', 'l', 'l', 'o',
		},
		want: want{dir: "out", opName: "ping", payload: "Hello", payloadAs: "text",
			fin: true, opcode: 9, len7: 5, lengthBits: 7, length: 5, shown: 5},
	}, {
		name: "RFC6455 5.7 masked pong",
		dir:  protocol.Inbound,
		wire: []byte{
			0x8a,                   // 1 000 1010: FIN, pong
			0x85,                   // 1 0000101: MASK, length 5
			0x37, 0xfa, 0x21, 0x3d, // masking key
			0x7f, 0x9f, 0x4d, 0x51, 0x58,
		},
		want: want{dir: "in", opName: "pong", key: "37fa213d", payload: "Hello", payloadAs: "text",
			fin: true, mask: true, opcode: 10, len7: 5, lengthBits: 7, length: 5, shown: 5},
	}, {
		name: "RFC6455 5.7 256 bytes binary in a 16-bit length",
		dir:  protocol.Outbound,
		wire: append([]byte{
			0x82,       // 1 000 0010: FIN, binary
			0x7e,       // 0 1111110: not masked, 126: a 16-bit length follows
			0x01, 0x00, // 256
		}, bin256...),
		want: want{dir: "out", opName: "binary", extLen: "0100", payload: spacedHex(bin256), payloadAs: "hex",
			fin: true, opcode: 2, len7: 126, lengthBits: 16, length: 256, shown: 256},
	}, {
		name: "RFC6455 5.7 64 KiB binary in a 64-bit length",
		dir:  protocol.Outbound,
		wire: append([]byte{
			0x82,                                           // 1 000 0010: FIN, binary
			0x7f,                                           // 0 1111111: not masked, 127: a 64-bit length follows
			0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, // 65536
		}, bin64k...),
		want: want{dir: "out", opName: "binary", extLen: "0000000000010000", payload: spacedHex(bin64k[:HexLimit]), payloadAs: "hex",
			fin: true, opcode: 2, len7: 127, lengthBits: 64, length: 65536, shown: HexLimit, more: 65536 - HexLimit},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := wireFrame(t, tt.dir, tt.wire)
			r := FromFrame(f, 7, start)
			if r.Type != "frame" || r.Seq != 7 || r.Ms != 1.5 || r.Frame == nil {
				t.Fatalf("record = %+v, want a frame with seq 7 at 1.5 ms", r)
			}
			fr := r.Frame
			got := want{fr.Dir, fr.OpName, fr.Key, fr.ExtLen, fr.Payload, fr.PayloadAs,
				fr.Fin, fr.Mask, fr.Opcode, fr.Len7, fr.LengthBits, fr.Length, fr.Shown, fr.More}
			if got != tt.want {
				got.payload, tt.want.payload = abbrev(got.payload), abbrev(tt.want.payload)
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if hdr := len(f.Raw); fr.Header != hexOf(tt.wire[:hdr]) {
				t.Errorf("header = %s, want % x", fr.Header, tt.wire[:hdr])
			}
			if fr.Rsv1 || fr.Rsv2 || fr.Rsv3 || len(fr.Violations) != 0 {
				t.Errorf("rsv %v %v %v, violations %+v: want none", fr.Rsv1, fr.Rsv2, fr.Rsv3, fr.Violations)
			}
			if n := min(int(fr.Length), RowLimit); len(fr.Rows) != n {
				t.Errorf("%d rows, want %d", len(fr.Rows), n)
			}
			for i, row := range fr.Rows {
				if row.I != i || row.Masked^row.Key != row.Unmasked || row.Unmasked != f.Unmasked[i] {
					t.Errorf("row %d = %+v: not masked ^ key = unmasked byte %#x", i, row, f.Unmasked[i])
				}
			}
		})
	}
}

// The masked "Hello" of RFC 6455 §5.7, byte by byte: 7f ^ 37 = 48 'H'.
func TestFromFrameXORRows(t *testing.T) {
	f := wireFrame(t, protocol.Inbound, []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58})
	got := FromFrame(f, 1, start).Frame.Rows
	want := []Row{
		{I: 0, Masked: 0x7f, Key: 0x37, Unmasked: 0x48, Char: "H"},
		{I: 1, Masked: 0x9f, Key: 0xfa, Unmasked: 0x65, Char: "e"},
		{I: 2, Masked: 0x4d, Key: 0x21, Unmasked: 0x6c, Char: "l"},
		{I: 3, Masked: 0x51, Key: 0x3d, Unmasked: 0x6c, Char: "l"},
		{I: 4, Masked: 0x58, Key: 0x37, Unmasked: 0x6f, Char: "o"}, // key byte 4 mod 4 = 0
	}
	if !slices.Equal(got, want) {
		t.Errorf("rows\n got %+v\nwant %+v", got, want)
	}
}

func TestFromFrameFragmentedText(t *testing.T) {
	// RFC 6455 §5.7: "Hel" with FIN=0, then "lo" in a continuation.
	firstWire, contWire := []byte{0x01, 0x03, 'H', 'e', 'l'}, []byte{0x80, 0x02, 'l', 'o'}
	d := receiver(protocol.Outbound)
	first := nextFrame(t, &d, protocol.Outbound, firstWire)
	cont := nextFrame(t, &d, protocol.Outbound, contWire)

	r := FromFrame(first, 1, start).Frame
	if r.Fin || r.OpName != "text" || r.Message != "text" || r.Payload != "Hel" {
		t.Errorf("first fragment = fin %v %s message %q payload %q, want FIN=0 text \"Hel\"", r.Fin, r.OpName, r.Message, r.Payload)
	}
	// The reader knew the continuation belongs to a text message: text.
	r = FromFrame(cont, 2, start).Frame
	if r.Message != "text" || r.PayloadAs != "text" || r.Payload != "lo" || len(r.Violations) != 0 {
		t.Errorf("text continuation = message %q %s %q %v, want text \"lo\"", r.Message, r.PayloadAs, r.Payload, r.Violations)
	}
	// Alone, with nothing known of it, its message type is unknown: hex.
	bare := cont
	bare.Message, bare.Err = 0, nil
	r = FromFrame(bare, 2, start).Frame
	if !r.Fin || r.OpName != "continuation" || r.Message != "" || r.PayloadAs != "hex" || r.Payload != "6c 6f" {
		t.Errorf("lone continuation = fin %v %s message %q %s %q, want FIN=1 continuation as hex \"6c 6f\"", r.Fin, r.OpName, r.Message, r.PayloadAs, r.Payload)
	}
	if len(r.Violations) != 0 {
		t.Errorf("lone continuation violations %+v, want none (the start may not have been seen)", r.Violations)
	}
	// Read by a connection with no message open, it breaks RFC 6455 §5.4.
	r = FromFrame(wireFrame(t, protocol.Outbound, contWire), 2, start).Frame
	if len(r.Violations) != 1 || r.Violations[0].Rule != "5.4" || r.Violations[0].Code != 1002 ||
		!strings.Contains(r.Violations[0].Reason, "no fragmented message") {
		t.Errorf("orphan continuation violations %+v, want one about no fragmented message", r.Violations)
	}
}

func TestFromFrameClose(t *testing.T) {
	tests := []struct {
		name       string
		wire       []byte
		want       CloseRecord
		violations int
	}{
		{"close 1000 with a reason", []byte{0x88, 0x05, 0x03, 0xe8, 'b', 'y', 'e'}, CloseRecord{1000, "normal closure", "bye"}, 0},
		{"close 1009 from the read limit", []byte{0x88, 0x02, 0x03, 0xf1}, CloseRecord{1009, "message too big", ""}, 0},
		{"empty close means no status", []byte{0x88, 0x00}, CloseRecord{1005, "no status received", ""}, 0},
		{"RFC6455 7.4.1 close 1005 may not be sent", []byte{0x88, 0x02, 0x03, 0xed}, CloseRecord{1005, "no status received", ""}, 1},
		{"private use code", []byte{0x88, 0x02, 0x0f, 0xa0}, CloseRecord{4000, "private use", ""}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fr := FromFrame(wireFrame(t, protocol.Outbound, tt.wire), 1, start).Frame
			if fr.Close == nil || *fr.Close != tt.want {
				t.Errorf("close = %+v, want %+v", fr.Close, tt.want)
			}
			if len(fr.Violations) != tt.violations {
				t.Errorf("violations %+v, want %d", fr.Violations, tt.violations)
			}
		})
	}
}

func TestFromFrameViolations(t *testing.T) {
	tests := []struct {
		name string
		dir  protocol.Direction
		wire []byte
		want string
		code int
	}{
		{"RFC6455 5.1 unmasked client frame", protocol.Inbound, []byte{0x81, 0x01, 'a'}, "not masked", 1002},
		{"RFC6455 5.1 masked server frame", protocol.Outbound, []byte{0x81, 0x81, 1, 2, 3, 4, 'a' ^ 1}, "masked", 1002},
		{"RFC6455 5.2 reserved bit", protocol.Outbound, []byte{0xc1, 0x01, 'a'}, "RSV bits", 1002},
		{"RFC6455 5.5 fragmented ping", protocol.Outbound, []byte{0x09, 0x00}, "fragmented", 1002},
		{"RFC6455 8.1 invalid UTF-8 text", protocol.Outbound, []byte{0x81, 0x02, 0xc3, 0x28}, "UTF-8", 1007},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fr := FromFrame(wireFrame(t, tt.dir, tt.wire), 1, start).Frame
			// The test's name cites the section; the record must too.
			if v := fr.Violations; len(v) != 1 || !strings.Contains(v[0].Reason, tt.want) || v[0].Code != tt.code ||
				v[0].Rule != strings.Fields(tt.name)[1] {
				t.Errorf("violations %+v, want one containing %q, close %d", fr.Violations, tt.want, tt.code)
			}
		})
	}
}

func TestFromFrameTextDisplay(t *testing.T) {
	// A long text is cut for display at a character boundary, never
	// inside "é"; the full length is still given.
	text := strings.Repeat("é", TextLimit) // 2 bytes each
	wire := protocol.AppendHeader(nil, protocol.Header{Fin: true, Opcode: protocol.OpText, Length: int64(len(text))})
	fr := FromFrame(wireFrame(t, protocol.Outbound, append(wire, text...)), 1, start).Frame
	if fr.Shown != TextLimit || fr.Payload != text[:TextLimit] || fr.More != int64(len(text)-TextLimit) {
		t.Errorf("shown %d, more %d, want %d and %d", fr.Shown, fr.More, TextLimit, len(text)-TextLimit)
	}
	if fr.LengthBits != 16 || fr.UTF8Valid == nil || !*fr.UTF8Valid {
		t.Errorf("lengthBits %d utf8Valid %v, want 16 and true", fr.LengthBits, fr.UTF8Valid)
	}
	if fr.Rows[0].Char != "é" || fr.Rows[1].Char != "" {
		t.Errorf("chars %q %q, want é at its first byte and nothing at the second", fr.Rows[0].Char, fr.Rows[1].Char)
	}
	// Markup is text like any other: the record carries it verbatim and
	// the page inserts it with textContent.
	xss := `<img src=x onerror="window.__xss=1">`
	wire = protocol.AppendHeader(nil, protocol.Header{Fin: true, Opcode: protocol.OpText, Length: int64(len(xss))})
	if fr := FromFrame(wireFrame(t, protocol.Outbound, append(wire, xss...)), 1, start).Frame; fr.Payload != xss {
		t.Errorf("payload %q, want %q", fr.Payload, xss)
	}
}

func TestFromHandshakeRFC6455Example(t *testing.T) {
	// RFC 6455 §1.3 and §4.2.2: the sample nonce and its accept value.
	req := "GET /demo/specimen?feed=abc HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n" +
		"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nCookie: wiretalk-presenter=s3cret\r\n" +
		"Sec-WebSocket-Version: 13\r\n\r\n"
	resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
	for _, h := range []protocol.Handshake{
		{Request: []byte(req), Response: []byte(resp), Key: "dGhlIHNhbXBsZSBub25jZQ==", Accept: "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="},
		{Request: []byte(req), Response: []byte(resp)}, // key and accept from the headers
	} {
		r := FromHandshake(h)
		hr := r.Handshake
		if r.Type != "handshake" || hr == nil {
			t.Fatalf("record = %+v, want a handshake", r)
		}
		want := HandshakeRecord{
			Key:    "dGhlIHNhbXBsZSBub25jZQ==",
			GUID:   "258EAFA5-E914-47DA-95CA-C5AB0DC85B11",
			Concat: "dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11",
			SHA1:   "b37a4f2cc0624f1690f64606cf385945b2bec4ea",
			Accept: "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
			Sent:   "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
			Match:  true,
		}
		got := *hr
		got.Request, got.Response = nil, nil
		if got.Key != want.Key || got.GUID != want.GUID || got.Concat != want.Concat || got.SHA1 != want.SHA1 ||
			got.Accept != want.Accept || got.Sent != want.Sent || got.Match != want.Match {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
		if len(hr.Request) != 7 || hr.Request[0] != "GET /demo/specimen?feed=abc HTTP/1.1" || len(hr.Response) != 4 {
			t.Errorf("request %q response %q: want 7 and 4 lines", hr.Request, hr.Response)
		}
		if s := strings.Join(hr.Request, "\n"); strings.Contains(s, "s3cret") || !strings.Contains(s, "Cookie: (hidden, 25 bytes)") {
			t.Errorf("request lines %q: the cookie's value must be hidden", hr.Request)
		}
	}
	if r := FromHandshake(protocol.Handshake{Key: "dGhlIHNhbXBsZSBub25jZQ==", Accept: "wrong"}); r.Handshake.Match {
		t.Errorf("a wrong accept value matched")
	}
}

// The page reads these JSON names; renaming one breaks it.
func TestRecordJSONNames(t *testing.T) {
	f := wireFrame(t, protocol.Inbound, []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58})
	b, err := json.Marshal(FromFrame(f, 1, start))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{`"type":"frame"`, `"seq":1`, `"ms":1.5`, `"dir":"in"`, `"label":"browser → server"`,
		`"fin":true`, `"rsv1":false`, `"opcode":1`, `"opName":"text"`, `"mask":true`, `"len7":5`, `"lengthBits":7`,
		`"length":5`, `"extLen":""`, `"key":"37fa213d"`, `"header":"818537fa213d"`, `"headerSize":6`,
		`"bits":["10000001","10000101"]`, `"opMeaning":"the message is UTF-8"`, `"preview":"Hello"`,
		`"rows":[{"i":0,"masked":127,"key":55,"unmasked":72,"char":"H"}`,
		`"payload":"Hello"`, `"payloadAs":"text"`, `"shown":5`, `"more":0`, `"utf8Valid":true`} {
		if !bytes.Contains(b, []byte(name)) {
			t.Errorf("JSON lacks %s:\n%s", name, b)
		}
	}
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }

func abbrev(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// A frame whose payload did not all cross the wire, as when a header over
// the read limit fails the connection before the payload is read.
func TestFromFramePartialPayload(t *testing.T) {
	h := protocol.Header{Fin: true, Opcode: protocol.OpBinary, Masked: true, Key: [4]byte{1, 2, 3, 4}, Length: 2 << 20}
	raw := protocol.AppendHeader(nil, h)
	f := protocol.Frame{Dir: protocol.Inbound, Header: h, Raw: raw, Payload: []byte{9, 9, 9}, Unmasked: []byte{8, 11, 10}}
	fr := FromFrame(f, 1, start).Frame
	if !fr.Partial || fr.Received != 3 || fr.Length != 2<<20 || fr.Shown != 3 || fr.More != 2<<20-3 || len(fr.Rows) != 3 {
		t.Errorf("partial frame = partial %v received %d length %d shown %d more %d rows %d", fr.Partial, fr.Received, fr.Length, fr.Shown, fr.More, len(fr.Rows))
	}
	if fr.ExtLen != "0000000000200000" || fr.LengthBits != 64 {
		t.Errorf("extLen %s (%d-bit), want 0000000000200000 (64-bit)", fr.ExtLen, fr.LengthBits)
	}
}

// The list of frames shows the start of each payload, as DevTools does.
func TestFromFramePreview(t *testing.T) {
	long := strings.Repeat("abcdefghij", 5)
	tests := []struct {
		name string
		wire []byte
		want string
	}{
		{"short text whole", append([]byte{0x81, 15}, "Hello, wiretalk"...), "Hello, wiretalk"},
		{"long text cut at 40 characters", append([]byte{0x81, 50}, long...), long[:40] + "…"},
		{"characters, not bytes", append([]byte{0x81, 82}, strings.Repeat("é", 41)...), strings.Repeat("é", 40) + "…"},
		{"line breaks on one line", append([]byte{0x81, 4}, "a\nb\t"...), "a b "},
		{"binary in hex", []byte{0x82, 3, 0x3c, 0x69, 0x6d}, "3c 69 6d"},
		{"long binary cut", append([]byte{0x82, 20}, make([]byte, 20)...), strings.TrimSpace(strings.Repeat("00 ", 12)) + " …"},
		{"close code and reason", []byte{0x88, 5, 0x03, 0xe8, 'b', 'y', 'e'}, "1000 normal closure, bye"},
		{"empty", []byte{0x81, 0}, ""},
		{"markup stays text", append([]byte{0x81, 9}, "<b>hi</b>"...), "<b>hi</b>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FromFrame(wireFrame(t, protocol.Outbound, tt.wire), 1, start).Frame.Preview; got != tt.want {
				t.Errorf("preview %q, want %q", got, tt.want)
			}
		})
	}
}
