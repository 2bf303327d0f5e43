package protocol

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestWriteServerFrames(t *testing.T) {
	for _, n := range []int{0, 1, 125, 126, 2048, 2049, 65535, 65536, 1 << 20} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			c, raw := newRawPair(t, RoleServer, connConfig{})
			p := bytes.Repeat([]byte("abcdefg"), n/7+1)[:n]
			orig := append([]byte(nil), p...)
			errc := make(chan error, 1)
			go func() { errc <- c.Write(context.Background(), OpBinary, p); c.CloseNow() }()
			frames, _ := readFrames(t, raw, 5*time.Second)
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			if len(frames) != 1 {
				t.Fatalf("%d frames, want 1", len(frames))
			}
			f := frames[0]
			// RFC 6455 §5.1: "A server MUST NOT mask any frames".
			if !f.Fin || f.Opcode != OpBinary || f.Masked || !bytes.Equal(f.Payload, orig) {
				t.Errorf("frame %v, want FIN binary unmasked with the payload", f.Header)
			}
			if !bytes.Equal(p, orig) {
				t.Error("Write changed the caller's payload")
			}
		})
	}
}

func TestWriteClientMasksACopyWithFreshKeys(t *testing.T) {
	c, raw := newRawPair(t, RoleClient, connConfig{})
	p := bytes.Repeat([]byte("payload "), 5000) // over one write buffer
	orig := append([]byte(nil), p...)
	const n = 40
	go func() {
		for i := 0; i < n; i++ {
			c.Write(context.Background(), OpText, p)
		}
		c.Write(context.Background(), OpText, p[:3])
		c.CloseNow()
	}()
	frames, _ := readFrames(t, raw, 5*time.Second)
	if len(frames) != n+1 {
		t.Fatalf("%d frames, want %d", len(frames), n+1)
	}
	keys := map[[4]byte]bool{}
	for i, f := range frames {
		want := orig
		if i == n {
			want = orig[:3]
		}
		// RFC 6455 §5.3: every client frame masked, with a fresh key.
		if !f.Masked || !bytes.Equal(f.Payload, want) {
			t.Fatalf("frame %d: %v, payload differs or unmasked", i, f.Header)
		}
		keys[f.Key] = true
	}
	if len(keys) < n-1 { // two equal random 32-bit keys in 41 is very unlikely
		t.Errorf("only %d distinct masking keys in %d frames", len(keys), len(frames))
	}
	if !bytes.Equal(p, orig) {
		t.Error("Write masked the caller's slice in place")
	}
}

func TestWriteFragments(t *testing.T) {
	tests := []struct {
		name string
		p    string
		size int
		want []string
	}{
		{"RFC6455 5.4 fragments of 3 bytes", "Hello world", 3,
			[]string{`text "Hel"`, `continuation "lo "`, `continuation "wor"`, `FIN continuation "ld"`}},
		{"RFC6455 5.4 size that divides the message", "abcdef", 3, []string{`text "abc"`, `FIN continuation "def"`}},
		{"RFC6455 5.4 size 0 sends one frame", "Hello", 0, []string{`FIN text "Hello"`}},
		{"RFC6455 5.4 size over the message sends one frame", "Hello", 100, []string{`FIN text "Hello"`}},
		{"RFC6455 5.4 empty message is one empty frame", "", 3, []string{`FIN text ""`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, raw := newRawPair(t, RoleServer, connConfig{})
			go func() {
				c.WriteFragments(context.Background(), OpText, []byte(tt.p), tt.size)
				c.CloseNow()
			}()
			frames, _ := readFrames(t, raw, 5*time.Second)
			if got := frameList(frames); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("frames %q, want %q", got, tt.want)
			}
		})
	}
}

func frameList(frames []wireFrame) []string {
	var s []string
	for _, f := range frames {
		fin := ""
		if f.Fin {
			fin = "FIN "
		}
		s = append(s, fmt.Sprintf("%s%s %q", fin, f.Opcode, f.Payload))
	}
	return s
}

