package server

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"wiretalk/protocol"
)

// This file sends a running server what a hostile or broken client might:
// malformed frames after a valid handshake, malformed handshakes, and
// paths that try to leave the deck's folder. Each input gets the answer
// RFC 6455 (or HTTP) prescribes, and two audience sockets follow the
// presenter throughout. docs/RELIABILITY.md quotes the counts.

// newRealServer is newTestServer served by the http.Server that "wiretalk
// serve" uses (Server.HTTPServer: its timeouts and its 64 KiB header
// limit), not httptest's defaults. wrap, if not nil, wraps the listener,
// so a test can shape the server's side of each TCP connection.
func newRealServer(t *testing.T, deck string, wrap func(net.Listener) net.Listener, mutate ...func(*Config)) *testServer {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "talk.md")
	if err := os.WriteFile(path, []byte(deck), 0o644); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "img"), 0o755)
	os.WriteFile(filepath.Join(dir, "img", "pic.png"), []byte("\x89PNG fake"), 0o644)
	cfg := Config{Deck: path, Key: testKey, StateDir: t.TempDir(), Logf: t.Logf}
	for _, m := range mutate {
		m(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(nil)
	hs.Config = srv.HTTPServer("", nil)
	if wrap != nil {
		hs.Listener = wrap(hs.Listener)
	}
	hs.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	return &testServer{Server: srv, http: hs, dir: dir, deck: path}
}

func (ts *testServer) addr() string { return ts.http.Listener.Addr().String() }

// rawKey is RFC 6455 §1.3's example key; rawAccept is its answer.
const (
	rawKey    = "dGhlIHNhbXBsZSBub25jZQ=="
	rawAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
)

// rawConn is a WebSocket client made by hand: after a valid opening
// handshake it sends whatever bytes a test gives, and reads the server's
// frames with protocol's header codec.
type rawConn struct {
	t  testing.TB
	nc net.Conn
	br *bufio.Reader
}

// rawDial completes an opening handshake on path as a browser on the
// server's own origin would.
func rawDial(t testing.TB, addr, path string) *rawConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, patience)
	if err != nil {
		t.Fatal(err)
	}
	return rawHandshakeOn(t, nc, addr, path)
}

// rawHandshakeOn completes the opening handshake on nc, with extra header
// lines if any ("Name: value").
func rawHandshakeOn(t testing.TB, nc net.Conn, addr, path string, extra ...string) *rawConn {
	t.Helper()
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(patience))
	var more strings.Builder
	for _, h := range extra {
		more.WriteString(h + "\r\n")
	}
	fmt.Fprintf(nc, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nOrigin: http://%s\r\n%s\r\n", path, addr, rawKey, addr, more.String())
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("handshake on %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != rawAccept {
		t.Fatalf("handshake on %s: %s, accept %q", path, resp.Status, resp.Header.Get("Sec-WebSocket-Accept"))
	}
	nc.SetDeadline(time.Time{})
	return &rawConn{t: t, nc: nc, br: br}
}

func (c *rawConn) send(b []byte) {
	c.t.Helper()
	c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatalf("sending % x: %v", b[:min(len(b), 16)], err)
	}
}

// readFrame reads one server frame whole.
func (c *rawConn) readFrame() (protocol.Header, []byte, error) {
	var buf [protocol.MaxHeaderSize]byte
	h, err := protocol.ReadHeader(c.br, buf[:])
	if err != nil {
		return h, nil, err
	}
	if h.Length > 1<<20 {
		return h, nil, fmt.Errorf("server frame of %d bytes", h.Length)
	}
	p := make([]byte, h.Length)
	_, err = io.ReadFull(c.br, p)
	return h, p, err
}

// closeOutcome is how the server ended a connection.
type closeOutcome struct {
	code      int           // the close frame's code; 1006 if none came (RFC 6455 §7.1.5), 1005 if it had none
	reason    string        // its reason
	tcpClosed bool          // the server then ended TCP
	after     time.Duration // from the call to the end of TCP
}

func (o closeOutcome) String() string {
	return fmt.Sprintf("close %d %q, TCP closed %v after %v", o.code, o.reason, o.tcpClosed, o.after.Round(time.Millisecond))
}

