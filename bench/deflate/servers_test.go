package deflate

import (
	"bytes"
	"context"
	"net/http"

	coder "github.com/coder/websocket"
	"github.com/gorilla/websocket"

	"wiretalk/protocol"
)

// Echo servers with compression, each the library's normal way: a
// goroutine per connection, the handler returning where the library
// allows it.

func oursEcho(opts *protocol.DeflateOptions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := protocol.Accept(w, r, &protocol.AcceptOptions{ReadLimit: 1 << 20, Deflate: opts})
		if err != nil {
			return
		}
		go func() {
			defer c.CloseNow()
			ctx := context.Background()
			for {
				op, p, err := c.Read(ctx)
				if err != nil || c.Write(ctx, op, p) != nil {
					return
				}
			}
		}()
	})
}

func coderEcho(takeover bool) http.Handler {
	mode := coder.CompressionNoContextTakeover
	if takeover {
		mode = coder.CompressionContextTakeover
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := coder.Accept(w, r, &coder.AcceptOptions{CompressionMode: mode, CompressionThreshold: 1})
		if err != nil {
			return
		}
		c.SetReadLimit(1 << 20)
		go func() {
			defer c.CloseNow()
			ctx := context.Background()
			var buf bytes.Buffer
			for {
				typ, rd, err := c.Reader(ctx)
				if err != nil {
					return
				}
				buf.Reset()
				if _, err := buf.ReadFrom(rd); err != nil || c.Write(ctx, typ, buf.Bytes()) != nil {
					return
				}
			}
		}()
	})
}

// gorillaEcho: with keep, one buffer per connection serves every message,
// as in the echo benchmark; without, each message reads into a buffer of
// its own, so that an idle connection holds none (the memory benchmark).
func gorillaEcho(keep bool) http.Handler {
	up := websocket.Upgrader{EnableCompression: true}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			var kept *bytes.Buffer // not a bytes.Buffer: without keep, none per connection
			if keep {
				kept = new(bytes.Buffer)
			}
			for {
				mt, rd, err := c.NextReader()
				if err != nil {
					return
				}
				buf := kept
				if buf == nil {
					buf = new(bytes.Buffer)
				}
				buf.Reset()
				if _, err := buf.ReadFrom(rd); err != nil || c.WriteMessage(mt, buf.Bytes()) != nil {
					return
				}
			}
		}()
	})
}
