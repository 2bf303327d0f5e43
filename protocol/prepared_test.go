package protocol

import (
	"bytes"
	"context"
	"net"
	"sync"
	"testing"
	"time"
)

func TestNewPreparedEncodesOnce(t *testing.T) {
	payload := []byte("slide 12")
	m := NewPrepared(OpText, payload)
	want := append(AppendHeader(nil, Header{Fin: true, Opcode: OpText, Length: 8}), payload...)
	if !bytes.Equal(m.Bytes(), want) {
		t.Errorf("Bytes() = %x, want %x", m.Bytes(), want)
	}
	payload[0] = 'S'
	if m.Payload()[0] != 's' {
		t.Error("NewPrepared did not copy the payload")
	}
	if m.Opcode() != OpText {
		t.Errorf("Opcode() = %s", m.Opcode())
	}
	big := NewPrepared(OpBinary, make([]byte, 70000))
	if h, n, err := ParseHeader(big.Bytes()); err != nil || h.Length != 70000 || n != 10 || h.Masked {
		t.Errorf("large prepared frame: %v %d %v", h, n, err)
	}
}

func TestNewPreparedPanicsOnMisuse(t *testing.T) {
	for name, f := range map[string]func(){
		"close":            func() { NewPrepared(OpClose, nil) },
		"continuation":     func() { NewPrepared(OpContinuation, nil) },
		"reserved":         func() { NewPrepared(0x3, nil) },
		"RFC6455 5.5 ping": func() { NewPrepared(OpPing, make([]byte, 126)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// A server writes the prepared bytes as they are; a client must mask them
// with a fresh key (RFC 6455 §5.3), so it sends a masked copy.
func TestWritePrepared(t *testing.T) {
	m := NewPrepared(OpText, []byte("next slide"))
	for _, role := range []Role{RoleServer, RoleClient} {
		c, raw := newRawPair(t, role, connConfig{})
		go func() {
			c.WritePrepared(context.Background(), m)
			c.WritePrepared(context.Background(), NewPrepared(OpPing, []byte("p")))
			c.CloseNow()
		}()
		if role == RoleServer {
			raw.SetReadDeadline(time.Now().Add(5 * time.Second))
			got := make([]byte, len(m.Bytes()))
			if _, err := raw.Read(got); err != nil || !bytes.Equal(got, m.Bytes()) {
				t.Errorf("server wrote %x, want %x (%v)", got, m.Bytes(), err)
			}
			continue
		}
		frames, _ := readFrames(t, raw, 5*time.Second)
		if len(frames) != 2 || !frames[0].Masked || string(frames[0].Payload) != "next slide" || frames[1].Opcode != OpPing {
			t.Errorf("client wrote %v", frameList(frames))
		}
	}
}

// One Prepared, many connections at once.
func TestWritePreparedToMany(t *testing.T) {
	m := NewPrepared(OpBinary, bytes.Repeat([]byte{7}, 3000))
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		server, client := newConnPair(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				if err := server.WritePrepared(context.Background(), m); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				op, p, err := client.Read(context.Background())
				if err != nil || op != OpBinary || !bytes.Equal(p, m.Payload()) {
					t.Errorf("read %s %d bytes, %v", op, len(p), err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TryWritePrepared sends at once when it can, and otherwise writes
// nothing and says so.
func TestTryWritePrepared(t *testing.T) {
	m := NewPrepared(OpText, []byte("slide 3"))

	t.Run("sends", func(t *testing.T) {
		server, client := newConnPair(t)
		if sent, err := server.TryWritePrepared(m); !sent || err != nil {
			t.Fatalf("TryWritePrepared = %v, %v; want true, nil", sent, err)
		}
		if op, p, err := client.Read(context.Background()); err != nil || op != OpText || string(p) != "slide 3" {
			t.Fatalf("client read %s %q, %v", op, p, err)
		}
	})

	t.Run("declines while a message is being written", func(t *testing.T) {
		server, client := newConnPair(t)
		w, err := server.Writer(context.Background(), OpText)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("first half, "))
		if sent, err := server.TryWritePrepared(m); sent || err != nil {
			t.Fatalf("during a fragmented message: %v, %v; want false, nil", sent, err)
		}
		// A ping may go between the fragments (RFC 6455 §5.4).
		if sent, err := server.TryWritePrepared(NewPrepared(OpPing, []byte("p"))); !sent || err != nil {
			t.Fatalf("ping during a fragmented message: %v, %v; want true, nil", sent, err)
		}
		w.Write([]byte("second half"))
		w.Close()
		if sent, err := server.TryWritePrepared(m); !sent || err != nil {
			t.Fatalf("after the message: %v, %v; want true, nil", sent, err)
		}
		for _, want := range []string{"first half, second half", "slide 3"} {
			if _, p, err := client.Read(context.Background()); err != nil || string(p) != want {
				t.Fatalf("client read %q, %v; want %q", p, err, want)
			}
		}
	})

	t.Run("declines where it cannot write raw", func(t *testing.T) {
		_, client := newConnPair(t)
		if sent, err := client.TryWritePrepared(m); sent || err != nil {
			t.Fatalf("client connection: %v, %v; want false, nil", sent, err)
		}
		a, b := net.Pipe()
		defer b.Close()
		piped := newConn(a, connConfig{role: RoleServer})
		defer piped.CloseNow()
		if sent, err := piped.TryWritePrepared(m); sent || err != nil {
			t.Fatalf("net.Pipe: %v, %v; want false, nil", sent, err)
		}
	})

	t.Run("fails on a closed connection", func(t *testing.T) {
		server, _ := newConnPair(t)
		server.CloseNow()
		if sent, err := server.TryWritePrepared(m); sent || err == nil {
			t.Fatalf("closed connection: %v, %v; want false and an error", sent, err)
		}
	})
}

// A peer that stops reading fills the socket: TryWritePrepared then
// declines without writing, a frame the socket took in part is finished
// later, and every frame reported sent arrives whole and in order.
func TestTryWritePreparedFullSocket(t *testing.T) {
	server, client := smallBufferPair(t, 16<<10, false)

	frames := make([]*Prepared, 0, 64)
	sent := 0
	for i := 0; ; i++ {
		if i == 10000 {
			t.Fatal("the socket never filled")
		}
		m := NewPrepared(OpBinary, bytes.Repeat([]byte{byte(i)}, 3001))
		ok, err := server.TryWritePrepared(m)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			// Declined: the same frame then goes out with WritePrepared,
			// after whatever was taken in part, once the client reads.
			go server.WritePrepared(context.Background(), m)
			frames = append(frames, m)
			break
		}
		sent++
		frames = append(frames, m)
	}
	if sent == 0 {
		t.Fatal("no frame was sent before the socket filled")
	}
	for i, m := range frames {
		_, p, err := client.Read(context.Background())
		if err != nil {
			t.Fatalf("frame %d of %d: %v", i, len(frames), err)
		}
		if !bytes.Equal(p, m.Payload()) {
			t.Fatalf("frame %d: %d bytes starting %d, want %d bytes of %d", i, len(p), p[0], len(m.Payload()), m.Payload()[0])
		}
	}
	t.Logf("%d frames taken before the socket was full", sent)
}

// TestTryWritePreparedDeclinesWhenFull: with no write under way, a socket
// whose buffer is full takes none of a tiny frame, and TryWritePrepared
// reports false without having written any of it. Every frame it did
// report as sent arrives, in order, and nothing after them.
func TestTryWritePreparedDeclinesWhenFull(t *testing.T) {
	server, client := smallBufferPair(t, 4<<10, false)

	sent := 0
	for ; ; sent++ {
		if sent == 1_000_000 {
			t.Fatal("the socket never filled: declines are reported as sent")
		}
		ok, err := server.TryWritePrepared(NewPrepared(OpBinary, []byte{byte(sent)}))
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := range sent {
		_, p, err := client.Read(ctx)
		if err != nil {
			t.Fatalf("frame %d of %d: %v", i, sent, err)
		}
		if len(p) != 1 || p[0] != byte(i) {
			t.Fatalf("frame %d: % x, want %02x", i, p, byte(i))
		}
	}
	quiet, cancelQuiet := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancelQuiet()
	if _, p, err := client.Read(quiet); err == nil {
		t.Fatalf("a frame (% x) after the %d sent: the declined one went out", p, sent)
	}
	t.Logf("%d tiny frames taken before the socket was full", sent)
}

// smallBufferPair connects a server Conn to a client Conn over loopback
// TCP with socket buffers of about size bytes on the way from server to
// client (upstream false: the server's send buffer and the client's
// receive buffer) or on the way back (upstream true: the client's send
// buffer), so that a few frames fill them.
func smallBufferPair(t *testing.T, size int, upstream bool) (server, client *Conn) {
	a, b := tcpPair(t)
	if upstream {
		b.(*net.TCPConn).SetWriteBuffer(size)
	} else {
		a.(*net.TCPConn).SetWriteBuffer(size)
		b.(*net.TCPConn).SetReadBuffer(size)
	}
	server = newConn(a, connConfig{role: RoleServer})
	client = newConn(b, connConfig{role: RoleClient})
	t.Cleanup(func() { server.CloseNow(); client.CloseNow() })
	return server, client
}
