package protocol

import (
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

// deflatePair returns a server and a client Conn that negotiated
// permessage-deflate through a real handshake with these options.
func deflatePair(t *testing.T, server, client *DeflateOptions) (s, c *Conn) {
	t.Helper()
	accepted := make(chan *Conn, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := Accept(w, r, &AcceptOptions{Deflate: server})
		if err != nil {
			t.Error(err)
		}
		accepted <- conn
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), &DialOptions{Deflate: client})
	if err != nil {
		t.Fatal(err)
	}
	s = <-accepted
	if s == nil {
		t.Fatal("Accept failed")
	}
	t.Cleanup(func() { s.CloseNow(); c.CloseNow() })
	return s, c
}

func TestDeflateHandshake(t *testing.T) {
	tests := []struct {
		name           string
		server, client *DeflateOptions
		want           string // the answer both ends see; "" none
	}{
		{"both keep the context", &DeflateOptions{}, &DeflateOptions{}, "permessage-deflate"},
		{"server without context takeover", &DeflateOptions{NoContextTakeover: true}, &DeflateOptions{}, "permessage-deflate; server_no_context_takeover"},
		{"client asks the server not to keep context", &DeflateOptions{}, &DeflateOptions{PeerNoContextTakeover: true}, "permessage-deflate; server_no_context_takeover"},
		{"neither keeps the context", &DeflateOptions{NoContextTakeover: true}, &DeflateOptions{NoContextTakeover: true},
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
		{"server off", nil, &DeflateOptions{}, ""},
		{"client does not offer", &DeflateOptions{}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := deflatePair(t, tt.server, tt.client)
			for _, conn := range []*Conn{s, c} {
				p, ok := conn.Negotiated()
				if got := map[bool]string{true: p.String()}[ok]; got != tt.want {
					t.Errorf("%v negotiated %q, want %q", conn.role, got, tt.want)
				}
			}
		})
	}
}

func TestDialRefusesAnUnofferedExtension(t *testing.T) {
	// RFC 6455 §4.1: an extension "not present in the client's handshake"
	// fails the connection; so does one offered and answered wrongly.
	for _, tt := range []struct {
		answer string
		offer  *DeflateOptions
	}{
		{"permessage-deflate", nil},
		{"permessage-deflate; client_max_window_bits", &DeflateOptions{}},
		{"permessage-deflate; foo", &DeflateOptions{}},
		{"x-webkit-deflate-frame", &DeflateOptions{}},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Upgrade", "websocket")
			w.Header().Set("Connection", "Upgrade")
			w.Header().Set("Sec-WebSocket-Accept", ComputeAccept(r.Header.Get("Sec-WebSocket-Key")))
			w.Header().Set("Sec-WebSocket-Extensions", tt.answer)
			w.WriteHeader(http.StatusSwitchingProtocols)
		}))
		_, _, err := Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), &DialOptions{Deflate: tt.offer})
		srv.Close()
		var he *HandshakeError
		if !errors.As(err, &he) {
			t.Errorf("answer %q to offer %v: err = %v, want a HandshakeError", tt.answer, tt.offer, err)
		}
	}
}