// awaitClose reads the server's frames (skipping its messages and pings)
// until its close frame, answers it as a well-behaved client does, and
// waits for the server to end TCP, all within 5 s.
func (c *rawConn) awaitClose() closeOutcome {
	start := time.Now()
	c.nc.SetReadDeadline(start.Add(5 * time.Second))
	o := closeOutcome{code: int(protocol.StatusAbnormalClosure)}
	for {
		h, p, err := c.readFrame()
		if err != nil {
			o.tcpClosed = endOfTCP(err)
			o.after = time.Since(start)
			return o
		}
		if h.Masked {
			c.t.Errorf("the server sent a masked frame: %v", h)
		}
		if h.Opcode != protocol.OpClose {
			continue
		}
		ce, err := protocol.ParseClosePayload(p)
		if err != nil {
			c.t.Errorf("the server's close payload % x: %v", p, err)
		}
		o.code, o.reason = int(ce.Code), ce.Reason
		// RFC 6455 §5.5.1: answer with a close frame (empty here: the
		// client may echo the code, and need not).
		c.nc.SetWriteDeadline(time.Now().Add(time.Second))
		c.nc.Write([]byte{0x88, 0x80, 1, 2, 3, 4})
		_, err = io.Copy(io.Discard, c.br)
		o.tcpClosed = err == nil || endOfTCP(err)
		o.after = time.Since(start)
		return o
	}
}

