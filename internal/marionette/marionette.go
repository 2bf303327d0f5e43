// Package marionette drives a headless Firefox for tests through its
// Marionette protocol: length-prefixed JSON over TCP ("N:[0,id,name,
// params]" and back "N:[1,id,error,result]"), with the WebDriver commands
// NewSession, Navigate and ExecuteScript. It exists so that the lab's
// browser tests also run in a second engine, Debian's firefox-esr.
package marionette

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// execPaths are where Firefox is looked for, in order; WIRETALK_FIREFOX
// comes first when set.
var execPaths = []string{"firefox-esr", "firefox", "/usr/lib/firefox-esr/firefox-esr"}

func findFirefox() string {
	if p := os.Getenv("WIRETALK_FIREFOX"); p != "" {
		return p
	}
	for _, p := range execPaths {
		if found, err := exec.LookPath(p); err == nil {
			return found
		}
	}
	return ""
}

// Firefox is a headless Firefox with one Marionette session.
type Firefox struct {
	t    testing.TB
	cmd  *exec.Cmd
	conn net.Conn
	r    *bufio.Reader

	mu sync.Mutex
	id int
}

// Start starts a headless Firefox with a fresh profile and opens a
// session; it is stopped at cleanup. Without Firefox the test is skipped,
// or fails under CI=true.
func Start(t testing.TB) *Firefox {
	t.Helper()
	exe := findFirefox()
	if exe == "" {
		msg := "marionette: no Firefox found (looked for " + strings.Join(execPaths, ", ") +
			"); install it (Debian: apt-get install firefox-esr) or set WIRETALK_FIREFOX"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	profile := t.TempDir()
	prefs := []string{
		`user_pref("marionette.port", ` + strconv.Itoa(port) + `);`,
		`user_pref("browser.shell.checkDefaultBrowser", false);`,
		`user_pref("browser.startup.homepage_override.mstone", "ignore");`,
		`user_pref("browser.startup.page", 0);`,
		`user_pref("datareporting.policy.dataSubmissionEnabled", false);`,
		`user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);`,
		`user_pref("app.update.disabledForTesting", true);`,
		`user_pref("network.proxy.type", 0);`,
	}
	if err := os.WriteFile(filepath.Join(profile, "user.js"), []byte(strings.Join(prefs, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "--headless", "--marionette", "--no-remote", "--profile", profile, "about:blank")
	cmd.Env = append(os.Environ(), "MOZ_HEADLESS=1", "MOZ_CRASHREPORTER_DISABLE=1")
	logs := &lockedWriter{w: new(strings.Builder)}
	cmd.Stdout, cmd.Stderr = logs, logs // one lock for both
	if err := cmd.Start(); err != nil {
		t.Fatalf("marionette: starting %s: %v", exe, err)
	}
	f := &Firefox{t: t, cmd: cmd}
	t.Cleanup(f.stop)
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
		if err == nil {
			f.conn, f.r = c, bufio.NewReader(c)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("marionette: Firefox did not listen on port %d within a minute: %v\n%s", port, err, logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
	f.conn.SetDeadline(time.Now().Add(30 * time.Second))
	var hello struct {
		ApplicationType    string `json:"applicationType"`
		MarionetteProtocol int    `json:"marionetteProtocol"`
	}
	if err := json.Unmarshal(f.readPacket(), &hello); err != nil || hello.MarionetteProtocol < 3 {
		t.Fatalf("marionette: hello %+v, %v", hello, err)
	}
	f.conn.SetDeadline(time.Time{})
	if _, err := f.Call("WebDriver:NewSession", map[string]any{"capabilities": map[string]any{}}); err != nil {
		t.Fatalf("marionette: new session: %v", err)
	}
	return f
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.(fmt.Stringer).String()
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (f *Firefox) stop() {
	if f.conn != nil {
		f.conn.SetDeadline(time.Now().Add(5 * time.Second))
		f.Call("Marionette:Quit", map[string]any{"flags": []string{"eForceQuit"}})
		f.conn.Close()
	}
	done := make(chan struct{})
	go func() { f.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		f.cmd.Process.Kill()
		<-done
	}
}

func (f *Firefox) readPacket() []byte {
	f.t.Helper()
	n, err := f.r.ReadString(':')
	if err != nil {
		f.t.Fatalf("marionette: reading: %v", err)
	}
	size, err := strconv.Atoi(strings.TrimSuffix(n, ":"))
	if err != nil || size < 0 || size > 64<<20 {
		f.t.Fatalf("marionette: bad packet length %q", n)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(f.r, b); err != nil {
		f.t.Fatalf("marionette: reading: %v", err)
	}
	return b
}

// Call sends one command and returns its result's JSON.
func (f *Firefox) Call(name string, params any) (json.RawMessage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.id++
	id := f.id
	b, err := json.Marshal([]any{0, id, name, params})
	if err != nil {
		return nil, err
	}
	if _, err := fmt.Fprintf(f.conn, "%d:%s", len(b), b); err != nil {
		return nil, err
	}
	for {
		var resp []json.RawMessage
		if err := json.Unmarshal(f.readPacket(), &resp); err != nil || len(resp) != 4 {
			return nil, fmt.Errorf("marionette: bad response to %s: %v", name, err)
		}
		var got int
		json.Unmarshal(resp[1], &got)
		if got != id {
			continue
		}
		if string(resp[2]) != "null" {
			var e struct{ Error, Message string }
			json.Unmarshal(resp[2], &e)
			return nil, errors.New("marionette: " + name + ": " + e.Error + ": " + e.Message)
		}
		return resp[3], nil
	}
}

// Navigate loads url and waits for it.
func (f *Firefox) Navigate(url string) error {
	_, err := f.Call("WebDriver:Navigate", map[string]any{"url": url})
	return err
}

// Eval runs script (a function body: use return) in the page and returns
// its value as a string (JSON for anything but a string).
func (f *Firefox) Eval(script string) (string, error) {
	res, err := f.Call("WebDriver:ExecuteScript", map[string]any{"script": script, "args": []any{}})
	if err != nil {
		return "", err
	}
	var v struct{ Value json.RawMessage }
	if err := json.Unmarshal(res, &v); err != nil {
		return "", err
	}
	var s string
	if json.Unmarshal(v.Value, &s) == nil {
		return s, nil
	}
	return string(v.Value), nil
}

// Poll runs script until it returns something other than "", false or
// null, and returns that, or fails after timeout.
func (f *Firefox) Poll(ctx context.Context, what, script string, timeout time.Duration) string {
	f.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		v, err := f.Eval(script)
		if err != nil {
			f.t.Fatalf("waiting for %s: %v", what, err)
		}
		if v != "" && v != "false" && v != "null" {
			return v
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			f.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
