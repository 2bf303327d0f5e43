package main

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"rsc.io/qr"

	"wiretalk/protocol"
)

// syncBuffer is a bytes.Buffer safe for a command writing while the test
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs "wiretalk serve args..." in-process and returns the
// presenter URL it printed, a stop func, and the exit status channel.
func startServe(t *testing.T, args ...string) (presenterURL string, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	e := &env{ctx: ctx, stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr}
	done := make(chan int, 1)
	go func() { done <- run(e, append([]string{"serve"}, args...)) }()
	re := regexp.MustCompile(`Presenter: (http://\S+)`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			presenterURL = m[1]
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d:\n%s%s", code, stdout.String(), stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve printed no presenter URL:\n%s", stdout.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return presenterURL, func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(10 * time.Second):
			t.Fatal("serve did not stop within 10 s of Ctrl-C")
			return -1
		}
	}
}

func TestServeShutsDownGracefully(t *testing.T) {
	presenter, stop := startServe(t, "-addr", "127.0.0.1:0", "-no-state")
	if !strings.Contains(presenter, "/presenter?key=") || len(presenter[strings.Index(presenter, "key=")+4:]) != 32 {
		t.Errorf("presenter URL %q lacks a 128-bit key", presenter)
	}
	base := presenter[:strings.Index(presenter, "/presenter")]
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("audience page: %d", resp.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _, err := protocol.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	read := make(chan error, 1)
	go func() {
		for {
			if _, _, err := c.Read(ctx); err != nil {
				read <- err
				return
			}
		}
	}()
	if code := stop(); code != exitOK {
		t.Errorf("exit status after Ctrl-C = %d, want 0", code)
	}
	if err := <-read; protocol.CloseStatus(err) != int(protocol.StatusGoingAway) {
		t.Errorf("audience socket on shutdown: %v, want close 1001", err)
	}
}

func TestServeErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	unreadable := filepath.Join(dir, "locked.md")
	os.WriteFile(unreadable, []byte("# x"), 0o000)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"port in use", []string{"-addr", busy.Addr().String(), "-no-state"}, exitFail, "already in use"},
		{"missing deck", []string{"-no-state", filepath.Join(dir, "nope.md")}, exitFail, "cannot read deck"},
		{"bad flag", []string{"-frobnicate"}, exitUsage, "Usage: wiretalk serve"},
		{"two decks", []string{"a.md", "b.md"}, exitUsage, "one deck at most"},
		{"tls cert without key", []string{"-tls-cert", "x.pem"}, exitUsage, "go together"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, append([]string{"serve"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit status %d, want %d", code, tc.code)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q lacks %q", stderr, tc.want)
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Errorf("stderr has a stack trace:\n%s", stderr)
			}
			if tc.code == exitFail && strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("want one clear line, got:\n%s", stderr)
			}
		})
	}
	if os.Geteuid() != 0 { // root reads any file
		code, _, stderr := runCLI(t, "serve", "-no-state", "-addr", "127.0.0.1:0", unreadable)
		if code != exitFail || !strings.Contains(stderr, "permission denied") {
			t.Errorf("unreadable deck: %d %q", code, stderr)
		}
	}
}

// The terminal QR code is the URL's QR code, module for module.
func TestTerminalQRMatchesCode(t *testing.T) {
	const url = "http://192.168.1.20:8000/"
	art, err := terminalQR(url)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := qr.Encode(url, qr.M)
	var rows [][]bool
	sc := bufio.NewScanner(strings.NewReader(art))
	for sc.Scan() {
		line := strings.TrimPrefix(strings.TrimSpace(sc.Text()), "\x1b[30;47m")
		line = strings.TrimSuffix(line, "\x1b[0m")
		var top, bottom []bool
		for _, r := range line {
			top = append(top, r == '█' || r == '▀')
			bottom = append(bottom, r == '█' || r == '▄')
		}
		rows = append(rows, top, bottom)
	}
	const quiet = 2
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; x++ {
			if got := rows[y+quiet][x+quiet]; got != code.Black(x, y) {
				t.Fatalf("module (%d,%d) = %v, want %v", x, y, got, code.Black(x, y))
			}
		}
	}
	// The quiet zone is white.
	for x := range rows[0] {
		if rows[0][x] || rows[1][x] {
			t.Fatal("quiet zone has black modules")
		}
	}
}

func TestServeWritesResultsOnShutdown(t *testing.T) {
	dir := t.TempDir()
	deck := filepath.Join(dir, "quiz.md")
	os.WriteFile(deck, []byte("name: q\npoll: b\n\n# Pick\n\n- a\n- b\n"), 0o644)
	out := filepath.Join(dir, "out", "results.json")
	presenter, stop := startServe(t, "-addr", "127.0.0.1:0", "-no-state", "-moderate", "-results", out, deck)
	base := presenter[:strings.Index(presenter, "/presenter")]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _, err := protocol.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	c.Write(ctx, protocol.OpText, []byte(`{"type":"vote","poll":"name:q","option":1}`))
	c.Write(ctx, protocol.OpText, []byte(`{"type":"ask","text":"held for approval"}`))
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), `"type":"reply"`) {
			break
		}
	}
	if code := stop(); code != exitOK {
		t.Fatalf("exit status %d", code)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"id": "name:q"`, `"text": "b",
          "votes": 1`, `"correct": 1`, `"text": "held for approval"`, `"state": "pending"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("results lack %q:\n%s", want, b)
		}
	}
}