// endOfTCP reports whether err is the peer ending the connection, by FIN
// or by reset.
func endOfTCP(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

// maskKey masks every frame the tests build.
var maskKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// clientFrame builds a masked client frame: b0 is the first byte as on the wire
// (FIN, RSV1-3, opcode), the length gets its minimal encoding.
func clientFrame(b0 byte, payload string) []byte {
	b := []byte{b0}
	switch n := len(payload); {
	case n <= 125:
		b = append(b, 0x80|byte(n))
	case n <= 0xFFFF:
		b = binary.BigEndian.AppendUint16(append(b, 0x80|126), uint16(n))
	default:
		b = binary.BigEndian.AppendUint64(append(b, 0x80|127), uint64(n))
	}
	return appendMasked(append(b, maskKey[:]...), payload)
}

func appendMasked(b []byte, payload string) []byte {
	p := []byte(payload)
	protocol.Mask(p, maskKey, 0)
	return append(b, p...)
}

// unmaskedFrame builds a client frame with the MASK bit clear.
func unmaskedFrame(b0 byte, payload string) []byte {
	return append([]byte{b0, byte(len(payload))}, payload...)
}

// lenHeader builds a masked header whose 7-bit length field is len7,
// followed by the extended length bytes ext, exactly as given.
func lenHeader(b0, len7 byte, ext ...byte) []byte {
	return append(append([]byte{b0, 0x80 | len7}, ext...), maskKey[:]...)
}

func len16(n uint16) []byte { return binary.BigEndian.AppendUint16(nil, n) }
func len64(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// closeP is a close frame's payload: code, then reason.
func closeP(code uint16, reason string) string {
	return string(binary.BigEndian.AppendUint16(nil, code)) + reason
}

func concatFrames(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// First bytes: FIN and an opcode.
const (
	finText   = 0x81
	finBinary = 0x82
	finClose  = 0x88
	finPing   = 0x89
	finPong   = 0x8A
	fragText  = 0x01 // FIN clear: the first of several frames
	finCont   = 0x80 // the last continuation frame
	rsv1      = 0x40
	rsv2      = 0x20
	rsv3      = 0x10
)

// noClose is the outcome of a connection that ends without a close frame.
const noClose = int(protocol.StatusAbnormalClosure)

type frameCase struct {
	name  string
	bytes []byte // sent after the handshake
	eof   bool   // then end our side of TCP (a truncated frame)
	want  int    // the close code, or noClose
}

// malformedFrames are the frames no server may accept, on the audience
// socket (read limit 2048 bytes).
var malformedFrames = []frameCase{
	// RFC 6455 §5.2: RSV1-3 "MUST be 0 unless an extension is negotiated".
	{"RSV1 on text", clientFrame(finText|rsv1, "hi"), false, 1002},
	{"RSV2 on text", clientFrame(finText|rsv2, "hi"), false, 1002},
	{"RSV3 on text", clientFrame(finText|rsv3, "hi"), false, 1002},
	{"RSV1-3 all on binary", clientFrame(finBinary|rsv1|rsv2|rsv3, "hi"), false, 1002},
	{"RSV1 on ping", clientFrame(finPing|rsv1, ""), false, 1002},
	{"RSV2 on close", clientFrame(finClose|rsv2, closeP(1000, "")), false, 1002},
	{"RSV3 on continuation", concatFrames(clientFrame(fragText, "a"), clientFrame(finCont|rsv3, "b")), false, 1002},

	// §5.2: "If an unknown opcode is received, the receiving endpoint MUST
	// _Fail the WebSocket Connection_."
	{"reserved opcode 0x3", clientFrame(0x83, "x"), false, 1002},
	{"reserved opcode 0x4", clientFrame(0x84, "x"), false, 1002},
	{"reserved opcode 0x5", clientFrame(0x85, "x"), false, 1002},
	{"reserved opcode 0x6", clientFrame(0x86, "x"), false, 1002},
	{"reserved opcode 0x7", clientFrame(0x87, "x"), false, 1002},
	{"reserved opcode 0xB", clientFrame(0x8B, ""), false, 1002},
	{"reserved opcode 0xC", clientFrame(0x8C, ""), false, 1002},
	{"reserved opcode 0xD", clientFrame(0x8D, ""), false, 1002},
	{"reserved opcode 0xE", clientFrame(0x8E, ""), false, 1002},
	{"reserved opcode 0xF", clientFrame(0x8F, ""), false, 1002},

	// §5.1: "The server MUST close the connection upon receiving a frame
	// that is not masked."
	{"unmasked text", unmaskedFrame(finText, "hello"), false, 1002},
	{"unmasked binary", unmaskedFrame(finBinary, "hello"), false, 1002},
	{"unmasked ping", unmaskedFrame(finPing, ""), false, 1002},
	{"unmasked close", unmaskedFrame(finClose, closeP(1000, "")), false, 1002},
	{"unmasked continuation", concatFrames(clientFrame(fragText, "a"), unmaskedFrame(finCont, "b")), false, 1002},

	// §5.5: "All control frames MUST have a payload length of 125 bytes
	// or less and MUST NOT be fragmented."
	{"ping of 126 bytes", clientFrame(finPing, strings.Repeat("p", 126)), false, 1002},
	{"pong of 126 bytes", clientFrame(finPong, strings.Repeat("p", 126)), false, 1002},
	{"close of 126 bytes", clientFrame(finClose, closeP(1000, strings.Repeat("r", 124))), false, 1002},
	{"ping announcing 64 KiB", lenHeader(finPing, 127, len64(1<<16)...), false, 1002},
	{"close announcing 2^40 bytes", lenHeader(finClose, 127, len64(1<<40)...), false, 1002},
	{"fragmented ping", clientFrame(0x09, "p"), false, 1002},
	{"fragmented pong", clientFrame(0x0A, "p"), false, 1002},
	{"fragmented close", clientFrame(0x08, closeP(1000, "")), false, 1002},

	// §5.2: "the minimal number of bytes MUST be used to encode the
	// length" and the 64-bit length's "most significant bit MUST be 0".
	{"16-bit length 0", lenHeader(finText, 126, len16(0)...), false, 1002},
	{"16-bit length 125", append(lenHeader(finText, 126, len16(125)...), make([]byte, 125)...), false, 1002},
	{"64-bit length 0", lenHeader(finText, 127, len64(0)...), false, 1002},
	{"64-bit length 125", lenHeader(finText, 127, len64(125)...), false, 1002},
	{"64-bit length 65535", lenHeader(finBinary, 127, len64(0xFFFF)...), false, 1002},
	{"64-bit length with the top bit set", lenHeader(finBinary, 127, len64(1<<63)...), false, 1002},
	{"64-bit length all ones", lenHeader(finBinary, 127, len64(^uint64(0))...), false, 1002},

	// Over the audience socket's 2048-byte limit: 1009, before reading it.
	{"16-bit length 2049", lenHeader(finBinary, 126, len16(2049)...), false, 1009},
	{"64-bit length 2^40", lenHeader(finBinary, 127, len64(1<<40)...), false, 1009},
	{"64-bit length 2^63-1", lenHeader(finBinary, 127, len64(1<<63-1)...), false, 1009},
	{"fragments adding up to 2200", concatFrames(clientFrame(fragText, strings.Repeat("a", 1100)), clientFrame(finCont, strings.Repeat("b", 1100))), false, 1009},

	// Truncated: the peer ends TCP in the middle of a frame. There is
	// nobody to send a close frame to: the server ends TCP too, and the
	// client sees 1006 (§7.1.5).
	{"1 byte of a header", []byte{finText}, true, noClose},
	{"16-bit length cut short", []byte{finText, 0x80 | 126, 0x01}, true, noClose},
	{"64-bit length cut short", []byte{finBinary, 0x80 | 127, 0, 0, 0, 0, 1}, true, noClose},
	{"masking key cut short", []byte{finText, 0x85, 0x37, 0xfa}, true, noClose},
	{"payload cut short", clientFrame(finText, "hello")[:8], true, noClose},
	{"close payload cut short", clientFrame(finClose, closeP(1000, "bye"))[:8], true, noClose},

	// §8.1: a text message that is not UTF-8 fails the connection with
	// 1007, as soon as the bad byte is read.
	{"lone continuation byte", clientFrame(finText, "a\x80b"), false, 1007},
	{"overlong slash C0 AF", clientFrame(finText, "\xC0\xAF"), false, 1007},
	{"overlong slash E0 80 AF", clientFrame(finText, "\xE0\x80\xAF"), false, 1007},
	{"UTF-16 surrogate ED A0 80", clientFrame(finText, "\xED\xA0\x80"), false, 1007},
	{"above U+10FFFF", clientFrame(finText, "\xF4\x90\x80\x80"), false, 1007},
	{"byte FE", clientFrame(finText, "\xFE"), false, 1007},
	{"byte FF", clientFrame(finText, "ok\xFF"), false, 1007},
	{"message ends inside a code point", clientFrame(finText, "\xE2\x82"), false, 1007},
	{"invalid in the second fragment", concatFrames(clientFrame(fragText, "fine"), clientFrame(finCont, "\xC0\xAF")), false, 1007},
	{"code point split across fragments, then broken", concatFrames(clientFrame(fragText, "\xE2\x82"), clientFrame(finCont, "\x41")), false, 1007},
	{"close reason not UTF-8", clientFrame(finClose, closeP(1000, "\xFF")), false, 1007},
	{"close reason with a surrogate", clientFrame(finClose, closeP(1001, "bye \xED\xB0\x80")), false, 1007},

	// §7.4: codes a close frame may not carry.
	{"close code 0", clientFrame(finClose, closeP(0, "")), false, 1002},
	{"close code 999", clientFrame(finClose, closeP(999, "")), false, 1002},
	{"close code 1004 (reserved)", clientFrame(finClose, closeP(1004, "")), false, 1002},
	{"close code 1005 (no status)", clientFrame(finClose, closeP(1005, "")), false, 1002},
	{"close code 1006 (abnormal)", clientFrame(finClose, closeP(1006, "")), false, 1002},
	{"close code 1015 (TLS)", clientFrame(finClose, closeP(1015, "")), false, 1002},
	{"close code 1016", clientFrame(finClose, closeP(1016, "")), false, 1002},
	{"close code 1100", clientFrame(finClose, closeP(1100, "")), false, 1002},
	{"close code 2000", clientFrame(finClose, closeP(2000, "")), false, 1002},
	{"close code 2999", clientFrame(finClose, closeP(2999, "")), false, 1002},
	{"close code 5000", clientFrame(finClose, closeP(5000, "")), false, 1002},
	{"close code 65535", clientFrame(finClose, closeP(65535, "")), false, 1002},
	{"close payload of 1 byte", clientFrame(finClose, "\x03"), false, 1002},

	// §5.4: fragments in order, one message at a time.
	{"continuation with no message", clientFrame(finCont, "x"), false, 1002},
	{"text inside a fragmented text", concatFrames(clientFrame(fragText, "a"), clientFrame(finText, "b")), false, 1002},
	{"binary inside a fragmented text", concatFrames(clientFrame(fragText, "a"), clientFrame(0x02, "b")), false, 1002},

	// Valid frames that wiretalk refuses: audience sockets send only
	// votes, questions, upvotes and reactions (docs/messages.md), so any
	// other message is a policy violation.
	{"a goto from the audience", clientFrame(finText, `{"type":"goto","index":2}`), false, 1008},
	{"binary from the audience", clientFrame(finBinary, "\x00\x01"), false, 1008},
	{"empty text from the audience", clientFrame(finText, ""), false, 1008},
}

// specimenFrames are bad frames on the specimen echo socket, whose limit
// is 1 MiB: where a larger message is allowed, its other rules still hold.
var specimenFrames = []frameCase{
	{"specimen: 600 bytes, not UTF-8 at the end", clientFrame(finText, strings.Repeat("a", 599)+"\xFF"), false, 1007},
	{"specimen: 1 MiB + 1 announced", lenHeader(finBinary, 127, len64(1<<20+1)...), false, 1009},
	{"specimen: 2^40 announced", lenHeader(finBinary, 127, len64(1<<40)...), false, 1009},
	{"specimen: fragments over 1 MiB", concatFrames(clientFrame(0x02, strings.Repeat("x", 600<<10)), lenHeader(finCont, 127, len64(600<<10)...)), false, 1009},
	{"specimen: ping of 126 bytes", clientFrame(finPing, strings.Repeat("p", 126)), false, 1002},
	{"specimen: unmasked text", unmaskedFrame(finText, "hi"), false, 1002},
}

type httpCase struct {
	name    string
	request string // sent as is
	want    int
}

// handshake builds an opening handshake for path on the test server, then
// applies edits: "Name: value" adds a header line, "-Name" removes the
// header, "=LINE" replaces the request line.
func handshake(addr, path string, edits ...string) string {
	line := "GET " + path + " HTTP/1.1"
	headers := []string{
		"Host: " + addr,
		"Upgrade: websocket",
		"Connection: Upgrade",
		"Sec-WebSocket-Key: " + rawKey,
		"Sec-WebSocket-Version: 13",
		"Origin: http://" + addr,
	}
	for _, e := range edits {
		switch {
		case strings.HasPrefix(e, "="):
			line = e[1:]
		case strings.HasPrefix(e, "-"):
			var kept []string
			for _, h := range headers {
				if !strings.HasPrefix(strings.ToLower(h), strings.ToLower(e[1:])+":") {
					kept = append(kept, h)
				}
			}
			headers = kept
		default:
			headers = append(headers, e)
		}
	}
	return line + "\r\n" + strings.Join(headers, "\r\n") + "\r\n\r\n"
}

// replace removes header name and adds "name: value".
func replace(name, value string) []string { return []string{"-" + name, name + ": " + value} }

func edits(groups ...any) []string {
	var out []string
	for _, g := range groups {
		switch g := g.(type) {
		case string:
			out = append(out, g)
		case []string:
			out = append(out, g...)
		}
	}
	return out
}

// malformedHandshakes are opening handshakes the server must refuse, and
// with which HTTP status (RFC 6455 §4.2.1, §4.2.2; RFC 9110, RFC 6585).
func malformedHandshakes(ts *testServer) []httpCase {
	a := ts.addr()
	hs := func(path string, e ...any) string { return handshake(a, path, edits(e...)...) }
	tlsHello := "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + strings.Repeat("\x00", 32) + "\r\n\r\n"
	return []httpCase{
		{"garbage before the handshake", "\x00\x01\x02\x03" + hs("/ws"), 400},
		{"a line of garbage", "hello there\r\n\r\n", 400},
		{"binary noise", strings.Repeat("\xde\xad\xbe\xef", 64) + "\r\n\r\n", 400},
		{"a TLS ClientHello on the plain port", tlsHello, 400},
		{"frames before any handshake", string(clientFrame(finText, "hi")) + "\r\n\r\n", 400},
		{"no Upgrade", hs("/ws", "-Upgrade"), 426},
		{"Upgrade: h2c", hs("/ws", replace("Upgrade", "h2c")), 426},
		{"no Connection", hs("/ws", "-Connection"), 400},
		{"Connection: keep-alive", hs("/ws", replace("Connection", "keep-alive")), 400},
		{"no Sec-WebSocket-Key", hs("/ws", "-Sec-WebSocket-Key"), 400},
		{"two Sec-WebSocket-Keys", hs("/ws", "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA=="), 400},
		{"empty key", hs("/ws", replace("Sec-WebSocket-Key", "")), 400},
		{"key not base64", hs("/ws", replace("Sec-WebSocket-Key", "not base64 at all!!!!!!!")), 400},
		{"key of 15 bytes", hs("/ws", replace("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAA")), 400},
		{"key of 17 bytes", hs("/ws", replace("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAAA=")), 400},
		{"no Sec-WebSocket-Version", hs("/ws", "-Sec-WebSocket-Version"), 426},
		{"version 8", hs("/ws", replace("Sec-WebSocket-Version", "8")), 426},
		{"version 14", hs("/ws", replace("Sec-WebSocket-Version", "14")), 426},
		{"version 13 twice", hs("/ws", "Sec-WebSocket-Version: 13"), 426},
		{"version list 13, 8", hs("/ws", replace("Sec-WebSocket-Version", "13, 8")), 426},
		{"POST", hs("/ws", "=POST /ws HTTP/1.1"), 405},
		{"PUT", hs("/ws", "=PUT /ws HTTP/1.1"), 405},
		{"HEAD", hs("/ws", "=HEAD /ws HTTP/1.1"), 405},
		{"HTTP/1.0", hs("/ws", "=GET /ws HTTP/1.0"), 400},
		{"HTTP/2.0 request line", hs("/ws", "=GET /ws HTTP/2.0"), 505},
		{"no Host", hs("/ws", "-Host"), 400},
		{"two Hosts", hs("/ws", "Host: evil.example"), 400},
		{"a header line with no colon", hs("/ws", "Sec-WebSocket-Key-no-colon"), 400},
		{"a header with a NUL", hs("/ws", "X-Bad: a\x00b"), 400},
		{"a request line of 1 MiB", hs("/ws", "=GET /ws?"+strings.Repeat("a", 1<<20)+" HTTP/1.1"), 431},
		{"a header of 100 KiB", hs("/ws", "X-Big: "+strings.Repeat("b", 100<<10)), 431},
		{"3,000 headers", hs("/ws", strings.Split(strings.Repeat("X-Many: many headers here\n", 3000), "\n")[:3000]), 431},
		{"cross-site Origin", hs("/ws", replace("Origin", "https://evil.example")), 403},
		{"Origin null", hs("/ws", replace("Origin", "null")), 403},
		{"Origin of another port", hs("/ws", replace("Origin", "http://127.0.0.1:1")), 403},
		{"cross-site presenter socket, with the cookie", hs("/ws/presenter", replace("Origin", "https://evil.example"), "Cookie: "+cookieName+"="+ts.auth.token), 403},
		{"cross-site inspector feed", hs("/demo/feed", replace("Origin", "https://evil.example")), 403},
		{"presenter socket without the key", hs("/ws/presenter"), 403},
		{"presenter socket with a wrong key", hs("/ws/presenter?key=guess"), 403},
		{"presenter socket with a forged cookie", hs("/ws/presenter", "Cookie: "+cookieName+"="+strings.Repeat("0", 64)), 403},
		{"specimen with an unknown feed", hs("/demo/specimen?feed=0123456789abcdef0123456789abcdef"), 404},
		{"specimen with no feed", hs("/demo/specimen"), 404},
		{"upgrade on a path with no socket", hs("/wss"), 404},
	}
}

// hostileFiles are raw request targets that try to reach files outside
// the deck's folder, or files in it that are not for the audience; they
// add to TestDeckFilesStayInTheDeckFolder's table.
var hostileFiles = []string{
	"//etc/passwd",
	"/..%2f..%2fetc%2fpasswd",
	"/%252e%252e/outside-secret.png", // double encoding
	"/img/pic.png%00.md",
	"/img/..%5c..%5coutside-secret.png",
	"/./talk.md",
	"/img/../talk.md",
	"http://evil.example/../outside-secret.png", // absolute form
	"/" + strings.Repeat("../", 40) + "etc/passwd",
	"/.%2e/outside-secret.png",
}

// liveTalk is a presenter's socket and audience sockets that must keep
// following the talk while hostile clients come and go.
type liveTalk struct {
	p            *protocol.Conn
	pages        []*protocol.Conn
	steps, moves int
}

// audience opens a presenter socket and n audience sockets.
func audience(t *testing.T, ts *testServer, n int) *liveTalk {
	t.Helper()
	tk := &liveTalk{p: ts.dial(t, "/ws/presenter", ts.presenterHeader()), steps: len(ts.currentView().deck.Slides)}
	next(t, tk.p, "state")
	for range n {
		c := ts.dial(t, "/ws", nil)
		next(t, c, "state")
		tk.pages = append(tk.pages, c)
	}
	return tk
}

// follow moves the talk from the presenter's socket and checks that
// every audience socket follows: its next state is the new step.
func (tk *liveTalk) follow(t *testing.T) {
	t.Helper()
	tk.moves++
	want := tk.moves % tk.steps
	if err := tk.p.Write(context.Background(), protocol.OpText, fmt.Appendf(nil, `{"type":"goto","index":%d}`, want)); err != nil {
		t.Fatalf("presenter: %v", err)
	}
	for i, c := range tk.pages {
		if m := next(t, c, "state"); m.Index != want {
			t.Fatalf("audience page %d: state %d, want %d", i, m.Index, want)
		}
	}
}

// catchUp moves the talk from the presenter's socket, as follow does, after
// the test moved it by other means: every audience socket reaches the new
// step, after whatever it was sent before, which it skips. (Reading until
// the sockets are quiet a while instead is a guess a loaded machine can
// make wrong.)
func (tk *liveTalk) catchUp(t *testing.T) {
	t.Helper()
	tk.moves++
	want := tk.moves % tk.steps
	if err := tk.p.Write(context.Background(), protocol.OpText, fmt.Appendf(nil, `{"type":"goto","index":%d}`, want)); err != nil {
		t.Fatalf("presenter: %v", err)
	}
	for _, c := range tk.pages {
		for next(t, c, "state").Index != want {
		}
	}
}

func TestMalformedFramesGetTheRFCsAnswer(t *testing.T) {
	ts := newRealServer(t, testDeck, nil)
	tk := audience(t, ts, 2)
	feed, _ := openFeed(t, ts)
	run := func(cases []frameCase, path func() string) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := rawDial(t, ts.addr(), path())
				c.send(tc.bytes)
				if tc.eof {
					c.nc.(*net.TCPConn).CloseWrite()
				}
				o := c.awaitClose()
				if o.code != tc.want || !o.tcpClosed {
					t.Errorf("% x…: %v; want close %d and the end of TCP", tc.bytes[:min(len(tc.bytes), 12)], o, tc.want)
				}
				tk.follow(t)
			})
		}
	}
	run(malformedFrames, func() string { return "/ws" })
	run(specimenFrames, func() string { return "/demo/specimen?feed=" + feed })
	t.Logf("%d malformed frames on /ws and %d on /demo/specimen, the audience following after each", len(malformedFrames), len(specimenFrames))
	eventually(t, "only the two followers left", func() bool { return ts.AudienceCount() == 2 })
}