// RFC 6455 §5.4: control frames may be injected in the middle of a
// fragmented message; another data message may not.
func TestWriterLetsControlFramesThrough(t *testing.T) {
	c, raw := newRawPair(t, RoleServer, connConfig{})
	ctx := context.Background()
	w, err := c.Writer(ctx, OpText)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "Hel")
	w.Write(nil) // sends nothing
	if err := c.Ping(ctx, []byte("ping")); err != nil {
		t.Fatalf("Ping during a Writer message: %v", err)
	}
	// A second data message waits for the first: with a short context
	// it gives up, and the connection is still fine.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	err = c.Write(short, OpText, []byte("other"))
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Write during a Writer message: %v, want context.DeadlineExceeded", err)
	}
	io.WriteString(w, "lo")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Error("Write after Close succeeded")
	}
	if err := c.Write(ctx, OpBinary, []byte("next")); err != nil {
		t.Fatal(err)
	}
	c.CloseNow()
	frames, _ := readFrames(t, raw, 5*time.Second)
	want := []string{`text "Hel"`, `FIN ping "ping"`, `continuation "lo"`, `FIN continuation ""`, `FIN binary "next"`}
	if got := frameList(frames); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("frames %q, want %q", got, want)
	}
}

func TestWriteRejectsBadOpcodes(t *testing.T) {
	c, _ := newRawPair(t, RoleServer, connConfig{})
	ctx := context.Background()
	for _, op := range []Opcode{OpContinuation, OpClose, 0x3, 0xB} {
		if err := c.Write(ctx, op, nil); err == nil {
			t.Errorf("Write with opcode %s succeeded", op)
		}
		if _, err := c.Writer(ctx, op); err == nil && op != OpText {
			t.Errorf("Writer with opcode %s succeeded", op)
		}
	}
	if err := c.Ping(ctx, make([]byte, 126)); err == nil {
		t.Error("RFC6455 5.5: Ping with 126 bytes succeeded")
	}
}

// Many writers, each message checked whole at the other end: the frames
// of two messages never interleave.
func TestConcurrentWritersNeverInterleave(t *testing.T) {
	server, client := newConnPair(t)
	const writers, perWriter = 8, 40
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := 0; g < writers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := 0; m < perWriter; m++ {
				msg := []byte(strings.Repeat(fmt.Sprintf("g%d-m%d;", g, m), 50+m))
				var err error
				switch m % 3 {
				case 0:
					err = server.Write(ctx, OpText, msg)
				case 1:
					err = server.WriteFragments(ctx, OpText, msg, 7+g)
				case 2:
					var w io.WriteCloser
					if w, err = server.Writer(ctx, OpText); err == nil {
						for len(msg) > 0 && err == nil {
							n := min(len(msg), 100)
							_, err = w.Write(msg[:n])
							msg = msg[n:]
						}
						if err == nil {
							err = w.Close()
						}
					}
				}
				if err != nil {
					t.Error(err)
					return
				}
				if m%5 == 0 {
					server.Ping(ctx, []byte("p"))
				}
			}
		}()
	}
	seen := 0
	for seen < writers*perWriter {
		op, p, err := client.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		unit, _, _ := strings.Cut(string(p), ";")
		if op != OpText || string(p) != strings.Repeat(unit+";", len(p)/(len(unit)+1)) {
			t.Fatalf("message mixes writers: %.80q...", p)
		}
		seen++
	}
	wg.Wait()
}

// writing waits until the frame being written to raw has begun to arrive:
// its header. A write of 64 MiB, which raw never reads, then holds the
// write lock and is stuck mid-frame, however slow the machine.
func writing(t *testing.T, raw net.Conn) {
	t.Helper()
	raw.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.ReadFull(raw, make([]byte, 2)); err != nil {
		t.Fatalf("the write never began: %v", err)
	}
	raw.SetReadDeadline(time.Time{})
}

// The write lock gives up when the context ends or the connection closes,
// rather than waiting behind a writer stuck on a peer that does not read.
func TestWriteLockGivesUp(t *testing.T) {
	c, raw := newRawPair(t, RoleServer, connConfig{})
	big := make([]byte, 64<<20) // more than the socket buffers hold
	stuck := make(chan error, 1)
	go func() { stuck <- c.Write(context.Background(), OpBinary, big) }()
	writing(t, raw)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := c.Ping(ctx, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Ping behind a stuck write: %v, want context.DeadlineExceeded", err)
	}
	if c.closed() {
		t.Fatal("giving up on the lock closed the connection")
	}
	done := make(chan error, 1)
	go func() { done <- c.Ping(context.Background(), nil) }()
	time.Sleep(20 * time.Millisecond)
	c.CloseNow()
	for _, ch := range []chan error{stuck, done} {
		select {
		case err := <-ch:
			if !errors.Is(err, net.ErrClosed) {
				t.Errorf("write after CloseNow: %v, want net.ErrClosed", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a write did not give up when the connection closed")
		}
	}
}

// A context that ends while a frame is half written closes the
// connection: the stream cannot be resumed.
func TestWriteContextEndingMidFrameClosesConn(t *testing.T) {
	c, raw := newRawPair(t, RoleServer, connConfig{})
	big := make([]byte, 64<<20)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- c.Write(ctx, OpBinary, big) }()
	writing(t, raw) // and it cannot finish: the frame is half written
	cancel()
	err := <-errc
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Write = %v, want context.Canceled", err)
	}
	waitClosed(t, c, 30*time.Second)
	if !errors.Is(c.Err(), context.Canceled) {
		t.Errorf("Err() = %v", c.Err())
	}
}

