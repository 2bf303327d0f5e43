package demo

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// openLabViewer starts an inspector and opens a viewer with its specimen,
// once the specimen's handshake has been shown.
func openLabViewer(t *testing.T) (*viewer, *httptest.Server) {
	t.Helper()
	_, srv := newServer(t, Options{})
	v := openViewer(t, srv)
	v.openSpecimen(srv)
	v.wait("the handshake", func(rs []Record) bool { return len(rs) > 0 })
	return v, srv
}

// The lab's simultaneous close: after the command, the specimen answers
// the next message with its own close, before it reads on, so both
// sides' close frames are on the wire and neither is an answer: the
// records show the server's close before the client's, and no second
// close from the server.
func TestLabSimultaneousClose(t *testing.T) {
	v, _ := openLabViewer(t)
	v.command(command{Type: "lab", Rule: "simclose"})
	if n := v.waitNotice("lab"); !strings.Contains(n.Notice.Text, "closes on your next message") {
		t.Errorf("notice %q", n.Notice.Text)
	}
	v.send(websocket.MessageText, []byte("both close now"))
	err := v.spec.Close(websocket.StatusNormalClosure, "the client closes too")
	t.Logf("the client's Close: %v", err)
	v.waitNotice("closed")
	v.mu.Lock()
	rs := v.records
	v.mu.Unlock()
	var order []string
	for _, r := range rs {
		if r.Frame != nil {
			order = append(order, r.Frame.Dir+":"+r.Frame.OpName)
			if r.Frame.Close != nil && r.Frame.Dir == "out" && (r.Frame.Close.Code != 1000 || r.Frame.Close.Reason != simCloseReason) {
				t.Errorf("the server's close: %d %q", r.Frame.Close.Code, r.Frame.Close.Reason)
			}
			if len(r.Frame.Violations) > 0 {
				t.Errorf("a valid close shown as breaking a rule: %+v", r.Frame.Violations)
			}
		}
	}
	if got := strings.Join(order, " "); got != "in:text out:close in:close" {
		t.Errorf("frames %q, want the message, the server's close, then the client's, and no echo or answer:\n%s", got, dump(rs))
	}
}

// The lab's restarting server: after the command the specimen is
// dropped, the next three connections get 503, each with a notice, and
// the fourth is a specimen again. Another viewer is not refused.
func TestLabBackoffRefusesThreeConnections(t *testing.T) {
	v, srv := openLabViewer(t)
	v.command(command{Type: "lab", Rule: "backoff"})
	v.waitNotice("lab")
	if e := v.nextEcho(); e.err == nil {
		t.Errorf("the specimen read %q after the drop, want an error", e.p)
	}
	// Another viewer's specimen is not refused: the refusals are this
	// feed's.
	b := openViewer(t, srv)
	b.openSpecimen(srv)
	b.send(websocket.MessageText, []byte("not refused"))
	if e := b.nextEcho(); e.err != nil || string(e.p) != "not refused" {
		t.Fatalf("viewer B during A's refusals: %q, %v", e.p, e.err)
	}
	for k := 1; k <= labRefusals; k++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, resp, err := websocket.Dial(ctx, wsURL(srv, "/demo/specimen?feed="+v.id), nil)
		cancel()
		if err == nil {
			c.CloseNow()
			t.Fatalf("attempt %d was accepted, want 503", k)
		}
		if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("attempt %d: %v, want 503", k, err)
		}
		if n := v.waitNotice("refused", k); !strings.Contains(n.Notice.Text, "attempt "+string(rune('0'+k))+" of 3") {
			t.Errorf("notice %q", n.Notice.Text)
		}
	}
	v.openSpecimen(srv)
	v.send(websocket.MessageText, []byte("back"))
	if e := v.nextEcho(); e.err != nil || string(e.p) != "back" {
		t.Fatalf("after the refusals: %q, %v", e.p, e.err)
	}
}

// The lab's accepted permessage-deflate names server_no_context_takeover
// in its answer; the declined one answers no extension.
func TestLabDeflateAnswers(t *testing.T) {
	_, srv := newServer(t, Options{})
	v := openViewer(t, srv)
	for _, tt := range []struct{ query, want string }{
		{"&deflate=lab", "permessage-deflate; server_no_context_takeover"},
		{"", ""},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, resp, err := websocket.Dial(ctx, wsURL(srv, "/demo/specimen?feed="+v.id+tt.query), &websocket.DialOptions{CompressionMode: websocket.CompressionContextTakeover})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.HasPrefix(got, tt.want) || tt.want == "" && got != "" {
			t.Errorf("%q: Sec-WebSocket-Extensions %q, want %q", tt.query, got, tt.want)
		}
		c.CloseNow()
	}
}