func TestMalformedHandshakesGetTheRFCsStatus(t *testing.T) {
	ts := newRealServer(t, testDeck, nil)
	tk := audience(t, ts, 2)
	cases := malformedHandshakes(ts)
	// A specimen of a live feed, opened from another site.
	feed, _ := openFeed(t, ts)
	cases = append(cases, httpCase{"cross-site specimen of a live feed",
		handshake(ts.addr(), "/demo/specimen?feed="+feed, replace("Origin", "https://evil.example")...), 403})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, resp := rawRequest(t, ts.addr(), tc.request)
			if status != tc.want {
				t.Errorf("status %d, want %d\n%.300s", status, tc.want, resp)
			}
			if tc.want == http.StatusUpgradeRequired && strings.Contains(tc.name, "version") &&
				!strings.Contains(resp, "Sec-Websocket-Version: 13\r\n") && !strings.Contains(resp, "Sec-WebSocket-Version: 13\r\n") {
				t.Errorf("426 without the version the server speaks (RFC 6455 §4.2.2):\n%.300s", resp)
			}
			if strings.Contains(resp, testKey) || strings.Contains(resp, ts.auth.token) {
				t.Error("the refusal reveals the presenter key or session")
			}
			tk.follow(t)
		})
	}
	t.Logf("%d malformed handshakes, the audience following after each", len(cases))
	eventually(t, "only the two followers left", func() bool { return ts.AudienceCount() == 2 })
}