// TestDeflateConnRoundTrips sends messages both ways through Write,
// WriteFragments, Writer, Read and Reader, in every mix of context
// takeover, and checks what arrives and that it was compressed.
func TestDeflateConnRoundTrips(t *testing.T) {
	json := strings.Repeat(`{"slide":12,"step":3,"title":"What a frame is","notes":"RSV1 says compressed"},`, 200)
	msgs := []string{"Hello", "Hello", json, "", "a", json[:1000], strings.Repeat("z", 200<<10)}
	modes := []struct {
		name           string
		server, client DeflateOptions
	}{
		{"takeover both ways", DeflateOptions{}, DeflateOptions{}},
		{"no takeover either way", DeflateOptions{NoContextTakeover: true}, DeflateOptions{NoContextTakeover: true}},
		{"server keeps, client does not", DeflateOptions{}, DeflateOptions{NoContextTakeover: true}},
		{"level 9, window asked of the server", DeflateOptions{Level: 9, PeerNoContextTakeover: true}, DeflateOptions{Level: 9}},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			s, c := deflatePair(t, &mode.server, &mode.client)
			var wire []Frame
			s.observer = ObserverFuncs{Frame: func(f Frame) { wire = append(wire, Frame{Dir: f.Dir, Header: f.Header}) }}
			s.obs = new(frameRecord)
			ctx := context.Background()
			for i, m := range msgs {
				// Client to server, four ways of writing.
				var err error
				switch i % 4 {
				case 0:
					err = c.Write(ctx, OpText, []byte(m))
				case 1:
					err = c.WriteFragments(ctx, OpText, []byte(m), 7)
				case 2:
					var w io.WriteCloser
					if w, err = c.Writer(ctx, OpText); err == nil {
						for p := m; len(p) > 0; {
							n := min(len(p), 3000)
							w.Write([]byte(p[:n]))
							p = p[n:]
						}
						err = w.Close()
					}
				case 3:
					err = c.Write(ctx, OpBinary, []byte(m))
				}
				if err != nil {
					t.Fatalf("message %d: write: %v", i, err)
				}
				op, got, err := s.Read(ctx)
				if err != nil || string(got) != m {
					t.Fatalf("message %d (%d bytes): read %s of %d bytes, %v", i, len(m), op, len(got), err)
				}
				// Server to client, read with Reader.
				if err := s.Write(ctx, op, got); err != nil {
					t.Fatal(err)
				}
				_, r, err := c.Reader(ctx)
				if err != nil {
					t.Fatal(err)
				}
				back, err := io.ReadAll(r)
				if err != nil || string(back) != m {
					t.Fatalf("message %d echoed: %d bytes, %v", i, len(back), err)
				}
			}
			var compressedIn, compressedOut, rsv1OnContinuation int
			for _, f := range wire {
				if f.Header.Rsv1 {
					if f.Dir == Inbound {
						compressedIn++
					} else {
						compressedOut++
					}
					if f.Header.Opcode == OpContinuation {
						rsv1OnContinuation++
					}
				}
			}
			if compressedIn < len(msgs)-1 || compressedOut < len(msgs)-1 || rsv1OnContinuation > 0 {
				t.Errorf("RSV1 on %d inbound and %d outbound frames (want ≥ %d each), %d continuations",
					compressedIn, compressedOut, len(msgs)-1, rsv1OnContinuation)
			}
		})
	}
}

// deflateServer returns a server Conn with permessage-deflate set up as
// cfg says, and the raw client end.
func deflateServer(t *testing.T, cfg deflateConfig, limit int64) (*Conn, net.Conn) {
	return newRawPair(t, RoleServer, connConfig{readLimit: limit, deflate: newConnDeflate(&cfg, DeflateParams{}, false)})
}

// cz builds a masked client frame with RSV1 as given.
func cz(fin, rsv1 bool, op Opcode, p []byte) []byte {
	var rsv byte
	if rsv1 {
		rsv = 4
	}
	return c5(fin, rsv, op, p)
}

// TestDeflateConnRFC7692Examples has a server Conn read the RFC's
// example payloads as a browser would send them, masked, and read them
// with Read and with Reader.
func TestDeflateConnRFC7692Examples(t *testing.T) {
	in := [][]byte{
		cz(true, true, OpText, rfcHello),
		cz(false, true, OpText, rfcHello[:3]), cz(true, false, OpContinuation, rfcHello[3:]), // §7.2.3.1 in fragments
		cz(true, true, OpText, rfcHelloAgain), // §7.2.3.2: refers back to the one before
		cz(true, true, OpText, rfcHelloStored),
		cz(true, true, OpText, rfcHelloBfinal),
		cz(false, true, OpText, rfcHelloTwoBlks[:8]), cz(true, false, OpPing, nil), cz(true, false, OpContinuation, rfcHelloTwoBlks[8:]),
		cz(true, false, OpText, []byte("Hello")), // not compressed: RSV1 clear
	}
	for _, reader := range []bool{false, true} {
		t.Run(fmt.Sprintf("reader=%v", reader), func(t *testing.T) {
			s, raw := deflateServer(t, deflateConfig{sendTakeover: true, recvTakeover: true}, 0)
			raw.Write(bytes.Join(in, nil))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			for i := range 7 {
				var got []byte
				var err error
				if reader {
					var r io.Reader
					if _, r, err = s.Reader(ctx); err == nil {
						got, err = io.ReadAll(r)
					}
				} else {
					_, got, err = s.Read(ctx)
				}
				if err != nil || string(got) != "Hello" {
					t.Fatalf("message %d: %q, %v", i, got, err)
				}
			}
		})
	}
}

