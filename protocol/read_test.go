package protocol

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Frames a client sends (masked).
func cf(fin bool, op Opcode, p string) []byte { return frame(true, fin, op, []byte(p)) }

// Frames a server sends (unmasked).
func sf(fin bool, op Opcode, p string) []byte { return frame(false, fin, op, []byte(p)) }

// rawFrame encodes any header, even one the codec's users would refuse,
// with payload masked when h.Masked.
func rawFrame(h Header, p string) []byte {
	h.Length = int64(len(p))
	b := AppendHeader(nil, h)
	q := []byte(p)
	if h.Masked {
		Mask(q, h.Key, 0)
	}
	return append(b, q...)
}

func closeFrame(code uint16, reason string) []byte {
	p := binary.BigEndian.AppendUint16(nil, code)
	return cf(true, OpClose, string(p)+reason)
}

var clientKey = [4]byte{9, 8, 7, 6}

// readCase is one rule of RFC 6455 that the reading side enforces: what
// the peer sends, what reads return, and what the Conn writes back.
type readCase struct {
	name     string
	role     Role // RoleServer unless set
	in       [][]byte
	keepOpen bool  // the peer sends nothing more but keeps TCP open (fail-fast checks)
	limit    int64 // read limit; 0 means the default
	msgs     []string
	fail     StatusCode // reads end with a *ProtocolError with this code
	peer     StatusCode // reads end with the peer's *CloseError with this code
	err      error      // reads end with this error (errors.Is)
	out      []string   // the frames written back, as describeFrame gives them
}

func describeFrame(f wireFrame) string {
	s := f.Opcode.String()
	if f.Opcode == OpClose {
		s = fmt.Sprintf("close %d", uint16(closeCode(f)))
	} else {
		s += fmt.Sprintf(" %q", f.Payload)
	}
	if f.Masked {
		s += " masked"
	}
	return s
}

func describeMsg(op Opcode, p []byte) string { return fmt.Sprintf("%s %q", op, p) }