func TestHostileFilePaths(t *testing.T) {
	ts := newRealServer(t, testDeck, nil)
	outside := filepath.Join(filepath.Dir(ts.dir), "outside-secret.png")
	os.WriteFile(outside, []byte("TOPSECRET-CONTENT"), 0o644)
	t.Cleanup(func() { os.Remove(outside) })
	for _, target := range hostileFiles {
		t.Run(target, func(t *testing.T) {
			for hops := 0; ; hops++ {
				status, resp := rawRequest(t, ts.addr(), "GET "+target+" HTTP/1.1\r\nHost: "+ts.addr()+"\r\nConnection: close\r\n\r\n")
				if status == http.StatusOK || strings.Contains(resp, "TOPSECRET") || strings.Contains(resp, "root:") || strings.Contains(resp, "secret-intro") {
					t.Fatalf("GET %s: served what it must not:\n%.300s", target, resp)
				}
				// A redirect to the clean path is fine if that is refused too.
				loc := headerOf(resp, "Location")
				if status/100 != 3 || loc == "" || hops == 3 {
					if status != http.StatusNotFound && status != http.StatusBadRequest && status/100 != 3 {
						t.Errorf("GET %s: status %d, want 404, 400 or a redirect", target, status)
					}
					return
				}
				target = loc
			}
		})
	}
}