func TestReadContextWhileIdleKeepsConn(t *testing.T) {
	c, raw := newRawPair(t, RoleServer, connConfig{})
	for _, tc := range []struct {
		mk   func() (context.Context, context.CancelFunc)
		want error
	}{
		{func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 30*time.Millisecond)
		}, context.DeadlineExceeded},
		{func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(30*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
	} {
		ctx, cancel := tc.mk()
		// Half a header arrives: it must stay buffered for the next Read.
		raw.Write(cf(true, OpText, "still here")[:1])
		_, _, err := c.Read(ctx)
		cancel()
		if !errors.Is(err, tc.want) {
			t.Fatalf("Read = %v, want %v", err, tc.want)
		}
		raw.Write(cf(true, OpText, "still here")[1:])
		_, p, err := c.Read(context.Background())
		if err != nil || string(p) != "still here" {
			t.Fatalf("Read after a context ended: %q, %v", p, err)
		}
	}
	// A context that has ended already does not touch the connection.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := c.Read(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Read with a cancelled context: %v", err)
	}
	if c.closed() {
		t.Error("connection closed")
	}
}

func TestReadContextEndingMidMessageClosesConn(t *testing.T) {
	c, raw := newRawPair(t, RoleServer, connConfig{})
	raw.Write(cf(false, OpText, "first half"))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := c.Read(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Read = %v, want context.DeadlineExceeded", err)
	}
	if !c.closed() || !errors.Is(c.Err(), context.DeadlineExceeded) {
		t.Errorf("connection not closed, or Err() = %v", c.Err())
	}
}