// TestDeflateConnViolations: what fails a connection with
// permessage-deflate, and with which code.
func TestDeflateConnViolations(t *testing.T) {
	on := &deflateConfig{recvTakeover: true}
	tests := []struct {
		name  string
		cfg   *deflateConfig
		in    [][]byte
		limit int64
		want  StatusCode
	}{
		{"RFC6455 5.2 RSV1 without the extension", nil, [][]byte{cz(true, true, OpText, rfcHello)}, 0, StatusProtocolError},
		{"RFC7692 6.1 RSV1 on a continuation frame", on, [][]byte{cz(false, true, OpText, rfcHello[:3]), cz(true, true, OpContinuation, rfcHello[3:])}, 0, StatusProtocolError},
		{"RFC7692 6.1 RSV1 on a ping", on, [][]byte{cz(true, true, OpPing, nil)}, 0, StatusProtocolError},
		{"RFC7692 6.1 RSV1 on a close", on, [][]byte{cz(true, true, OpClose, []byte{3, 232})}, 0, StatusProtocolError},
		{"RSV2 is still reserved", on, [][]byte{c5(true, 2, OpText, []byte("x"))}, 0, StatusProtocolError},
		{"data that does not inflate", on, [][]byte{cz(true, true, OpText, []byte{0x07, 0x00})}, 0, StatusInvalidPayload},
		{"a message cut short", on, [][]byte{cz(true, true, OpText, rfcHello[:3])}, 0, StatusInvalidPayload},
		{"inflated text that is not UTF-8", on, [][]byte{cz(true, true, OpText, storedBlock([]byte{0xff, 0xfe}))}, 0, StatusInvalidPayload},
		{"inflated over the read limit", on, [][]byte{cz(true, true, OpText, rfcHello)}, 4, StatusMessageTooBig},
	}
	for _, reader := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/reader=%v", tt.name, reader), func(t *testing.T) {
				var s *Conn
				var raw net.Conn
				if tt.cfg == nil {
					s, raw = newRawPair(t, RoleServer, connConfig{readLimit: tt.limit})
				} else {
					s, raw = deflateServer(t, *tt.cfg, tt.limit)
				}
				raw.Write(bytes.Join(tt.in, nil))
				raw.(*net.TCPConn).CloseWrite() // the server's lingering ends at once
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				var err error
				if reader {
					var r io.Reader
					if _, r, err = s.Reader(ctx); err == nil {
						_, err = io.ReadAll(r)
					}
				} else {
					_, _, err = s.Read(ctx)
				}
				var pe *ProtocolError
				if !errors.As(err, &pe) || pe.Code != tt.want {
					t.Fatalf("err = %v, want a ProtocolError with %d", err, tt.want)
				}
				frames, _ := readFrames(t, raw, 2*time.Second)
				if len(frames) == 0 || frames[len(frames)-1].Opcode != OpClose || closeCode(frames[len(frames)-1]) != tt.want {
					t.Fatalf("server sent %v, want a close with %d", frames, tt.want)
				}
			})
		}
	}
}