// rawRequest writes request on a new connection (in the background, so a
// server that answers before reading it all is seen) and returns the
// response's status and its head and start of body.
func rawRequest(t *testing.T, addr, request string) (int, string) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	go io.WriteString(nc, request)
	// The method tells whether the response has a body (not for HEAD).
	method, _, _ := strings.Cut(request, " ")
	resp, err := http.ReadResponse(bufio.NewReader(nc), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("no HTTP response: %v", err)
	}
	var b strings.Builder
	resp.Header.Write(&b)
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	return resp.StatusCode, resp.Status + "\r\n" + b.String() + "\r\n" + string(body)
}

func headerOf(resp, name string) string {
	for _, line := range strings.Split(resp, "\r\n") {
		if k, v, ok := strings.Cut(line, ": "); ok && strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// openFeed opens an inspector feed, keeps reading it, and returns its id
// for /demo/specimen?feed= and the texts of the notices it shows.
func openFeed(t *testing.T, ts *testServer) (string, *feedNotices) {
	t.Helper()
	c := ts.dial(t, "/demo/feed", nil)
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var hello struct{ ID string }
	if err := json.Unmarshal(b, &hello); err != nil || hello.ID == "" {
		t.Fatalf("feed hello %q: %v", b, err)
	}
	n := new(feedNotices)
	go func() {
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				return
			}
			var rec struct{ Notice *struct{ Text string } }
			if json.Unmarshal(b, &rec) == nil && rec.Notice != nil {
				n.mu.Lock()
				n.texts = append(n.texts, rec.Notice.Text)
				n.mu.Unlock()
			}
		}
	}()
	return hello.ID, n
}

// feedNotices are the notices an inspector feed has shown.
type feedNotices struct {
	mu    sync.Mutex
	texts []string
}

// wait waits for a notice that contains text, for up to patience.
func (n *feedNotices) wait(t *testing.T, text string) string {
	t.Helper()
	var found string
	eventually(t, "a notice with "+text, func() bool {
		n.mu.Lock()
		defer n.mu.Unlock()
		for _, s := range n.texts {
			if strings.Contains(s, text) {
				found = s
				return true
			}
		}
		return false
	})
	return found
}
