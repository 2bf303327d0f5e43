package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"wiretalk/protocol"
)

// echoLog is a bytes.Buffer safe for the echo server's goroutines.
type echoLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *echoLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *echoLog) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startEcho runs "wiretalk echo -addr 127.0.0.1:0 args..." in-process and
// returns its URL, its stderr, and a stop function (Ctrl-C) that returns
// the exit status.
func startEcho(t *testing.T, args ...string) (url string, stderr *echoLog, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr = &echoLog{}
	e := &env{ctx: ctx, stdin: strings.NewReader(""), stdout: &echoLog{}, stderr: stderr}
	done := make(chan int, 1)
	go func() { done <- run(e, append([]string{"echo", "-addr", "127.0.0.1:0"}, args...)) }()
	var once sync.Once
	status := -1
	stop = func() int {
		once.Do(func() { cancel(); status = <-done })
		return status
	}
	t.Cleanup(func() { stop() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := stderr.String()
		if _, rest, ok := strings.Cut(s, "wiretalk echo: listening on "); ok {
			if line, _, ok := strings.Cut(rest, "\n"); ok {
				return line, stderr, stop
			}
		}
		select {
		case code := <-done:
			t.Fatalf("echo exited with %d: %s", code, s)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("echo did not say where it listens: %q", s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestEchoEchoesAndLogs(t *testing.T) {
	url, stderr, stop := startEcho(t, "-max-message", "1KiB", "-v")
	if !strings.HasPrefix(url, "ws://127.0.0.1:") || strings.HasSuffix(url, ":0/") || !strings.HasSuffix(url, "/") {
		t.Fatalf("listening on %q, want ws://127.0.0.1:PORT/ with the real port", url)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := protocol.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	for _, m := range []struct {
		op Opcode
		p  string
	}{{protocol.OpText, "Hello"}, {protocol.OpBinary, "\x00\x01\x02"}, {protocol.OpText, strings.Repeat("κ", 512)}} {
		if err := c.Write(ctx, m.op, []byte(m.p)); err != nil {
			t.Fatal(err)
		}
		op, p, err := c.Read(ctx)
		if err != nil || op != m.op || string(p) != m.p {
			t.Fatalf("echo of %s %.20q: %s %.20q, %v", m.op, m.p, op, p, err)
		}
	}
	if err := c.WriteFragments(ctx, protocol.OpText, []byte("in fragments"), 4); err != nil {
		t.Fatal(err)
	}
	if _, p, err := c.Read(ctx); err != nil || string(p) != "in fragments" {
		t.Fatalf("echo of a fragmented message: %q, %v", p, err)
	}
	// Over -max-message: 1009.
	c.Write(ctx, protocol.OpBinary, make([]byte, 1025))
	if _, _, err := c.Read(ctx); protocol.CloseStatus(err) != 1009 {
		t.Errorf("message over -max-message: %v, want close 1009", err)
	}
	if code := stop(); code != exitOK {
		t.Errorf("exit status %d", code)
	}
	log := stderr.String()
	for _, want := range []string{
		"handshake: key ",
		` in  FIN text len=5 masked key=`, `  "Hello"`,
		` out FIN text len=5  "Hello"`,
		` in  FIN binary len=3 masked key=`, `  000102`,
		` in  text len=4 masked key=`, `  "in f"`,
		` in  FIN binary len=1025 masked key=`,
		` out FIN close len=`, `1009 (message too big)`,
		"wiretalk echo: shutting down",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("-v output lacks %q:\n%s", want, log)
		}
	}
}

type Opcode = protocol.Opcode

// TestEchoDeflate: echo accepts permessage-deflate by default, and
// -deflate=false declines it.
func TestEchoDeflate(t *testing.T) {
	for _, on := range []bool{true, false} {
		url, stderr, stop := startEcho(t, "-v", "-deflate="+strconv.FormatBool(on))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		c, _, err := protocol.Dial(ctx, url, &protocol.DialOptions{Deflate: &protocol.DeflateOptions{}})
		if err != nil {
			t.Fatal(err)
		}
		if p, ok := c.Negotiated(); ok != on {
			t.Errorf("-deflate=%v: negotiated %v %q", on, ok, p)
		}
		msg := strings.Repeat("wiretalk ", 100)
		for range 2 {
			c.Write(ctx, protocol.OpText, []byte(msg))
			if _, p, err := c.Read(ctx); err != nil || string(p) != msg {
				t.Fatalf("-deflate=%v: echo %d bytes, %v", on, len(p), err)
			}
		}
		c.Close(protocol.StatusNormalClosure, "")
		cancel()
		stop()
		log := stderr.String()
		for _, want := range []string{`extension "permessage-deflate"`, " in  FIN RSV1 text len=", " out FIN RSV1 text len=", "  compressed "} {
			if strings.Contains(log, want) != on {
				t.Errorf("-deflate=%v: -v output has %q: %v\n%s", on, want, !on, log)
			}
		}
	}
}

func TestEchoShutdownClosesWith1001(t *testing.T) {
	url, _, stop := startEcho(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := protocol.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	readErr := make(chan error, 1)
	go func() {
		_, _, err := c.Read(ctx)
		readErr <- err
	}()
	time.Sleep(20 * time.Millisecond) // let the server register the connection
	if code := stop(); code != exitOK {
		t.Errorf("exit status %d", code)
	}
	if err := <-readErr; protocol.CloseStatus(err) != int(protocol.StatusGoingAway) {
		t.Errorf("client's Read = %v, want close 1001", err)
	}
	if _, _, err := protocol.Dial(ctx, url, nil); err == nil {
		t.Error("still accepting connections after shutdown")
	}
}

func TestEchoFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-max-message", "64XB"}, "unknown unit"},
		{[]string{"-max-message", "0"}, "must be positive"},
		{[]string{"extra"}, "no arguments"},
	} {
		code, _, stderr := runCLI(t, append([]string{"echo"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "Usage: wiretalk echo") {
			t.Errorf("echo %q: status %d, stderr %q", tc.args, code, stderr)
		}
	}
}

func TestEchoPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, _, stderr := runCLI(t, "echo", "-addr", ln.Addr().String())
	if code != exitFail || !strings.Contains(stderr, "already in use") {
		t.Errorf("status %d, stderr %q", code, stderr)
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		err  bool
	}{
		{"64MiB", 64 << 20, false},
		{"64mib", 64 << 20, false},
		{"512KiB", 512 << 10, false},
		{"1GiB", 1 << 30, false},
		{"2TiB", 2 << 40, false},
		{"4096", 4096, false},
		{"4096B", 4096, false},
		{"1 MiB", 1 << 20, false},
		{"10kB", 10000, false},
		{"3MB", 3000000, false},
		{"64M", 0, true},
		{"MiB", 0, true},
		{"", 0, true},
		{"-1MiB", 0, true},
		{"1.5MiB", 0, true},
		{"99999999999TiB", 0, true},
		{"99999999999999999999", 0, true},
	} {
		got, err := parseSize(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
	for _, tc := range []struct {
		n    sizeFlag
		want string
	}{{64 << 20, "64MiB"}, {1 << 10, "1KiB"}, {1536, "1536B"}, {3 << 30, "3GiB"}, {1000, "1000B"}, {0, "0B"}} {
		if got := tc.n.String(); got != tc.want {
			t.Errorf("sizeFlag(%d).String() = %q, want %q", int64(tc.n), got, tc.want)
		}
	}
}

// TestEchoPythonWebsockets runs Python's strict websockets client (the
// Debian package python3-websockets, under the system Python) against
// wiretalk echo. Without it the test is skipped, except under CI=true.
func TestEchoPythonWebsockets(t *testing.T) {
	const python = "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import websockets").CombinedOutput(); err != nil {
		msg := "needs " + python + " with the websockets package (apt-get install python3-websockets): " + strings.TrimSpace(string(out))
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	const limit = 1 << 20
	for _, deflate := range []bool{true, false} {
		url, _, _ := startEcho(t, "-max-message", "1MiB", "-deflate="+strconv.FormatBool(deflate))
		mode := map[bool]string{true: "deflate", false: "plain"}[deflate]
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, python, "testdata/echo_client.py", url, strconv.Itoa(limit), mode)
		out, err := cmd.CombinedOutput()
		cancel()
		t.Logf("testdata/echo_client.py %s %d %s:\n%s", url, limit, mode, out)
		if err != nil {
			t.Errorf("the Python client's checks failed (%s): %v", mode, err)
		}
	}
}