// storedBlock returns p as a compressed message of one stored block, tail
// stripped, so that any bytes can be sent compressed.
func storedBlock(p []byte) []byte {
	n := len(p)
	b := append([]byte{0x00, byte(n), byte(n >> 8), ^byte(n), ^byte(n >> 8)}, p...)
	return append(b, 0x00)
}

// TestDeflateZipBombRefused: 256 MiB of zeros, compressed to about 260
// KiB, sent to a server whose read limit is 1 MiB, is refused with 1009
// after at most 1 MiB has been inflated; the memory it takes is bounded
// by the limit, not by what the message would inflate to.
func TestDeflateZipBombRefused(t *testing.T) {
	bomb := zipBomb(256)
	s, raw := deflateServer(t, deflateConfig{recvTakeover: true}, 1<<20)
	go func() {
		raw.Write(cz(true, true, OpBinary, bomb))
		raw.(*net.TCPConn).CloseWrite()
	}()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _, err := s.Read(ctx)
	runtime.ReadMemStats(&after)
	var pe *ProtocolError
	if !errors.As(err, &pe) || pe.Code != StatusMessageTooBig {
		t.Fatalf("err = %v, want 1009", err)
	}
	if raceEnabled {
		return // memory under the race detector is not representative
	}
	// The compressed message is 260 KiB (read whole by the frame reader
	// here) plus the 1 MiB limit, the decompressor and buffers.
	if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
		t.Errorf("reading the bomb allocated %d KiB", got>>10)
	}
}