var readCases = []readCase{
	// Data frames.
	{name: "RFC6455 5.6 text message", in: [][]byte{cf(true, OpText, "Hello")}, msgs: []string{`text "Hello"`}, err: io.EOF},
	{name: "RFC6455 5.6 binary message is not checked as UTF-8", in: [][]byte{cf(true, OpBinary, "\xff\xfe\x00")}, msgs: []string{`binary "\xff\xfe\x00"`}, err: io.EOF},
	{name: "RFC6455 5.6 empty text message", in: [][]byte{cf(true, OpText, "")}, msgs: []string{`text ""`}, err: io.EOF},
	{name: "RFC6455 5.2 16-bit length: 126-byte message", in: [][]byte{cf(true, OpBinary, strings.Repeat("x", 126))},
		msgs: []string{fmt.Sprintf("binary %q", strings.Repeat("x", 126))}, err: io.EOF},
	{name: "RFC6455 5.2 64-bit length: 65536-byte message", in: [][]byte{cf(true, OpText, strings.Repeat("é", 32768))},
		msgs: []string{fmt.Sprintf("text %q", strings.Repeat("é", 32768))}, err: io.EOF},
	{name: "RFC6455 5.6 two messages in a row", in: [][]byte{cf(true, OpText, "one"), cf(true, OpBinary, "two")},
		msgs: []string{`text "one"`, `binary "two"`}, err: io.EOF},

	// Fragmentation.
	{name: "RFC6455 5.4 text in three fragments", in: [][]byte{cf(false, OpText, "Hel"), cf(false, OpContinuation, "l"), cf(true, OpContinuation, "o")},
		msgs: []string{`text "Hello"`}, err: io.EOF},
	{name: "RFC6455 5.4 empty fragments make an empty message", in: [][]byte{cf(false, OpBinary, ""), cf(false, OpContinuation, ""), cf(true, OpContinuation, "")},
		msgs: []string{`binary ""`}, err: io.EOF},
	{name: "RFC6455 5.4 ping between fragments is answered in the middle of the message",
		in:   [][]byte{cf(false, OpText, "Hel"), cf(true, OpPing, "p"), cf(true, OpContinuation, "lo")},
		msgs: []string{`text "Hello"`}, out: []string{`pong "p"`}, err: io.EOF},
	{name: "RFC6455 5.4 continuation without a message fails with 1002", in: [][]byte{cf(true, OpContinuation, "x")},
		fail: 1002, out: []string{"close 1002"}},
	{name: "RFC6455 5.4 unfinished continuation without a message fails with 1002", in: [][]byte{cf(false, OpContinuation, "x")},
		fail: 1002, out: []string{"close 1002"}},
	{name: "RFC6455 5.4 continuation after a finished message fails with 1002", in: [][]byte{cf(true, OpText, "a"), cf(true, OpContinuation, "b")},
		msgs: []string{`text "a"`}, fail: 1002, out: []string{"close 1002"}},
	{name: "RFC6455 5.4 new text frame while a fragmented message is open fails with 1002", in: [][]byte{cf(false, OpText, "a"), cf(true, OpText, "b")},
		fail: 1002, out: []string{"close 1002"}},
	{name: "RFC6455 5.4 new binary frame while a fragmented text is open fails with 1002", in: [][]byte{cf(false, OpText, "a"), cf(false, OpBinary, "b")},
		fail: 1002, out: []string{"close 1002"}},

	// Control frames.
	{name: "RFC6455 5.5 fragmented ping fails with 1002", in: [][]byte{cf(false, OpPing, "")}, fail: 1002, out: []string{"close 1002"}},
	{name: "RFC6455 5.5 fragmented close fails with 1002", in: [][]byte{cf(false, OpClose, "")}, fail: 1002, out: []string{"close 1002"}},
	{name: "RFC6455 5.5 ping of 126 bytes fails with 1002", in: [][]byte{cf(true, OpPing, strings.Repeat("p", 126))}, fail: 1002, out: []string{"close 1002"}},
	{name: "RFC6455 5.5 pong of 126 bytes fails with 1002", in: [][]byte{cf(true, OpPong, strings.Repeat("p", 126))}, fail: 1002, out: []string{"close 1002"}},
	{name: "RFC6455 5.5.2 ping is answered with a pong of identical payload", in: [][]byte{cf(true, OpPing, "hi")},
		out: []string{`pong "hi"`}, err: io.EOF},
	{name: "RFC6455 5.5.2 ping of 125 bytes is answered", in: [][]byte{cf(true, OpPing, strings.Repeat("p", 125))},
		out: []string{fmt.Sprintf("pong %q", strings.Repeat("p", 125))}, err: io.EOF},
	{name: "RFC6455 5.5.2 every ping is answered, in order", in: [][]byte{cf(true, OpPing, "1"), cf(true, OpPing, "2"), cf(true, OpPing, "3")},
		out: []string{`pong "1"`, `pong "2"`, `pong "3"`}, err: io.EOF},
	{name: "RFC6455 5.5.3 unsolicited pong is not answered", in: [][]byte{cf(true, OpPong, "x"), cf(true, OpText, "a")},
		msgs: []string{`text "a"`}, err: io.EOF},

	// Reserved bits and opcodes, masking, lengths.
	{name: "RFC6455 5.2 RSV1 without an extension fails with 1002", in: [][]byte{rawFrame(Header{Fin: true, Rsv1: true, Opcode: OpText, Masked: true, Key: clientKey}, "a")},
		fail: 1002, out: []string{"close 1002"}},
	{name: "RFC6455 5.2 RSV2 without an extension fails with 1002", in: [][]byte{rawFrame(Header{Fin: true, Rsv2: true, Opcode: OpBinary, Masked: true, Key: clientKey}, "a")},
		fail: 1002, out: []string{"close 1002"}},
	{name: "RFC6455 5.2 RSV3 on a ping fails with 1002", in: [][]byte{rawFrame(Header{Fin: true, Rsv3: true, Opcode: OpPing, Masked: true, Key: clientKey}, "")},
		fail: 1002, out: []string{"close 1002"}},
	{name: "RFC6455 5.2 reserved data opcode 0x3 fails with 1002", in: [][]byte{cf(true, 0x3, "")}, fail: 1002, out: []string{"close 1002"}},
	{name: "RFC6455 5.2 reserved control opcode 0xB fails with 1002", in: [][]byte{cf(true, 0xB, "")}, fail: 1002, out: []string{"close 1002"}},
	{name: "RFC6455 5.1 unmasked client frame fails with 1002", in: [][]byte{sf(true, OpText, "a")}, fail: 1002, out: []string{"close 1002"}},
	{name: "RFC6455 5.2 16-bit length that fits in 7 bits fails with 1002", in: [][]byte{{0x81, 0xFE, 0x00, 0x05, 1, 2, 3, 4, 'h', 'e', 'l', 'l', 'o'}},
		fail: 1002, out: []string{"close 1002"}},
	{name: "RFC6455 5.2 64-bit length with its top bit set fails with 1002", in: [][]byte{{0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}},
		fail: 1002, out: []string{"close 1002"}, keepOpen: true},

	// UTF-8.
	{name: "RFC6455 8.1 invalid UTF-8 text fails with 1007", in: [][]byte{cf(true, OpText, "\xff")}, fail: 1007, out: []string{"close 1007"}},
	{name: "RFC6455 8.1 text ending in the middle of a code point fails with 1007", in: [][]byte{cf(true, OpText, "€"[:2])}, fail: 1007, out: []string{"close 1007"}},
	{name: "RFC6455 8.1 surrogate in text fails with 1007", in: [][]byte{cf(true, OpText, "\xed\xa0\x80")}, fail: 1007, out: []string{"close 1007"}},
	{name: "RFC6455 8.1 overlong encoding fails with 1007", in: [][]byte{cf(true, OpText, "\xc0\xaf")}, fail: 1007, out: []string{"close 1007"}},
	{name: "RFC6455 8.1 code point split across fragments is valid",
		in:   [][]byte{cf(false, OpText, "\xe2"), cf(false, OpContinuation, "\x82"), cf(true, OpContinuation, "\xac")},
		msgs: []string{`text "€"`}, err: io.EOF},
	{name: "RFC6455 8.1 invalid UTF-8 in a first fragment fails before the rest arrives",
		in: [][]byte{cf(false, OpText, "ok\xc0")}, keepOpen: true, fail: 1007, out: []string{"close 1007"}},
	{name: "RFC6455 8.1 invalid UTF-8 early in a long frame fails before the rest arrives",
		in: [][]byte{cf(true, OpText, "\xf8"+strings.Repeat("x", 10000))[:20]}, keepOpen: true, fail: 1007, out: []string{"close 1007"}},
	{name: "RFC6455 8.1 invalid UTF-8 in a continuation fails with 1007",
		in: [][]byte{cf(false, OpText, "ok"), cf(true, OpContinuation, "\xed\xbf\xbf")}, fail: 1007, out: []string{"close 1007"}},

	// Limits.
	{name: "RFC6455 10.4 message over the read limit fails with 1009 before its payload is read", limit: 10,
		in: [][]byte{cf(true, OpBinary, strings.Repeat("x", 1000))[:8]}, keepOpen: true, fail: 1009, out: []string{"close 1009"}},
	{name: "RFC6455 10.4 fragments adding up over the read limit fail with 1009", limit: 10,
		in: [][]byte{cf(false, OpText, "123456"), cf(true, OpContinuation, "789012")}, fail: 1009, out: []string{"close 1009"}},
	{name: "RFC6455 10.4 message of exactly the read limit is read", limit: 5,
		in: [][]byte{cf(false, OpText, "Hel"), cf(true, OpContinuation, "lo")}, msgs: []string{`text "Hello"`}, err: io.EOF},

	// Closing.
	{name: "RFC6455 5.5.1 close is echoed with its code and reads return the CloseError", in: [][]byte{closeFrame(1000, "bye")},
		peer: 1000, out: []string{"close 1000"}},
	{name: "RFC6455 5.5.1 empty close is echoed empty (1005)", in: [][]byte{cf(true, OpClose, "")}, peer: 1005, out: []string{"close 1005"}},
	{name: "RFC6455 7.4.2 close with code 3000 is echoed", in: [][]byte{closeFrame(3000, "")}, peer: 3000, out: []string{"close 3000"}},
	{name: "RFC6455 7.4.2 close with code 4999 is echoed", in: [][]byte{closeFrame(4999, "")}, peer: 4999, out: []string{"close 4999"}},
	{name: "RFC6455 5.5.1 close with a 1-byte payload fails with 1002", in: [][]byte{cf(true, OpClose, "\x03")}, fail: 1002, out: []string{"close 1002"}},
	{name: "RFC6455 7.4.1 close with code 1005 fails with 1002", in: [][]byte{closeFrame(1005, "")}, fail: 1002, out: []string{"close 1002"}},
	{name: "RFC6455 7.4.1 close with code 1006 fails with 1002", in: [][]byte{closeFrame(1006, "")}, fail: 1002, out: []string{"close 1002"}},
	{name: "RFC6455 7.4.1 close with code 1004 fails with 1002", in: [][]byte{closeFrame(1004, "")}, fail: 1002, out: []string{"close 1002"}},
	{name: "RFC6455 7.4.2 close with code 999 fails with 1002", in: [][]byte{closeFrame(999, "")}, fail: 1002, out: []string{"close 1002"}},
	{name: "RFC6455 7.4.2 close with code 5000 fails with 1002", in: [][]byte{closeFrame(5000, "")}, fail: 1002, out: []string{"close 1002"}},
	{name: "RFC6455 5.5.1 close reason that is not UTF-8 fails with 1007", in: [][]byte{closeFrame(1000, "\xff")}, fail: 1007, out: []string{"close 1007"}},
	{name: "RFC6455 5.5.1 frames after a close are not read", in: [][]byte{closeFrame(1001, ""), cf(true, OpText, "late"), cf(true, OpPing, "late")},
		peer: 1001, out: []string{"close 1001"}},
	{name: "RFC6455 5.4 close between fragments ends the connection", in: [][]byte{cf(false, OpText, "a"), closeFrame(1000, "")},
		peer: 1000, out: []string{"close 1000"}},

	// TCP ending.
	{name: "RFC6455 7.1.7 TCP closed in the middle of a frame", in: [][]byte{cf(true, OpText, "Hello")[:8]}, err: io.ErrUnexpectedEOF},
	{name: "RFC6455 7.1.7 TCP closed in the middle of a header", in: [][]byte{{0x81}}, err: io.ErrUnexpectedEOF},
	{name: "RFC6455 7.1.7 TCP closed in a fragmented message", in: [][]byte{cf(false, OpText, "a")}, err: io.ErrUnexpectedEOF},

	// The client side.
	{name: "RFC6455 5.1 client reads unmasked frames", role: RoleClient, in: [][]byte{sf(false, OpText, "a"), sf(true, OpContinuation, "b")},
		msgs: []string{`text "ab"`}, err: io.EOF},
	{name: "RFC6455 5.1 masked server frame fails with 1002 at the client", role: RoleClient, in: [][]byte{cf(true, OpText, "a")},
		fail: 1002, out: []string{"close 1002 masked"}},
	{name: "RFC6455 5.5.2 client answers a ping with a masked pong", role: RoleClient, in: [][]byte{sf(true, OpPing, "x")},
		out: []string{`pong "x" masked`}, err: io.EOF},
	{name: "RFC6455 5.5.1 client echoes a close, masked", role: RoleClient, in: [][]byte{frame(false, true, OpClose, []byte{0x03, 0xe8})},
		peer: 1000, out: []string{"close 1000 masked"}},
}

