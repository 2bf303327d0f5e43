package protocol

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

// TestSteadyStateAllocs checks that, once warm, a message costs no
// allocation to write or read, on either side, with a context that
// cannot be cancelled and with one that can.
func TestSteadyStateAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	server, client := newConnPair(t)
	cancellable, cancel := context.WithCancel(context.Background())
	defer cancel()
	copyBuf := make([]byte, 512)
	ctxs := map[string]context.Context{"Background": context.Background(), "WithCancel": cancellable}
	for _, size := range []int{16, 1 << 10, 16 << 10, 64 << 10} {
		for name, ctx := range ctxs {
			msg := bytes.Repeat([]byte("x"), size)
			kinds := map[string]func(){
				"Write+Read": func() {
					must(t, client.Write(ctx, OpText, msg))
					_, p, err := server.Read(ctx)
					must(t, err)
					must(t, server.Write(ctx, OpText, p))
					_, _, err = client.Read(ctx)
					must(t, err)
				},
				"WriteFragments+Reader": func() {
					must(t, client.WriteFragments(ctx, OpBinary, msg, 1000))
					_, r, err := server.Reader(ctx)
					must(t, err)
					w, err := server.Writer(ctx, OpBinary)
					must(t, err)
					for {
						n, err := r.Read(copyBuf)
						if _, werr := w.Write(copyBuf[:n]); werr != nil {
							t.Fatal(werr)
						}
						if err == io.EOF {
							break
						}
						must(t, err)
					}
					must(t, w.Close())
					_, _, err = client.Read(ctx)
					must(t, err)
				},
			}
			for kind, round := range kinds {
				round() // warm up the pools and buffers
				if a := testing.AllocsPerRun(50, round); a != 0 {
					t.Errorf("%s %d bytes, %s: %.1f allocations per round trip, want 0", kind, size, name, a)
				}
			}
		}
	}
	prepared := NewPrepared(OpText, []byte("slide 7"))
	round := func() {
		must(t, server.WritePrepared(context.Background(), prepared))
		_, _, err := client.Read(context.Background())
		must(t, err)
	}
	round()
	if a := testing.AllocsPerRun(50, round); a != 0 {
		t.Errorf("WritePrepared: %.1f allocations, want 0", a)
	}
	tryRound := func() {
		if sent, err := server.TryWritePrepared(prepared); !sent || err != nil {
			t.Fatalf("TryWritePrepared to a drained socket: %v, %v", sent, err)
		}
		_, _, err := client.Read(context.Background())
		must(t, err)
	}
	tryRound()
	if a := testing.AllocsPerRun(50, tryRound); a != 0 {
		t.Errorf("TryWritePrepared: %.1f allocations, want 0", a)
	}
}

func must(t testing.TB, err error) {
	if err != nil {
		t.Helper()
		t.Fatal(err)
	}
}

func TestConnStructSize(t *testing.T) {
	size := unsafe.Sizeof(Conn{})
	t.Logf("Conn is %d bytes", size)
	if size > 1024 {
		t.Errorf("Conn is %d bytes, want a few hundred", size)
	}
}

// idleConnMemory opens n WebSocket connections to a real http.Server,
// each with a goroutine blocked in Read, and returns the growth of the
// heap and the stacks per connection, after GC. The clients are raw TCP
// connections in this process: their sockets are counted too. inHandler
// says whether the handler itself reads (keeping net/http's goroutine) or
// starts a goroutine for it and returns.
func idleConnMemory(t testing.TB, n int, inHandler bool) (perConn, stackPerConn float64) {
	var reading atomic.Int64
	var wg sync.WaitGroup
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := Accept(w, r, nil)
		if err != nil {
			return
		}
		read := func() {
			defer wg.Done()
			reading.Add(1)
			c.Read(context.Background())
			c.CloseNow()
		}
		wg.Add(1)
		if inHandler {
			read()
		} else {
			go read()
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: handler}
	go srv.Serve(ln)
	defer srv.Close()
	req := validRequest().bytes()

	dialOne := func() net.Conn {
		nc, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		nc.Write(req)
		// Read the 101 up to its blank line, without a bufio.Reader.
		var buf [512]byte
		got := 0
		for !bytes.Contains(buf[:got], []byte("\r\n\r\n")) {
			m, err := nc.Read(buf[got:])
			if err != nil {
				t.Fatal(err)
			}
			got += m
		}
		return nc
	}
	// Warm up, so that pools and runtime structures are not counted.
	warm := []net.Conn{dialOne(), dialOne()}

	settle := func() runtime.MemStats {
		var ms runtime.MemStats
		for i := 0; i < 3; i++ {
			runtime.GC()
			time.Sleep(10 * time.Millisecond)
		}
		runtime.ReadMemStats(&ms)
		return ms
	}
	for reading.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	before := settle()
	clients := make([]net.Conn, 0, n)
	for i := 0; i < n; i++ {
		clients = append(clients, dialOne())
	}
	for reading.Load() < int64(n+2) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	after := settle()
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	stack := int64(after.StackInuse) - int64(before.StackInuse)
	t.Logf("per connection: heap %d bytes, stacks %d bytes", heap/int64(n), stack/int64(n))
	delta := float64(heap + stack)
	runtime.KeepAlive(clients)
	for _, nc := range append(clients, warm...) {
		nc.Close()
	}
	wg.Wait()
	return delta / float64(n), float64(stack) / float64(n)
}

