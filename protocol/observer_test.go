package protocol

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// frameLog is an Observer that keeps copies of what it sees.
type frameLog struct {
	mu     sync.Mutex
	frames []Frame
}

func (l *frameLog) ObserveHandshake(Handshake) {}

func (l *frameLog) ObserveFrame(f Frame) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f.Raw = append([]byte(nil), f.Raw...)
	f.Payload = append([]byte(nil), f.Payload...)
	f.Unmasked = append([]byte(nil), f.Unmasked...)
	l.frames = append(l.frames, f)
}

func (l *frameLog) get(dir Direction) []Frame {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Frame
	for _, f := range l.frames {
		if f.Dir == dir {
			out = append(out, f)
		}
	}
	return out
}

func observedPair(t *testing.T) (server, client *Conn, slog, clog *frameLog) {
	a, b := tcpPair(t)
	slog, clog = &frameLog{}, &frameLog{}
	server = newConn(a, connConfig{role: RoleServer, observer: slog})
	client = newConn(b, connConfig{role: RoleClient, observer: clog})
	t.Cleanup(func() { server.CloseNow(); client.CloseNow() })
	return server, client, slog, clog
}

// Both ends observe the very same bytes: what the client saw going out is
// what the server saw coming in, frame by frame, header and payload.
func TestObserverSeesTheWireBytes(t *testing.T) {
	server, client, slog, clog := observedPair(t)
	ctx := context.Background()
	// Frames larger than a write buffer go out in pieces: the client's
	// masked, the server's as they are.
	big := []byte(strings.Repeat("large frames are masked in pieces; ", 2000))
	bigOut := bytes.Repeat([]byte{0, 1, 2, 3, 4, 5, 6}, 20000)
	go func() {
		client.Write(ctx, OpText, []byte("Hello"))
		client.WriteFragments(ctx, OpBinary, []byte("fragmented"), 4)
		client.Ping(ctx, []byte("are you there"))
		client.Write(ctx, OpText, big)
		for { // to see the pong, the server's message and the close
			if _, _, err := client.Read(ctx); err != nil {
				return
			}
		}
	}()
	for i := 0; i < 3; i++ {
		if _, _, err := server.Read(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := server.Write(ctx, OpBinary, bigOut); err != nil {
		t.Fatal(err)
	}
	if err := server.Close(StatusNormalClosure, "done"); err != nil {
		t.Fatal(err)
	}
	<-client.Done()

	out, in := clog.get(Outbound), slog.get(Inbound)
	if len(out) != len(in) || len(in) != 7 { // text, 3 fragments, ping, big text, close
		t.Fatalf("client wrote %d frames, server read %d, want 7 each", len(out), len(in))
	}
	for i := range in {
		o, n := out[i], in[i]
		if !bytes.Equal(o.Raw, n.Raw) || !bytes.Equal(o.Payload, n.Payload) || !bytes.Equal(o.Unmasked, n.Unmasked) || o.Header != n.Header {
			t.Errorf("frame %d: client saw %v %x, server saw %v %x", i, o.Header, o.Raw, n.Header, n.Raw)
		}
		if !bytes.Equal(n.Raw, AppendHeader(nil, n.Header)) {
			t.Errorf("frame %d: Raw %x is not the header %v", i, n.Raw, n.Header)
		}
		unmasked := append([]byte(nil), n.Payload...)
		Mask(unmasked, n.Header.Key, 0)
		if !n.Header.Masked || !bytes.Equal(unmasked, n.Unmasked) || int64(len(n.Payload)) != n.Header.Length {
			t.Errorf("frame %d: Payload does not unmask to Unmasked", i)
		}
		if n.Dir.String() != "in" || o.Dir.String() != "out" || n.Time.IsZero() {
			t.Errorf("frame %d: direction %s/%s, time %v", i, o.Dir, n.Dir, n.Time)
		}
	}
	if !bytes.Equal(in[5].Unmasked, big) {
		t.Error("the large frame's payload differs")
	}
	// Each frame comes with its message, as both ends knew it: the
	// continuations of the fragmented binary message belong to it, the
	// ping and the close to none.
	wantMsg := []Opcode{OpText, OpBinary, OpBinary, OpBinary, 0, OpText, 0}
	for i := range in {
		if in[i].Message != wantMsg[i] || out[i].Message != wantMsg[i] || in[i].Err != nil || out[i].Err != nil {
			t.Errorf("frame %d (%v): message %v in, %v out, err %v; want %v and no error", i, in[i].Header,
				in[i].Message, out[i].Message, in[i].Err, wantMsg[i])
		}
	}
	// The server's pong, large message and close, seen by both.
	sout, cin := slog.get(Outbound), clog.get(Inbound)
	if len(sout) != 3 || sout[0].Header.Opcode != OpPong || sout[1].Header.Opcode != OpBinary || sout[2].Header.Opcode != OpClose || len(cin) != 3 {
		t.Fatalf("server wrote %v, client read %d frames", sout, len(cin))
	}
	if !bytes.Equal(sout[1].Payload, bigOut) || !bytes.Equal(sout[1].Unmasked, bigOut) || !bytes.Equal(cin[1].Unmasked, bigOut) {
		t.Error("the server's large frame differs from what was written or read")
	}
	for i := range sout {
		if !bytes.Equal(sout[i].Raw, cin[i].Raw) || !bytes.Equal(sout[i].Payload, cin[i].Unmasked) {
			t.Errorf("server frame %d differs from what the client read", i)
		}
	}
}

// The frame that fails a connection is shown too, as far as it was read.
func TestObserverSeesTheFailingFrame(t *testing.T) {
	log := &frameLog{}
	c, raw := newRawPair(t, RoleServer, connConfig{observer: log})
	raw.Write(cf(false, OpText, "ok\xffand more"))
	go func() { readFrames(t, raw, 5*time.Second); raw.Close() }()
	var pe *ProtocolError
	if _, _, err := c.Read(context.Background()); !errors.As(err, &pe) || pe.Code != 1007 {
		t.Fatalf("Read = %v", err)
	}
	in := log.get(Inbound)
	// The bytes read so far: here the whole frame came in one read.
	if len(in) != 1 || in[0].Header.Length != 11 || !bytes.HasPrefix(in[0].Unmasked, []byte("ok\xff")) {
		t.Fatalf("observed %+v", in)
	}
	// It carries the violation the connection failed with: the very error
	// Read returned, naming the byte.
	var got *ProtocolError
	if !errors.As(in[0].Err, &got) || got != pe || got.Rule != "8.1" || in[0].Message != OpText ||
		got.Reason != "text is not valid UTF-8: payload byte 2 (0xff) cannot follow the bytes before it" {
		t.Errorf("observed frame's Err = %v (message %v), want Read's %v", in[0].Err, in[0].Message, pe)
	}
	out := log.get(Outbound)
	if len(out) != 1 || out[0].Header.Opcode != OpClose || closeCode(wireFrame{out[0].Header, out[0].Unmasked}) != 1007 {
		t.Errorf("observed outbound %+v", out)
	}
}

func TestDirectionString(t *testing.T) {
	if Inbound.String() != "in" || Outbound.String() != "out" {
		t.Errorf("%s %s", Inbound, Outbound)
	}
}

func TestObserverFuncsSkipsNil(t *testing.T) {
	var o Observer = ObserverFuncs{}
	o.ObserveFrame(Frame{})
	o.ObserveHandshake(Handshake{})
	n := 0
	o = ObserverFuncs{Frame: func(Frame) { n++ }}
	o.ObserveFrame(Frame{Time: time.Now()})
	if n != 1 {
		t.Error("Frame func not called")
	}
}