func TestReadRules(t *testing.T) {
	modes := []struct {
		name    string
		wrap    func(net.Conn) net.Conn
		collect func(ctx context.Context, c *Conn) (string, error)
	}{
		{"Read", nil, func(ctx context.Context, c *Conn) (string, error) {
			op, p, err := c.Read(ctx)
			if err != nil {
				return "", err
			}
			return describeMsg(op, p), nil
		}},
		{"Reader", nil, readWithReader},
		{"one byte per socket read", func(nc net.Conn) net.Conn { return oneByteConn{nc} }, readWithReader},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			for _, tt := range readCases {
				t.Run(tt.name, func(t *testing.T) {
					runReadCase(t, tt, mode.wrap, mode.collect)
				})
			}
		})
	}
}

// readWithReader reads a message through Reader, three bytes at a time.
func readWithReader(ctx context.Context, c *Conn) (string, error) {
	op, r, err := c.Reader(ctx)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	p := make([]byte, 3)
	for {
		n, err := r.Read(p)
		buf.Write(p[:n])
		if err == io.EOF {
			return describeMsg(op, buf.Bytes()), nil
		}
		if err != nil {
			return "", err
		}
	}
}

func runReadCase(t *testing.T, tt readCase, wrap func(net.Conn) net.Conn, collect func(context.Context, *Conn) (string, error)) {
	a, raw := tcpPair(t)
	var nc net.Conn = a
	if wrap != nil {
		nc = wrap(a)
	}
	c := newConn(nc, connConfig{role: tt.role, readLimit: tt.limit, closeTimeout: 2 * time.Second})
	defer c.CloseNow()

	out := make(chan []wireFrame, 1)
	go func() {
		frames, _ := readFrames(t, raw, 5*time.Second)
		raw.Close()
		out <- frames
	}()
	for _, b := range tt.in {
		raw.Write(b)
	}
	if !tt.keepOpen {
		raw.(*net.TCPConn).CloseWrite()
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var msgs []string
	var err error
	for {
		var m string
		if m, err = collect(ctx, c); err != nil {
			break
		}
		msgs = append(msgs, m)
	}
	if fmt.Sprint(msgs) != fmt.Sprint(tt.msgs) {
		t.Errorf("messages\n  %q\nwant\n  %q", msgs, tt.msgs)
	}
	var pe *ProtocolError
	var ce *CloseError
	switch {
	case tt.fail != 0:
		if !errors.As(err, &pe) || pe.Code != tt.fail {
			t.Errorf("reads ended with %v, want a *ProtocolError with code %d", err, tt.fail)
		}
	case tt.peer != 0:
		if !errors.As(err, &ce) || ce.Code != tt.peer {
			t.Errorf("reads ended with %v, want the peer's *CloseError with code %d", err, tt.peer)
		}
	default:
		if !errors.Is(err, tt.err) {
			t.Errorf("reads ended with %v, want %v", err, tt.err)
		}
	}
	if !errors.Is(c.Err(), err) && c.Err() != err {
		t.Errorf("Err() = %v, want what reads returned, %v", c.Err(), err)
	}
	// Later reads and writes return the same error.
	if _, _, err2 := c.Read(ctx); err2 != err {
		t.Errorf("Read after the end returned %v, want %v", err2, err)
	}
	if err2 := c.Write(ctx, OpText, []byte("x")); err2 != err {
		t.Errorf("Write after the end returned %v, want %v", err2, err)
	}
	var got []string
	for _, f := range <-out {
		got = append(got, describeFrame(f))
	}
	if fmt.Sprint(got) != fmt.Sprint(tt.out) {
		t.Errorf("frames written back\n  %q\nwant\n  %q", got, tt.out)
	}
}

// FuzzConnRead feeds arbitrary bytes to a Conn as its peer's side of the
// connection, read whole or streamed, as a server or a client: reads must
// never panic nor hang, and must end with a *ProtocolError, the peer's
// *CloseError, or an EOF. The seeds, in testdata/fuzz/FuzzConnRead, are
// the read rules' and the conformance cases' inputs (see
// TestWriteFuzzSeeds).
func FuzzConnRead(f *testing.F) {
	f.Add(cf(true, OpText, "Hello"), false, false)
	f.Add(sf(true, OpBinary, "Hello"), true, true)
	f.Fuzz(func(t *testing.T, data []byte, streaming, client bool) {
		role := RoleServer
		if client {
			role = RoleClient
		}
		c, wait := peerSends(data, connConfig{role: role, readLimit: 1 << 16, closeTimeout: 50 * time.Millisecond})
		defer wait()

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for {
			if _, _, err := readMessage(ctx, c, streaming); err != nil {
				describeEnd(t, data, err) // fails t unless the end is one of those
				return
			}
		}
	})
}

var writeFuzzSeeds = flag.Bool("write-fuzz-seeds", false, "write the seed corpora of FuzzConnRead, FuzzReadMatchesReader and FuzzHandshake to testdata/fuzz")

// TestWriteFuzzSeeds writes the seed corpora, from the read rules, the
// conformance cases and the handshake cases, when run with
// -write-fuzz-seeds.
func TestWriteFuzzSeeds(t *testing.T) {
	if !*writeFuzzSeeds {
		t.Skip("run with -write-fuzz-seeds to rewrite testdata/fuzz/FuzzConnRead, FuzzReadMatchesReader and FuzzHandshake")
	}
	slug := func(s string) string {
		var b strings.Builder
		for _, r := range strings.ToLower(s) {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.':
				b.WriteRune(r)
			case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
				b.WriteByte('-')
			}
		}
		return strings.Trim(b.String(), "-.")
	}
	write := func(fuzz, name string, values ...any) {
		dir := filepath.Join("testdata", "fuzz", fuzz)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		b.WriteString("go test fuzz v1\n")
		for _, v := range values {
			switch v := v.(type) {
			case []byte:
				fmt.Fprintf(&b, "[]byte(%q)\n", v)
			case bool:
				fmt.Fprintf(&b, "bool(%v)\n", v)
			case uint16:
				fmt.Fprintf(&b, "uint16(%d)\n", v)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range readCases {
		write("FuzzConnRead", slug(tc.name), bytes.Join(tc.in, nil), false, tc.role == RoleClient)
		limit := uint16(4095) // limit+1 is the read limit
		if tc.limit > 0 {
			limit = uint16(tc.limit - 1)
		}
		write("FuzzReadMatchesReader", slug(tc.name), bytes.Join(tc.in, nil), tc.role == RoleClient, limit)
	}
	for _, tc := range conformanceCases() {
		in := bytes.Join(tc.send, nil)
		if len(in) > 1024 {
			continue
		}
		write("FuzzConnRead", slug("autobahn "+tc.id+" "+tc.name), in, tc.chop > 0, false)
		write("FuzzReadMatchesReader", slug("autobahn "+tc.id+" "+tc.name), in, false, uint16(100))
	}
	for _, tc := range handshakeSeeds() {
		write("FuzzHandshake", slug(tc.name), tc.req)
	}
}

// peerSends returns a Conn made with cfg whose peer sends data, then
// ends its side, and takes whatever the Conn writes back. wait closes the
// Conn and waits for the peer.
func peerSends(data []byte, cfg connConfig) (c *Conn, wait func()) {
	// Two pipes, one per direction, so that the peer can end its side
	// (EOF) and still take what c writes back: net.Pipe alone cannot
	// half-close.
	in, peerOut := net.Pipe()
	out, peerIn := net.Pipe()
	c = newConn(splitConn{in, out}, cfg)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); io.Copy(io.Discard, peerIn) }()
	go func() { defer wg.Done(); peerOut.Write(data); peerOut.Close() }()
	return c, func() { c.CloseNow(); wg.Wait() }
}

// splitConn reads from one net.Conn and writes to another.
type splitConn struct{ in, out net.Conn }

func (c splitConn) Read(p []byte) (int, error)         { return c.in.Read(p) }
func (c splitConn) Write(p []byte) (int, error)        { return c.out.Write(p) }
func (c splitConn) Close() error                       { c.in.Close(); return c.out.Close() }
func (c splitConn) LocalAddr() net.Addr                { return c.in.LocalAddr() }
func (c splitConn) RemoteAddr() net.Addr               { return c.in.RemoteAddr() }
func (c splitConn) SetDeadline(t time.Time) error      { c.in.SetDeadline(t); return c.out.SetDeadline(t) }
func (c splitConn) SetReadDeadline(t time.Time) error  { return c.in.SetReadDeadline(t) }
func (c splitConn) SetWriteDeadline(t time.Time) error { return c.out.SetWriteDeadline(t) }

// Read returns a message of one buffered frame where it lies in the read
// buffer. Close reading on to the peer's close frame must not write over
// it while its caller may still be using it.
func TestReadPayloadSurvivesClose(t *testing.T) {
	server, client := newConnPair(t)
	ctx := context.Background()
	want := []byte("the payload the caller still holds")
	// Both frames go out in one write, so both are in the server's buffer.
	both := append(frame(true, true, OpText, want), frame(true, true, OpText, []byte("the next"))...)
	if _, err := client.nc.Write(both); err != nil {
		t.Fatal(err)
	}
	op, p, err := server.Read(ctx)
	if err != nil || op != OpText || !bytes.Equal(p, want) {
		t.Fatalf("Read = %s %q, %v", op, p, err)
	}
	go func() {
		for {
			if _, _, err := client.Read(ctx); err != nil {
				return // the close: the client answers it
			}
		}
	}()
	if err := server.Close(StatusNormalClosure, ""); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// Another connection's reads take buffers from the same pool.
	s2, c2 := newConnPair(t)
	for range 4 {
		c2.Write(ctx, OpBinary, bytes.Repeat([]byte{0xEE}, 3000))
		s2.Read(ctx)
	}
	if !bytes.Equal(p, want) {
		t.Fatalf("after Close the payload reads %q, want %q", p, want)
	}
}