// TestWebKitGetsNoFragmentedCompressedMessage: to a WebKit user agent a
// fragmented message goes out uncompressed, whatever the caller asks.
func TestWebKitGetsNoFragmentedCompressedMessage(t *testing.T) {
	for ua, webkit := range map[string]bool{
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15":                          true,
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/123.0.6312.52 Mobile/15E148 Safari/604.1": true,
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36":                                          false,
		"Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0":                                                                         false,
		"Python/3.11 websockets/10.4": false,
	} {
		if got := webKitAgent(ua); got != webkit {
			t.Errorf("webKitAgent(%q) = %v", ua, got)
		}
	}
	cfg := &deflateConfig{sendTakeover: true}
	a, b := tcpPair(t)
	s := newConn(a, connConfig{role: RoleServer, deflate: newConnDeflate(cfg, DeflateParams{}, true)})
	defer s.CloseNow()
	ctx := context.Background()
	msg := []byte(strings.Repeat("Hello ", 100))
	if err := s.WriteFragments(ctx, OpText, msg, 100); err != nil {
		t.Fatal(err)
	}
	w, _ := s.Writer(ctx, OpText)
	w.Write(msg[:300])
	w.Write(msg[300:])
	w.Close()
	s.Write(ctx, OpText, msg)                               // one frame: compressed
	s.WriteFragments(ctx, OpBinary, pseudoRandom(300), 300) // grows when compressed: still one frame
	s.CloseNow()
	frames, _ := readFrames(t, b, 2*time.Second)
	var got []string
	for _, f := range frames {
		got = append(got, fmt.Sprintf("%v rsv1=%v fin=%v", f.Opcode, f.Rsv1, f.Fin))
	}
	want := []string{
		"text rsv1=false fin=false", "continuation rsv1=false fin=false", "continuation rsv1=false fin=false",
		"continuation rsv1=false fin=false", "continuation rsv1=false fin=false", "continuation rsv1=false fin=true",
		"text rsv1=false fin=false", "continuation rsv1=false fin=false", "continuation rsv1=false fin=true",
		"text rsv1=true fin=true",
		"binary rsv1=true fin=true",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("frames:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestDeflatePreparedCompressedOnce: a Prepared message goes compressed,
// the same bytes, to every connection without server context takeover,
// and uncompressed to one that keeps its context.
func TestDeflatePreparedCompressedOnce(t *testing.T) {
	msg := []byte(strings.Repeat(`{"slide":3}`, 50))
	m := NewPrepared(OpText, msg)
	ctx := context.Background()
	var payloads [][]byte
	for _, takeover := range []bool{false, false, true} {
		a, b := tcpPair(t)
		s := newConn(a, connConfig{role: RoleServer, deflate: newConnDeflate(&deflateConfig{sendTakeover: takeover}, DeflateParams{}, false)})
		if err := s.WritePrepared(ctx, m); err != nil {
			t.Fatal(err)
		}
		s.CloseNow()
		frames, _ := readFrames(t, b, 2*time.Second)
		if len(frames) != 1 || frames[0].Rsv1 == takeover {
			t.Fatalf("takeover %v: frames %v", takeover, frames)
		}
		payloads = append(payloads, frames[0].Payload)
	}
	if !bytes.Equal(payloads[0], payloads[1]) || len(payloads[0]) >= len(msg) {
		t.Errorf("compressed payloads % x and % x", payloads[0], payloads[1])
	}
	if got, err := new(Inflater).Inflate(nil, payloads[0], 0); err != nil || !bytes.Equal(got, msg) {
		t.Errorf("inflated %q, %v", got, err)
	}
	if m.deflated == nil || &m.forConn(&Conn{deflate: newConnDeflate(&deflateConfig{}, DeflateParams{}, false)}).frame[0] != &m.deflated.frame[0] {
		t.Error("the compressed frame is not kept for the next connection")
	}
}

// TestDeflateWindowLimitHonoured: a peer that asked for a 2^9-byte window
// gets messages up to 512 bytes compressed, each on its own, and longer
// ones uncompressed.
func TestDeflateWindowLimitHonoured(t *testing.T) {
	offers, _ := ParseExtensions([]string{"permessage-deflate; server_max_window_bits=9"})
	ans, cfg, ok := acceptDeflate(offers, &DeflateOptions{Level: flate.BestCompression})
	if !ok {
		t.Fatal("declined")
	}
	a, b := tcpPair(t)
	s := newConn(a, connConfig{role: RoleServer, deflate: newConnDeflate(cfg, ans, false)})
	ctx := context.Background()
	small := []byte(strings.Repeat("abc", 170)) // 510 bytes
	big := []byte(strings.Repeat("abc", 1000))
	for _, m := range [][]byte{small, small, big} {
		s.Write(ctx, OpText, m)
	}
	s.CloseNow()
	frames, _ := readFrames(t, b, 2*time.Second)
	if len(frames) != 3 || !frames[0].Rsv1 || !frames[1].Rsv1 || frames[2].Rsv1 {
		t.Fatalf("frames %v", frames)
	}
	// Each compressed message inflates on its own: no context used.
	for _, f := range frames[:2] {
		if got, err := new(Inflater).Inflate(nil, f.Payload, 0); err != nil || !bytes.Equal(got, small) {
			t.Errorf("inflated alone: %d bytes, %v", len(got), err)
		}
	}
}

// TestDeflateIncompressibleAtTheLimit: a message of exactly the read
// limit that does not compress (its frames carry a little more than the
// limit) is read; one byte more is refused with 1009.
func TestDeflateIncompressibleAtTheLimit(t *testing.T) {
	const limit = 64 << 10
	msg := pseudoRandom(limit + 1)
	wire := newDeflater(&deflateConfig{level: 9}).compress(nil, msg[:limit])
	if len(wire) <= limit {
		t.Fatalf("%d random bytes compressed to %d: not incompressible", limit, len(wire))
	}
	s, raw := deflateServer(t, deflateConfig{}, limit)
	raw.Write(cz(true, true, OpBinary, wire))
	raw.Write(cz(true, true, OpBinary, newDeflater(&deflateConfig{}).compress(nil, msg)))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, got, err := s.Read(ctx); err != nil || !bytes.Equal(got, msg[:limit]) {
		t.Fatalf("at the limit: %d bytes, %v", len(got), err)
	}
	var pe *ProtocolError
	if _, _, err := s.Read(ctx); !errors.As(err, &pe) || pe.Code != StatusMessageTooBig {
		t.Fatalf("a byte over: %v, want 1009", err)
	}
}
