package libs

import (
	"context"
	"net"
	"net/http"

	"wiretalk/protocol"
)

// ours is wiretalk's protocol package. Each connection is read by a
// goroutine of its own and the HTTP handler returns, so that net/http's
// per-connection state (its 4 KiB bufio reader and writer, the request)
// can be collected. A broadcast is one Prepared frame written the way
// server/hub.go does it: one writer goroutine per P, the writers taking
// the connections 32 at a time from a shared counter, each write a
// TryWritePrepared, and a goroutine of its own for a socket that cannot
// take the frame at once.
type ours struct {
	mode  Mode
	conns registry[*protocol.Conn]
}

func newOurs(mode Mode) *ours { return &ours{mode: mode} }

func (s *ours) Serve(ln net.Listener) error { return (&http.Server{Handler: s}).Serve(ln) }

func (s *ours) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := protocol.Accept(w, r, &protocol.AcceptOptions{ReadLimit: 1 << 20})
	if err != nil {
		return
	}
	s.conns.add(c)
	go s.read(c)
}

func (s *ours) read(c *protocol.Conn) {
	defer c.CloseNow()
	defer s.conns.remove(c)
	ctx := context.Background()
	for {
		op, p, err := c.Read(ctx)
		if err != nil {
			return
		}
		if s.mode == Echo {
			if err := c.Write(ctx, op, p); err != nil {
				return
			}
		}
	}
}

func (s *ours) Broadcast(payload []byte) {
	m := protocol.NewPrepared(protocol.OpText, payload)
	ctx := context.Background()
	shared(s.conns.snapshot(), 32, func(list []*protocol.Conn) {
		for _, c := range list {
			if sent, err := c.TryWritePrepared(m); !sent && err == nil {
				go c.WritePrepared(ctx, m)
			}
		}
	})
}

func (s *ours) Conns() int { return s.conns.len() }
