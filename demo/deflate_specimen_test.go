package demo

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestSpecimenDeflate: with ?deflate=1 the specimen accepts the
// browser's permessage-deflate offer, and the records show both ways
// what compression did: the handshake's offer and answer parameter by
// parameter, RSV1 set, the compressed bytes, and the message inflated.
func TestSpecimenDeflate(t *testing.T) {
	_, srv := newServer(t, Options{})
	v := openViewer(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	spec, resp, err := websocket.Dial(ctx, wsURL(srv, "/demo/specimen?deflate=1&feed="+v.id),
		&websocket.DialOptions{CompressionMode: websocket.CompressionContextTakeover, CompressionThreshold: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer spec.CloseNow()
	if got := resp.Header.Get("Sec-WebSocket-Extensions"); got != "permessage-deflate" {
		t.Fatalf("answer %q", got)
	}
	hs := v.wait("the handshake", func(rs []Record) bool { return len(rs) > 0 })[0].Handshake
	if hs == nil || hs.Extensions == nil || len(hs.Extensions.Offer) == 0 || len(hs.Extensions.Answer) != 1 ||
		hs.Extensions.Answer[0].Name != "permessage-deflate" {
		t.Fatalf("handshake extensions %+v", hs)
	}

	msg := strings.Repeat("Hello, compressed world. ", 8)
	for range 2 {
		if err := spec.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if _, p, err := spec.Read(ctx); err != nil || string(p) != msg {
			t.Fatalf("echo %q, %v", p, err)
		}
	}
	for _, dir := range []string{"in", "out"} {
		rs := v.wait("two compressed messages "+dir, func(rs []Record) bool {
			n := 0
			for _, r := range rs {
				if f := r.Frame; f != nil && f.Dir == dir && f.Deflate != nil && f.Deflate.Final {
					n++
				}
			}
			return n == 2
		})
		var seen int
		for _, r := range rs {
			f := r.Frame
			if f == nil || f.Dir != dir || f.Deflate == nil {
				continue
			}
			d := f.Deflate
			if !f.Rsv1 || d.Inflated != msg || d.InflatedLen != int64(len(msg)) || d.Ratio <= 1 || f.PayloadAs != "hex" || d.Error != "" {
				t.Errorf("%s frame %d: rsv1 %v, %+v", dir, r.Seq, f.Rsv1, d)
			}
			if (dir == "in") != (d.Masked != "") {
				t.Errorf("%s frame: masked payload %q", dir, d.Masked)
			}
			if seen++; seen == 2 && d.Compressed >= int64(len(msg))/4 {
				t.Errorf("%s: the second message took %d bytes: the window was not used", dir, d.Compressed)
			}
		}
	}
}

// TestSpecimenWithoutDeflate: without ?deflate=1 the offer is declined,
// and the handshake record says so.
func TestSpecimenWithoutDeflate(t *testing.T) {
	_, srv := newServer(t, Options{})
	v := openViewer(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	spec, resp, err := websocket.Dial(ctx, wsURL(srv, "/demo/specimen?feed="+v.id),
		&websocket.DialOptions{CompressionMode: websocket.CompressionContextTakeover})
	if err != nil {
		t.Fatal(err)
	}
	defer spec.CloseNow()
	if got := resp.Header.Get("Sec-WebSocket-Extensions"); got != "" {
		t.Fatalf("answer %q", got)
	}
	hs := v.wait("the handshake", func(rs []Record) bool { return len(rs) > 0 })[0].Handshake
	if hs.Extensions == nil || len(hs.Extensions.Answer) != 0 || !strings.Contains(hs.Extensions.Summary, "declined") {
		t.Errorf("extensions %+v", hs.Extensions)
	}
}
