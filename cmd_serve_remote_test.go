package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"wiretalk/protocol"
)

func TestServeDurationFlag(t *testing.T) {
	for _, bad := range []string{"-5m", "25h", "soon"} {
		code, _, stderr := runCLI(t, "serve", "-no-state", "-addr", "127.0.0.1:0", "-duration", bad)
		if code != exitUsage || !strings.Contains(stderr, "Usage: wiretalk serve") {
			t.Errorf("-duration %s: exit %d, stderr %q; want usage and 2", bad, code, stderr)
		}
	}

	// The length reaches the presenter's console, in the timer message.
	presenter, stop := startServe(t, "-no-state", "-addr", "127.0.0.1:0", "-duration", "30m")
	defer stop()
	ws := "ws" + strings.TrimPrefix(strings.Replace(presenter, "/presenter?", "/ws/presenter?", 1), "http")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _, err := protocol.Dial(ctx, ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Type   string
			Length int64
		}
		json.Unmarshal(b, &m)
		if m.Type == "timer" {
			if m.Length != (30 * time.Minute).Milliseconds() {
				t.Errorf("timer length %d ms, want 30 minutes", m.Length)
			}
			break
		}
	}
}

// The terminal prints the presenter URL but never its QR code: terminals
// get projected, and the code would hand the talk to anyone in the room.
func TestServePrintsNoPresenterQR(t *testing.T) {
	var out bytes.Buffer
	printURLs(&out, "http", &net.TCPAddr{IP: net.IPv4(192, 168, 1, 20), Port: 8000}, "k3y", "")
	const presenter = "http://192.168.1.20:8000/presenter?key=k3y"
	if !strings.Contains(out.String(), "Presenter: "+presenter) {
		t.Fatalf("no presenter URL in:\n%s", out.String())
	}
	audienceQR, _ := terminalQR("http://192.168.1.20:8000/")
	presenterQR, _ := terminalQR(presenter)
	if !strings.Contains(out.String(), audienceQR) {
		t.Error("the audience's QR code is missing")
	}
	if strings.Contains(out.String(), presenterQR) {
		t.Error("the terminal shows the presenter URL's QR code")
	}
}
