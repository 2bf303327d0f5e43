package libs

import (
	"bytes"
	"context"
	"net"
	"net/http"

	"github.com/coder/websocket"
)

// coder is github.com/coder/websocket, each connection read by a
// goroutine of its own. Its Write is safe for concurrent
// use; a broadcast is one Write per connection from its own goroutine.
type coder struct {
	mode  Mode
	conns registry[*websocket.Conn]
}

func newCoder(mode Mode) *coder { return &coder{mode: mode} }

func (s *coder) Serve(ln net.Listener) error { return (&http.Server{Handler: s}).Serve(ln) }

func (s *coder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	c.SetReadLimit(1 << 20)
	s.conns.add(c)
	go s.read(c)
}

func (s *coder) read(c *websocket.Conn) {
	defer c.CloseNow()
	defer s.conns.remove(c)
	ctx := context.Background()
	var buf bytes.Buffer // reused: Read would allocate every message
	for {
		typ, rd, err := c.Reader(ctx)
		if err != nil {
			return
		}
		buf.Reset()
		if _, err := buf.ReadFrom(rd); err != nil {
			return
		}
		if s.mode == Echo {
			if err := c.Write(ctx, typ, buf.Bytes()); err != nil {
				return
			}
		}
	}
}

func (s *coder) Broadcast(payload []byte) {
	ctx := context.Background()
	for _, c := range s.conns.snapshot() {
		go c.Write(ctx, websocket.MessageText, payload)
	}
}

func (s *coder) Conns() int { return s.conns.len() }
