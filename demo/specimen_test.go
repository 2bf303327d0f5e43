package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"wiretalk/protocol"
)

// The specimen tests drive the inspector with github.com/coder/websocket,
// an independent implementation, standing in for the browser.

func newServer(t *testing.T, opts Options) (*Inspector, *httptest.Server) {
	t.Helper()
	opts.Logf = t.Logf
	ins := New(opts)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /demo/feed", ins.ServeFeed)
	mux.HandleFunc("GET /demo/specimen", ins.ServeSpecimen)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		ins.Close()
		srv.Close()
	})
	return ins, srv
}

func wsURL(srv *httptest.Server, path string) string {
	return "ws" + strings.TrimPrefix(srv.URL, "http") + path
}

// viewer is a test page: its feed, the records it received, and its
// specimen socket.
type viewer struct {
	t     *testing.T
	id    string
	hello hello
	feed  *websocket.Conn
	spec  *websocket.Conn

	mu      sync.Mutex
	records []Record
	changed chan struct{} // closed and replaced when a record arrives
	ended   chan struct{} // closed when the feed ends
	echoes  chan echo     // what the specimen received
}

type echo struct {
	typ websocket.MessageType
	p   []byte
	err error
}

func dial(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	c.SetReadLimit(-1)
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// openViewer opens a feed, reads its hello, and keeps reading records.
func openViewer(t *testing.T, srv *httptest.Server) *viewer {
	t.Helper()
	v := &viewer{t: t, feed: dial(t, wsURL(srv, "/demo/feed")), changed: make(chan struct{}), ended: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, p, err := v.feed.Read(ctx)
	if err != nil {
		t.Fatalf("reading the feed's hello: %v", err)
	}
	if err := json.Unmarshal(p, &v.hello); err != nil || v.hello.Type != "feed" || len(v.hello.ID) != 32 {
		t.Fatalf("hello = %s (%v), want {\"type\":\"feed\",\"id\":32 hex digits,…}", p, err)
	}
	v.id = v.hello.ID
	go func() {
		defer close(v.ended)
		for {
			_, p, err := v.feed.Read(context.Background())
			if err != nil {
				return
			}
			var r Record
			if err := json.Unmarshal(p, &r); err != nil {
				t.Errorf("feed sent %s: %v", p, err)
				return
			}
			v.mu.Lock()
			v.records = append(v.records, r)
			close(v.changed)
			v.changed = make(chan struct{})
			v.mu.Unlock()
		}
	}()
	return v
}

// openSpecimen opens the viewer's specimen and keeps reading from it (so
// that pings are answered), reporting each message on v.echoes.
func (v *viewer) openSpecimen(srv *httptest.Server) {
	v.t.Helper()
	spec, echoes := dial(v.t, wsURL(srv, "/demo/specimen?feed="+v.id)), make(chan echo, 1000)
	v.spec, v.echoes = spec, echoes
	go func() {
		for {
			typ, p, err := spec.Read(context.Background())
			echoes <- echo{typ, p, err}
			if err != nil {
				return
			}
		}
	}()
}

func (v *viewer) command(c command) {
	v.t.Helper()
	b, _ := json.Marshal(c)
	if err := v.feed.Write(context.Background(), websocket.MessageText, b); err != nil {
		v.t.Fatalf("command %s: %v", b, err)
	}
}

func (v *viewer) send(typ websocket.MessageType, p []byte) {
	v.t.Helper()
	if err := v.spec.Write(context.Background(), typ, p); err != nil {
		v.t.Fatalf("sending on the specimen: %v", err)
	}
}

// wait returns the records so far once ok is true of them, or fails
// after a few seconds.
func (v *viewer) wait(what string, ok func([]Record) bool) []Record {
	v.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		v.mu.Lock()
		rs, changed := v.records, v.changed
		v.mu.Unlock()
		if ok(rs) {
			return rs
		}
		select {
		case <-changed:
		case <-timeout:
			v.t.Fatalf("timed out waiting for %s; records:\n%s", what, dump(rs))
		}
	}
}

// waitFrame waits for a frame record that match accepts, and returns it.
func (v *viewer) waitFrame(what string, match func(*FrameRecord) bool) Record {
	v.t.Helper()
	var found Record
	v.wait(what, func(rs []Record) bool {
		for _, r := range rs {
			if r.Frame != nil && match(r.Frame) {
				found = r
				return true
			}
		}
		return false
	})
	return found
}

// waitNotice waits for a notice with code and returns it; with n, for the
// nth one.
func (v *viewer) waitNotice(code string, n ...int) Record {
	v.t.Helper()
	want := append(n, 1)[0]
	var found Record
	v.wait(fmt.Sprintf("notice %s #%d", code, want), func(rs []Record) bool {
		seen := 0
		for _, r := range rs {
			if r.Notice != nil && r.Notice.Code == code {
				if seen++; seen == want {
					found = r
					return true
				}
			}
		}
		return false
	})
	return found
}

func (v *viewer) nextEcho() echo {
	v.t.Helper()
	select {
	case e := <-v.echoes:
		return e
	case <-time.After(10 * time.Second):
		v.t.Fatal("timed out waiting for the specimen to receive something")
	}
	return echo{}
}

func dump(rs []Record) string {
	var b strings.Builder
	for _, r := range rs {
		switch {
		case r.Frame != nil:
			f := r.Frame
			fmt.Fprintf(&b, "  #%d conn %d frame %s %s fin=%v mask=%v len=%d %q\n", r.Seq, r.Conn, f.Dir, f.OpName, f.Fin, f.Mask, f.Length, abbrev(f.Payload))
		case r.Notice != nil:
			fmt.Fprintf(&b, "  #%d conn %d notice %s: %s\n", r.Seq, r.Conn, r.Notice.Code, r.Notice.Text)
		default:
			fmt.Fprintf(&b, "  #%d conn %d %s\n", r.Seq, r.Conn, r.Type)
		}
	}
	return b.String()
}

func isText(payload string) func(*FrameRecord) bool {
	return func(f *FrameRecord) bool { return f.OpName == "text" && f.Payload == payload }
}

func TestSpecimenEchoesAndEveryFrameIsRecorded(t *testing.T) {
	_, srv := newServer(t, Options{})
	v := openViewer(t, srv)
	if v.hello.MaxMessage != 1<<20 || v.hello.Rate != 20 || v.hello.Burst != 20 {
		t.Errorf("hello limits = %+v, want 1 MiB, 20/s, burst 20", v.hello)
	}
	v.openSpecimen(srv)

	hs := v.wait("the handshake", func(rs []Record) bool { return len(rs) > 0 })[0]
	if hs.Type != "handshake" || hs.Seq != 1 || hs.Conn != 1 || !hs.Handshake.Match ||
		!strings.HasPrefix(hs.Handshake.Request[0], "GET /demo/specimen?feed=") {
		t.Errorf("first record = %+v, want connection 1's handshake with a matching accept", hs)
	}

	v.send(websocket.MessageText, []byte("Hello"))
	if e := v.nextEcho(); e.err != nil || e.typ != websocket.MessageText || string(e.p) != "Hello" {
		t.Errorf("echo = %v %q %v, want text Hello", e.typ, e.p, e.err)
	}
	in := v.waitFrame("the browser's Hello", func(f *FrameRecord) bool { return f.Dir == "in" && f.Payload == "Hello" }).Frame
	if !in.Mask || in.Key == "" || !in.Fin || in.OpName != "text" || in.Label != "browser → server" {
		t.Errorf("inbound frame = %+v, want FIN text masked with a key", in)
	}
	out := v.waitFrame("the echoed Hello", func(f *FrameRecord) bool { return f.Dir == "out" && f.Payload == "Hello" }).Frame
	if out.Mask || out.Key != "" || out.Label != "server → browser" || out.Header != "8105" {
		t.Errorf("outbound frame = %+v, want 81 05 unmasked", out)
	}

	v.send(websocket.MessageBinary, []byte{0xde, 0xad, 0xbe, 0xef})
	if e := v.nextEcho(); e.typ != websocket.MessageBinary || string(e.p) != "\xde\xad\xbe\xef" {
		t.Errorf("binary echo = %v % x, want binary de ad be ef", e.typ, e.p)
	}
	v.waitFrame("the binary echo", func(f *FrameRecord) bool {
		return f.Dir == "out" && f.OpName == "binary" && f.Payload == "de ad be ef" && f.PayloadAs == "hex"
	})
}

func TestSpecimenLengthEncodings(t *testing.T) {
	_, srv := newServer(t, Options{})
	v := openViewer(t, srv)
	v.openSpecimen(srv)
	for _, tt := range []struct {
		size, len7, bits int
	}{{5, 5, 7}, {125, 125, 7}, {126, 126, 16}, {65535, 126, 16}, {65536, 127, 64}, {70 * 1024, 127, 64}} {
		v.send(websocket.MessageText, []byte(strings.Repeat("x", tt.size)))
		if e := v.nextEcho(); len(e.p) != tt.size {
			t.Fatalf("echo of %d bytes: got %d, %v", tt.size, len(e.p), e.err)
		}
		for _, dir := range []string{"in", "out"} {
			f := v.waitFrame(fmt.Sprintf("%s frame of %d bytes", dir, tt.size), func(f *FrameRecord) bool {
				return f.Dir == dir && f.Length == int64(tt.size)
			}).Frame
			if f.Len7 != tt.len7 || f.LengthBits != tt.bits || len(f.ExtLen) != 2*(tt.bits/8)*min(1, tt.bits-7) {
				t.Errorf("%s %d bytes: len7 %d, %d-bit, extLen %q; want %d and %d-bit", dir, tt.size, f.Len7, f.LengthBits, f.ExtLen, tt.len7, tt.bits)
			}
		}
	}
}

func TestSpecimenFragmentsOnCommand(t *testing.T) {
	_, srv := newServer(t, Options{})
	v := openViewer(t, srv)
	v.openSpecimen(srv)
	v.command(command{Type: "fragments", On: true})
	v.waitNotice("fragments")

	v.send(websocket.MessageText, []byte("Hello, fragments!")) // 17 bytes: 6 + 6 + 5
	if e := v.nextEcho(); string(e.p) != "Hello, fragments!" {
		t.Fatalf("echo = %q %v, want the message whole", e.p, e.err)
	}
	rs := v.wait("three outbound fragments", func(rs []Record) bool {
		n := 0
		for _, r := range rs {
			if r.Frame != nil && r.Frame.Dir == "out" && r.Frame.Message == "text" {
				n++
			}
		}
		return n == 3
	})
	var got []string
	for _, r := range rs {
		if f := r.Frame; f != nil && f.Dir == "out" {
			got = append(got, fmt.Sprintf("%s fin=%v %q", f.OpName, f.Fin, f.Payload))
		}
	}
	want := []string{`text fin=false "Hello,"`, `continuation fin=false " fragm"`, `continuation fin=true "ents!"`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("outbound frames:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Commands and messages travel on different sockets: wait for the
	// command to be taken before sending.
	v.command(command{Type: "fragments", On: false})
	v.waitNotice("fragments", 2)
	v.send(websocket.MessageText, []byte("whole again"))
	v.nextEcho()
	if f := v.waitFrame("the whole echo", func(f *FrameRecord) bool { return f.Dir == "out" && f.Payload == "whole again" }).Frame; !f.Fin {
		t.Errorf("with fragments off the echo has FIN=0")
	}
}

func TestSpecimenServerPingsAndTheBrowserPongs(t *testing.T) {
	_, srv := newServer(t, Options{})
	v := openViewer(t, srv)
	v.openSpecimen(srv)
	v.wait("the handshake", func(rs []Record) bool { return len(rs) > 0 })
	v.command(command{Type: "ping", Payload: "are you there?"})
	ping := v.waitFrame("the ping", func(f *FrameRecord) bool { return f.Dir == "out" && f.OpName == "ping" }).Frame
	pong := v.waitFrame("the pong", func(f *FrameRecord) bool { return f.Dir == "in" && f.OpName == "pong" }).Frame
	if ping.Payload != "are you there?" || ping.Mask {
		t.Errorf("ping = %q masked %v, want the payload unmasked", ping.Payload, ping.Mask)
	}
	if pong.Payload != "are you there?" || !pong.Mask || !pong.Control {
		t.Errorf("pong = %q masked %v, want the ping's payload, masked", pong.Payload, pong.Mask)
	}
}

func TestSpecimenCloseCommand(t *testing.T) {
	_, srv := newServer(t, Options{})
	v := openViewer(t, srv)
	v.openSpecimen(srv)
	v.wait("the handshake", func(rs []Record) bool { return len(rs) > 0 })

	v.command(command{Type: "close", Code: 1005, Reason: "not on the wire"})
	if n := v.waitNotice("command"); !strings.Contains(n.Notice.Text, "1005 may not be sent") {
		t.Errorf("notice %q, want 1005 refused", n.Notice.Text)
	}
	v.command(command{Type: "close", Code: 4000, Reason: "server says bye"})
	if e := v.nextEcho(); websocket.CloseStatus(e.err) != 4000 {
		t.Errorf("specimen read error %v, want close 4000", e.err)
	}
	c := v.waitFrame("the server's close", func(f *FrameRecord) bool { return f.Dir == "out" && f.OpName == "close" }).Frame.Close
	if c == nil || c.Code != 4000 || c.Reason != "server says bye" || c.Name != "private use" {
		t.Errorf("close = %+v, want 4000 private use \"server says bye\"", c)
	}
	v.waitFrame("the browser's close reply", func(f *FrameRecord) bool {
		return f.Dir == "in" && f.OpName == "close" && f.Close != nil && f.Close.Code == 4000
	})
	v.waitNotice("closed")
}

func TestSpecimenMessageTooBig(t *testing.T) {
	_, srv := newServer(t, Options{})
	v := openViewer(t, srv)
	v.openSpecimen(srv)
	// The server fails the connection at the header, so the write may
	// end with a broken pipe: what matters is the close frame read.
	v.spec.Write(context.Background(), websocket.MessageBinary, make([]byte, 2<<20))
	e := v.nextEcho()
	if websocket.CloseStatus(e.err) != websocket.StatusMessageTooBig {
		t.Fatalf("after 2 MiB the specimen read %v, want close 1009", e.err)
	}
	if !strings.Contains(e.err.Error(), "too big") && !strings.Contains(e.err.Error(), "limit") {
		t.Errorf("close reason in %q says nothing of the size", e.err)
	}
	n := v.waitNotice("limit")
	if !strings.Contains(n.Notice.Text, "1 MiB") || !strings.Contains(n.Notice.Text, "1009") {
		t.Errorf("notice %q, want the 1 MiB limit and 1009", n.Notice.Text)
	}
	in := v.waitFrame("the 2 MiB frame's header", func(f *FrameRecord) bool { return f.Dir == "in" && f.Length == 2<<20 }).Frame
	if in.LengthBits != 64 || in.Shown > HexLimit || !in.Partial {
		t.Errorf("oversized frame = %d-bit, %d shown, partial %v; want 64-bit and partial: the server stops at the header", in.LengthBits, in.Shown, in.Partial)
	}
	v.waitFrame("the 1009 close", func(f *FrameRecord) bool { return f.Close != nil && f.Close.Code == 1009 })
}

func TestSpecimenRateLimit(t *testing.T) {
	ins, srv := newServer(t, Options{})
	frozen := time.Now()
	ins.now = func() time.Time { return frozen } // no refill: the burst is all there is

	v := openViewer(t, srv)
	v.openSpecimen(srv)
	for i := range 50 {
		v.send(websocket.MessageText, fmt.Appendf(nil, "m%d", i))
	}
	for i := range 20 {
		if e := v.nextEcho(); string(e.p) != fmt.Sprintf("m%d", i) {
			t.Fatalf("echo %d = %q %v", i, e.p, e.err)
		}
	}
	n := v.waitNotice("rate")
	if !strings.Contains(n.Notice.Text, "20 messages per second") {
		t.Errorf("notice %q does not give the limit", n.Notice.Text)
	}
	v.wait("all 50 inbound frames", func(rs []Record) bool {
		in := 0
		for _, r := range rs {
			if r.Frame != nil && r.Frame.Dir == "in" && r.Frame.OpName == "text" {
				in++
			}
		}
		return in == 50
	})
	select {
	case e := <-v.echoes:
		t.Fatalf("message over the burst echoed: %q %v", e.p, e.err)
	default:
	}

	// Keep it up: after sustainedDrops messages in a row over the rate,
	// the server closes with 1008.
	for i := range sustainedDrops {
		if v.spec.Write(context.Background(), websocket.MessageText, fmt.Appendf(nil, "x%d", i)) != nil {
			break // closed already
		}
	}
	if e := v.nextEcho(); websocket.CloseStatus(e.err) != websocket.StatusPolicyViolation {
		t.Errorf("after a sustained flood the specimen read %q %v, want close 1008", e.p, e.err)
	}
}

func TestBucketRefills(t *testing.T) {
	now := time.Unix(0, 0)
	b := newBucket(20, 20, func() time.Time { return now })
	for i := range 20 {
		if !b.take() {
			t.Fatalf("take %d of the burst failed", i)
		}
	}
	if b.take() {
		t.Fatal("take after the burst succeeded")
	}
	now = now.Add(50 * time.Millisecond) // one token at 20/s
	if !b.take() || b.take() {
		t.Error("50 ms at 20/s should refill exactly one token")
	}
	now = now.Add(time.Hour)
	n := 0
	for b.take() {
		n++
	}
	if n != 20 {
		t.Errorf("after an hour %d tokens, want the burst of 20", n)
	}
}

func TestSpecimenUnknownFeedIs404(t *testing.T) {
	_, srv := newServer(t, Options{})
	for _, q := range []string{"", "?feed=", "?feed=0123456789abcdef0123456789abcdef"} {
		req, _ := http.NewRequest("GET", srv.URL+"/demo/specimen"+q, nil)
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "websocket")
		req.Header.Set("Sec-WebSocket-Version", "13")
		req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("specimen%s: %s, want 404", q, resp.Status)
		}
	}
}

func TestFeedFramesAreNeverRecorded(t *testing.T) {
	_, srv := newServer(t, Options{})
	v := openViewer(t, srv)
	v.openSpecimen(srv)
	v.command(command{Type: "fragments", On: false})
	v.command(command{Type: "FEED-MARKER"})
	v.command(command{Type: "ping", Payload: "from the feed"})
	v.send(websocket.MessageText, []byte("SPECIMEN"))
	v.nextEcho()
	rs := v.wait("the echo and the pong", func(rs []Record) bool {
		var echo, pong bool
		for _, r := range rs {
			echo = echo || r.Frame != nil && r.Frame.Dir == "out" && r.Frame.Payload == "SPECIMEN"
			pong = pong || r.Frame != nil && r.Frame.OpName == "pong"
		}
		return echo && pong
	})
	v.waitNotice("command") // the unknown FEED-MARKER command
	for _, r := range rs {
		if r.Frame == nil {
			continue
		}
		if r.Conn != 1 || strings.Contains(r.Frame.Payload, "type") || strings.Contains(r.Frame.Payload, "FEED-MARKER") {
			t.Errorf("a feed frame was recorded: %s", dump([]Record{r}))
		}
	}
}

func TestTwoViewersSeeOnlyTheirOwnFrames(t *testing.T) {
	_, srv := newServer(t, Options{})
	a, b := openViewer(t, srv), openViewer(t, srv)
	if a.id == b.id {
		t.Fatal("two feeds have the same id")
	}
	a.openSpecimen(srv)
	b.openSpecimen(srv)
	var wg sync.WaitGroup
	for _, v := range []*viewer{a, b} {
		wg.Go(func() {
			for i := range 10 {
				v.spec.Write(context.Background(), websocket.MessageText, fmt.Appendf(nil, "%s-%d", v.id, i))
			}
		})
	}
	wg.Wait()
	for _, v := range []*viewer{a, b} {
		rs := v.wait("10 echoes", func(rs []Record) bool {
			n := 0
			for _, r := range rs {
				if r.Frame != nil && r.Frame.Dir == "out" {
					n++
				}
			}
			return n == 10
		})
		for _, r := range rs {
			if r.Frame != nil && !strings.HasPrefix(r.Frame.Payload, v.id+"-") {
				t.Errorf("viewer %s saw %q", v.id[:6], r.Frame.Payload)
			}
			if r.Handshake != nil && !strings.Contains(r.Handshake.Request[0], v.id) {
				t.Errorf("viewer %s saw the handshake %q", v.id[:6], r.Handshake.Request[0])
			}
		}
	}
}

func TestClosingTheFeedClosesTheSpecimen(t *testing.T) {
	_, srv := newServer(t, Options{})
	v := openViewer(t, srv)
	v.openSpecimen(srv)
	v.wait("the handshake", func(rs []Record) bool { return len(rs) > 0 })
	v.feed.Close(websocket.StatusNormalClosure, "")
	if e := v.nextEcho(); websocket.CloseStatus(e.err) != websocket.StatusGoingAway {
		t.Errorf("specimen read %v, want close 1001", e.err)
	}
	// The feed is gone: its id no longer opens a specimen.
	_, resp, err := websocket.Dial(context.Background(), wsURL(srv, "/demo/specimen?feed="+v.id), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("specimen of a closed feed: %v, want 404", err)
	}
}

func TestASecondSpecimenReplacesTheFirst(t *testing.T) {
	_, srv := newServer(t, Options{})
	v := openViewer(t, srv)
	v.openSpecimen(srv)
	first := v.echoes
	v.openSpecimen(srv)
	select {
	case e := <-first:
		var ce websocket.CloseError
		if !errors.As(e.err, &ce) || ce.Code != websocket.StatusNormalClosure || !strings.Contains(ce.Reason, "replaced") {
			t.Errorf("first specimen read %v, want close 1000 replaced", e.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the first specimen stayed open")
	}
	v.send(websocket.MessageText, []byte("second"))
	if e := v.nextEcho(); string(e.p) != "second" {
		t.Errorf("second specimen echo %q %v", e.p, e.err)
	}
	if r := v.waitFrame("the second's echo", isText("second")); r.Conn != 2 {
		t.Errorf("echo recorded on connection %d, want 2", r.Conn)
	}
}

func TestMaxFeedsAndClose(t *testing.T) {
	ins, srv := newServer(t, Options{MaxFeeds: 1})
	v := openViewer(t, srv)
	v.openSpecimen(srv)
	_, resp, err := websocket.Dial(context.Background(), wsURL(srv, "/demo/feed"), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("second feed: %v, want 503", err)
	}
	ins.Close()
	if e := v.nextEcho(); websocket.CloseStatus(e.err) != websocket.StatusGoingAway {
		t.Errorf("specimen after Close: %v, want 1001", e.err)
	}
	select {
	case <-v.ended:
	case <-time.After(10 * time.Second):
		t.Error("the feed stayed open after Close")
	}
}

func TestPublishNeverBlocks(t *testing.T) {
	ins := New(Options{})
	f := &feed{ins: ins, start: ins.now(), queue: make(chan Record, feedQueue)}
	for range feedQueue + 44 {
		f.publish(notice("info", "test", "x"))
	}
	if n := f.dropped.Load(); n != 44 {
		t.Errorf("dropped %d, want 44", n)
	}
	if f.seq != feedQueue+44 {
		t.Errorf("seq %d: dropped records must still be numbered, so the page sees the gap", f.seq)
	}
}

var _ protocol.Observer = (*observer)(nil)
