package protocol

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/coder/websocket"
)

// permessage-deflate against an independent implementation,
// github.com/coder/websocket, in both of its compression modes: our
// server against its client, and our client against its server. Each
// message is checked, and so is that compressed frames crossed the wire.

func deflateInteropMessages() [][]byte {
	json := strings.Repeat(`{"id":1234,"name":"wiretalk","tags":["ws","deflate"],"ok":true},`, 1100)
	return [][]byte{
		[]byte("Hello"),
		[]byte(json[:1024]),
		[]byte(json[:1024]), // again: with context takeover, mostly a back-reference
		[]byte(json[:64<<10]),
		interopPayload(200<<10, true),
		interopPayload(3000, false),
	}
}

var coderModes = []struct {
	name string
	mode websocket.CompressionMode
}{
	{"context takeover", websocket.CompressionContextTakeover},
	{"no context takeover", websocket.CompressionNoContextTakeover},
}

func TestInteropDeflateOurServerCoderClient(t *testing.T) {
	for _, mode := range coderModes {
		t.Run(mode.name, func(t *testing.T) {
			var rsv1In, rsv1Out atomic.Int64
			obs := ObserverFuncs{Frame: func(f Frame) {
				if f.Header.Rsv1 {
					if f.Dir == Inbound {
						rsv1In.Add(1)
					} else {
						rsv1Out.Add(1)
					}
				}
			}}
			srv := httptest.NewServer(echoHandler(&AcceptOptions{Deflate: &DeflateOptions{}, Observer: obs}))
			defer srv.Close()
			ctx := interopCtx(t)
			c, resp, err := websocket.Dial(ctx, wsURL(srv, "/"), &websocket.DialOptions{CompressionMode: mode.mode, CompressionThreshold: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			c.SetReadLimit(1 << 20)
			ans := resp.Header.Get("Sec-WebSocket-Extensions")
			if !strings.HasPrefix(ans, "permessage-deflate") {
				t.Fatalf("answer %q", ans)
			}
			if mode.mode == websocket.CompressionNoContextTakeover && !strings.Contains(ans, "server_no_context_takeover") {
				t.Errorf("answer %q to an offer without context takeover", ans)
			}
			msgs := deflateInteropMessages()
			for i, m := range msgs {
				typ := websocket.MessageText
				if i == len(msgs)-1 {
					typ = websocket.MessageBinary
				}
				if err := c.Write(ctx, typ, m); err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				gotTyp, got, err := c.Read(ctx)
				if err != nil || gotTyp != typ || !bytes.Equal(got, m) {
					t.Fatalf("message %d (%d bytes): echo of %d bytes, %v", i, len(m), len(got), err)
				}
			}
			c.Close(websocket.StatusNormalClosure, "")
			// coder compresses only with takeover above its threshold; our
			// server compresses every message.
			if rsv1In.Load() == 0 || rsv1Out.Load() < int64(len(msgs)) {
				t.Errorf("compressed frames: %d from coder, %d from us; want some and %d", rsv1In.Load(), rsv1Out.Load(), len(msgs))
			}
		})
	}
}

func TestInteropDeflateOurClientCoderServer(t *testing.T) {
	for _, mode := range coderModes {
		for _, ours := range []DeflateOptions{{}, {NoContextTakeover: true, PeerNoContextTakeover: true}} {
			t.Run(fmt.Sprintf("%s/ours=%+v", mode.name, ours), func(t *testing.T) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: mode.mode, CompressionThreshold: 1})
					if err != nil {
						return
					}
					defer c.CloseNow()
					c.SetReadLimit(1 << 20)
					for {
						typ, p, err := c.Read(r.Context())
						if err != nil {
							return
						}
						if err := c.Write(r.Context(), typ, p); err != nil {
							return
						}
					}
				}))
				defer srv.Close()
				var rsv1In, rsv1Out atomic.Int64
				obs := ObserverFuncs{Frame: func(f Frame) {
					if f.Header.Rsv1 {
						if f.Dir == Inbound {
							rsv1In.Add(1)
						} else {
							rsv1Out.Add(1)
						}
					}
				}}
				ctx := interopCtx(t)
				c, _, err := Dial(ctx, wsURL(srv, "/"), &DialOptions{Deflate: &ours, Observer: obs})
				if err != nil {
					t.Fatal(err)
				}
				defer c.CloseNow()
				p, ok := c.Negotiated()
				if !ok {
					t.Fatal("permessage-deflate not negotiated")
				}
				t.Logf("negotiated %s", p)
				for i, m := range deflateInteropMessages() {
					if err := c.Write(ctx, OpBinary, m); err != nil {
						t.Fatalf("message %d: %v", i, err)
					}
					_, got, err := c.Read(ctx)
					if err != nil || !bytes.Equal(got, m) {
						t.Fatalf("message %d (%d bytes): echo of %d bytes, %v", i, len(m), len(got), err)
					}
				}
				c.Close(StatusNormalClosure, "")
				if rsv1In.Load() == 0 || rsv1Out.Load() == 0 {
					t.Errorf("compressed frames: %d in, %d out", rsv1In.Load(), rsv1Out.Load())
				}
			})
		}
	}
}