func TestCloseHandshake(t *testing.T) {
	ctx := context.Background()
	for _, initiator := range []string{"server", "client"} {
		t.Run("RFC6455 7.1.2 "+initiator+" starts, the other side is reading", func(t *testing.T) {
			server, client := newConnPair(t)
			closer, reader := server, client
			if initiator == "client" {
				closer, reader = client, server
			}
			readErr := make(chan error, 1)
			go func() {
				_, _, err := reader.Read(ctx)
				readErr <- err
			}()
			if err := closer.Close(StatusGoingAway, "bye"); err != nil {
				t.Fatalf("Close = %v", err)
			}
			var ce *CloseError
			if err := <-readErr; !errors.As(err, &ce) || ce.Code != StatusGoingAway || ce.Reason != "bye" {
				t.Errorf("peer's Read = %v, want CloseError 1001 bye", err)
			}
			<-reader.Done()
			if !errors.As(closer.Err(), &ce) || ce.Code != StatusGoingAway {
				t.Errorf("closer's Err() = %v, want the echoed 1001", closer.Err())
			}
		})
	}
	t.Run("RFC6455 7.1.2 Close reads the peer's close itself when no one reads", func(t *testing.T) {
		server, client := newConnPair(t)
		go func() {
			// The client sends two messages before reading the close.
			client.Write(ctx, OpText, []byte("one"))
			client.Write(ctx, OpText, []byte("two"))
			client.Read(ctx)
		}()
		time.Sleep(20 * time.Millisecond)
		if err := server.Close(StatusNormalClosure, ""); err != nil {
			t.Fatalf("Close = %v", err)
		}
		if _, _, err := server.Read(ctx); CloseStatus(err) != 1000 {
			t.Errorf("Read after Close = %v", err)
		}
	})
	t.Run("RFC6455 7.1.1 Close times out when the peer never answers", func(t *testing.T) {
		c, raw := newRawPair(t, RoleServer, connConfig{closeTimeout: 100 * time.Millisecond})
		go io.Copy(io.Discard, raw)
		start := time.Now()
		if err := c.Close(StatusNormalClosure, ""); !errors.Is(err, errCloseTimeout) {
			t.Errorf("Close = %v, want errCloseTimeout", err)
		}
		// Not before the timeout (timers are never early); the upper
		// bound only tells waiting for the timeout from waiting for ever,
		// generously for a loaded machine.
		if d := time.Since(start); d < 100*time.Millisecond || d > 10*time.Second {
			t.Errorf("Close took %v, want about 100ms", d)
		}
		if !c.closed() {
			t.Error("not closed")
		}
	})
	t.Run("RFC6455 7.4 Close with a code that may not be sent fails", func(t *testing.T) {
		c, _ := newRawPair(t, RoleServer, connConfig{})
		for _, code := range []StatusCode{1005 + 1, 1015, 999, 5000} {
			if err := c.Close(code, ""); err == nil {
				t.Errorf("Close(%d) succeeded", code)
			}
		}
		if c.closed() {
			t.Error("closed by a refused Close")
		}
	})
	t.Run("RFC6455 5.5.1 no frames after our close", func(t *testing.T) {
		c, raw := newRawPair(t, RoleServer, connConfig{closeTimeout: 100 * time.Millisecond})
		go c.Close(StatusNormalClosure, "")
		frames, _ := readFrames(t, raw, 50*time.Millisecond)
		if len(frames) != 1 || frames[0].Opcode != OpClose {
			t.Fatalf("frames %v", frameList(frames))
		}
		if err := c.Write(ctx, OpText, []byte("late")); err == nil {
			t.Error("Write after Close succeeded")
		}
	})
	t.Run("RFC6455 7.1.1 a client waits for the server to close TCP", func(t *testing.T) {
		c, raw := newRawPair(t, RoleClient, connConfig{})
		raw.Write(sf(true, OpClose, "\x03\xe8"))
		start := time.Now() // before the timer, so that d cannot fall short of it
		time.AfterFunc(100*time.Millisecond, func() { raw.Close() })
		if _, _, err := c.Read(ctx); CloseStatus(err) != 1000 {
			t.Errorf("Read = %v", err)
		}
		if d := time.Since(start); d < 100*time.Millisecond {
			t.Errorf("the client closed TCP after %v, before the server did", d)
		}
	})
	t.Run("CloseNow", func(t *testing.T) {
		c, _ := newRawPair(t, RoleServer, connConfig{})
		if err := c.CloseNow(); err != nil {
			t.Fatal(err)
		}
		<-c.Done()
		if _, _, err := c.Read(ctx); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Read after CloseNow = %v", err)
		}
		if err := c.CloseNow(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("second CloseNow = %v", err)
		}
		if err := c.Close(1000, ""); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Close after CloseNow = %v", err)
		}
	})
}

// TestWriteWaitsWhileSocketIsFull: a message far larger than the socket
// buffers goes out whole, the write waiting for the peer to read rather
// than returning with part of it unsent, and the peer reads it whole.
// Both ends copy the message into a pooled buffer (a client's masked
// there) and send it in pieces, with system calls of our own (writeAll).
func TestWriteWaitsWhileSocketIsFull(t *testing.T) {
	msg := make([]byte, 1<<20)
	for i := range msg {
		msg[i] = byte(i * 7 / 5)
	}
	for _, dir := range []string{"client to server", "server to client"} {
		t.Run(dir, func(t *testing.T) {
			upstream := dir == "client to server"
			server, client := smallBufferPair(t, 16<<10, upstream)
			w, r := server, client
			if upstream {
				w, r = client, server
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			errc := make(chan error, 1)
			go func() { errc <- w.Write(ctx, OpBinary, msg) }()
			time.Sleep(50 * time.Millisecond)
			select {
			case err := <-errc:
				t.Fatalf("Write returned %v before the peer read anything", err)
			default:
			}
			op, p, err := r.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if op != OpBinary || !bytes.Equal(p, msg) {
				t.Fatalf("got %v of %d bytes, want the %d bytes written", op, len(p), len(msg))
			}
			if err := <-errc; err != nil {
				t.Fatalf("Write = %v", err)
			}
			if w.raw != nil && w.wallStep == nil {
				t.Error("a plain TCP socket was not written with writeAll")
			}
		})
	}
}

// TestWriteDeadlineOnFullSocket: a write waiting on a full socket stops
// at its context's deadline and closes the connection, part of the frame
// having gone out.
func TestWriteDeadlineOnFullSocket(t *testing.T) {
	_, client := smallBufferPair(t, 16<<10, true)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := client.Write(ctx, OpBinary, make([]byte, 1<<20))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Write = %v, want context.DeadlineExceeded", err)
	}
	waitClosed(t, client, time.Second)
}