// TestIdleConnMemory measures what an idle server connection costs: the
// target is 8 KiB including its reading goroutine's stack.
func TestIdleConnMemory(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("opens 2,000 connections; not meaningful under the race detector")
	}
	for _, inHandler := range []bool{false, true} {
		name := map[bool]string{false: "reading goroutine of its own", true: "reading in the net/http handler"}[inHandler]
		t.Run(name, func(t *testing.T) {
			per, stack := idleConnMemory(t, 2000, inHandler)
			t.Logf("%s: %.0f bytes per idle connection (heap + stacks, with the test's client sockets)", name, per)
			if !inHandler && per > 8<<10 {
				t.Errorf("%.0f bytes per idle connection, want at most 8 KiB", per)
			}
			// Read waits about 1 KiB deep, within the 2 KiB a goroutine
			// starts with; a deeper wait grows the stack to 4 KiB for
			// good (the runtime shrinks a stack only to keep a quarter
			// free).
			if !inHandler && stack > 3<<10 {
				t.Errorf("%.0f bytes of stack per idle connection, want about 2 KiB", stack)
			}
		})
	}
}

func BenchmarkIdleConnMemory(b *testing.B) {
	for i := 0; i < b.N; i++ {
		per, _ := idleConnMemory(b, 2000, false)
		b.ReportMetric(per, "bytes/conn")
	}
}

// BenchmarkConnEcho measures a round trip through a server that echoes,
// both ends ours, over loopback TCP: the client writes a message (masked)
// and reads the echo (unmasked); the server reads and writes it back.
func BenchmarkConnEcho(b *testing.B) {
	for _, size := range []int{16, 1 << 10, 16 << 10, 1 << 20} {
		b.Run(sizeName(size), func(b *testing.B) {
			server, client := newConnPair(b)
			server.SetReadLimit(0)
			client.SetReadLimit(0)
			ctx := context.Background()
			go func() {
				for {
					op, p, err := server.Read(ctx)
					if err != nil {
						return
					}
					if server.Write(ctx, op, p) != nil {
						return
					}
				}
			}()
			msg := bytes.Repeat([]byte("x"), size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := client.Write(ctx, OpBinary, msg); err != nil {
					b.Fatal(err)
				}
				if _, _, err := client.Read(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestConnWriteFieldsShareTwoCacheLines guards the layout a broadcast
// relies on: what TryWritePrepared reads lies in Conn's first 128 bytes,
// and Conn falls in the runtime's 704-byte size class, a multiple of 64,
// so that those bytes are two whole cache lines.
func TestConnWriteFieldsShareTwoCacheLines(t *testing.T) {
	var c Conn
	fields := map[string]uintptr{
		"msgLock":          unsafe.Offsetof(c.msgLock) + unsafe.Sizeof(c.msgLock),
		"wlock":            unsafe.Offsetof(c.wlock) + unsafe.Sizeof(c.wlock),
		"nc":               unsafe.Offsetof(c.nc) + unsafe.Sizeof(c.nc),
		"shut":             unsafe.Offsetof(c.shut) + unsafe.Sizeof(c.shut),
		"role":             unsafe.Offsetof(c.role) + unsafe.Sizeof(c.role),
		"observer":         unsafe.Offsetof(c.observer) + unsafe.Sizeof(c.observer),
		"raw":              unsafe.Offsetof(c.raw) + unsafe.Sizeof(c.raw),
		"wnowStep":         unsafe.Offsetof(c.wnowStep) + unsafe.Sizeof(c.wnowStep),
		"wnowRes":          unsafe.Offsetof(c.wnowRes) + unsafe.Sizeof(c.wnowRes),
		"wnow":             unsafe.Offsetof(c.wnow) + unsafe.Sizeof(c.wnow),
		"writeWatch.dirty": unsafe.Offsetof(c.writeWatch) + unsafe.Offsetof(c.writeWatch.dirty) + 1,
	}
	for name, end := range fields {
		if end > 128 {
			t.Errorf("Conn.%s ends at byte %d, beyond the first two cache lines", name, end)
		}
	}
	if size := unsafe.Sizeof(c); size <= 640 || size > 704 {
		t.Errorf("Conn is %d bytes, outside the 704-byte size class (641 to 704)", size)
	}
}
