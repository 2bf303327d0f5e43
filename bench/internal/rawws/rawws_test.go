package rawws

import (
	"bufio"
	"bytes"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The parser must count the same messages however the stream is split.
func TestParserCountsMessagesAtAnySplit(t *testing.T) {
	var stream []byte
	want := 0
	for _, n := range []int{0, 1, 125, 126, 200, 0xFFFF, 0x10000, 70000} {
		stream = append(stream, Frame(OpText, bytes.Repeat([]byte{'a'}, n), false)...)
		want++
	}
	// A fragmented message (two frames, one message), with a ping between
	// its fragments: control frames do not count.
	first := Frame(OpBinary, []byte("frag"), false)
	first[0] &^= 0x80 // not final
	stream = append(stream, first...)
	stream = append(stream, Frame(0x9, []byte("ping"), false)...)
	last := Frame(0x0, []byte("ment"), false)
	stream = append(stream, last...)
	want++

	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		p := NewParser()
		got := 0
		for b := stream; len(b) > 0; {
			k := 1 + rng.IntN(min(len(b), 300))
			if rng.IntN(4) == 0 {
				k = len(b)
			}
			got += p.Feed(b[:k])
			b = b[k:]
		}
		if got != want {
			t.Fatalf("counted %d messages, want %d", got, want)
		}
		if p.Bad != nil {
			t.Fatal(p.Bad)
		}
	}
}

func TestParserFlagsMaskedServerFrames(t *testing.T) {
	p := NewParser()
	if n := p.Feed(Frame(OpText, []byte("hi"), true)); n != 1 || p.Bad == nil {
		t.Fatalf("Feed = %d, Bad = %v; want 1 and a complaint", n, p.Bad)
	}
}

// Frame must mask as RFC 6455 §5.3 says, and Payloads must undo framing.
func TestFrameMasksAndPayloadsJoins(t *testing.T) {
	payload := []byte("Hello")
	// RFC 6455 §5.7: a masked "Hello" with key 37 fa 21 3d.
	want := []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}
	if got := Frame(OpText, payload, true); !bytes.Equal(got, want) {
		t.Fatalf("Frame = % x, want % x", got, want)
	}
	msg := bytes.Repeat([]byte("0123456789"), 7000)
	var stream []byte
	for chunk := range slices.Chunk(msg, 30000) {
		stream = append(stream, Frame(OpBinary, chunk, false)...)
	}
	got, err := Payloads(stream)
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("Payloads: %d bytes, %v; want the %d-byte message", len(got), err, len(msg))
	}
}

// OnPing must get every ping's whole payload, however the stream is
// split, and pings must not count as messages.
func TestParserHandsOverPingsAtAnySplit(t *testing.T) {
	var stream []byte
	stream = append(stream, Frame(OpText, []byte("state"), false)...)
	stream = append(stream, Frame(OpPing, []byte("tick"), false)...)
	stream = append(stream, Frame(OpPing, nil, false)...)
	stream = append(stream, Frame(OpText, bytes.Repeat([]byte{'x'}, 300), false)...)
	stream = append(stream, Frame(OpPing, bytes.Repeat([]byte{'p'}, 125), false)...)
	want := []string{"tick", "", strings.Repeat("p", 125)}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		var got []string
		p := NewParser()
		p.OnPing = func(b []byte) { got = append(got, string(b)) }
		msgs := 0
		for b := stream; len(b) > 0; {
			k := 1 + rng.IntN(min(len(b), 40))
			msgs += p.Feed(b[:k])
			b = b[k:]
		}
		if msgs != 2 || !slices.Equal(got, want) {
			t.Fatalf("%d messages and pings %q; want 2 and %q", msgs, got, want)
		}
	}
}

// DialHeader must put the extra lines in the request's header, before the
// blank line that ends it.
func TestDialHeaderSendsTheExtraLines(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		defer c.Close()
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			got <- err.Error()
			return
		}
		got <- req.Header.Get("Origin") + " " + req.Header.Get("Cookie")
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "+Accept+"\r\n\r\n")
	}()
	addr := netip.MustParseAddrPort(ln.Addr().String())
	fd, _, err := DialHeader(addr, "/ws", "Origin: http://"+addr.String()+"\r\nCookie: wiretalk_device=00ff\r\n", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	syscall.Close(fd)
	if read, want := <-got, "http://"+addr.String()+" wiretalk_device=00ff"; read != want {
		t.Fatalf("the server read %q, want %q", read, want)
	}
}

// SplitFrame must wait for a whole frame, then return it and its size.
func TestSplitFrameWaitsForAWholeFrame(t *testing.T) {
	stream := append(Frame(OpText, bytes.Repeat([]byte{'a'}, 300), false), Frame(OpPing, []byte("hi"), false)...)
	for k := range 304 { // the first frame is 4 + 300 bytes
		if _, _, _, n, err := SplitFrame(stream[:k]); n != 0 || err != nil {
			t.Fatalf("after %d bytes: n = %d, %v; want 0 and no error", k, n, err)
		}
	}
	op, fin, p, n, err := SplitFrame(stream)
	if op != OpText || !fin || len(p) != 300 || n != 304 || err != nil {
		t.Fatalf("SplitFrame = %#x %v %d bytes n=%d %v", op, fin, len(p), n, err)
	}
	op, _, p, n, _ = SplitFrame(stream[n:])
	if op != OpPing || string(p) != "hi" || n != 4 {
		t.Fatalf("second frame: %#x %q n=%d", op, p, n)
	}
	if _, _, _, _, err := SplitFrame(Frame(OpText, []byte("x"), true)); err == nil {
		t.Fatal("a masked frame from the server passed")
	}
}
