package libs

import (
	"net"

	"github.com/lxzan/gws"
)

// gwsServer is github.com/lxzan/gws with its own server (its HTTP parser on
// a pooled bufio.Reader, one ReadLoop goroutine per connection). A
// broadcast uses its Broadcaster, which encodes the frame once and queues
// it on every connection's write queue.
type gwsServer struct {
	gws.BuiltinEventHandler
	mode  Mode
	srv   *gws.Server
	conns registry[*gws.Conn]
}

func newGWS(mode Mode) *gwsServer {
	s := &gwsServer{mode: mode}
	s.srv = gws.NewServer(s, &gws.ServerOption{ReadMaxPayloadSize: 1 << 20, Logger: quiet{}})
	return s
}

type quiet struct{}

func (quiet) Error(...any) {}

func (s *gwsServer) Serve(ln net.Listener) error { return s.srv.RunListener(ln) }

func (s *gwsServer) OnOpen(c *gws.Conn)           { s.conns.add(c) }
func (s *gwsServer) OnClose(c *gws.Conn, _ error) { s.conns.remove(c) }

func (s *gwsServer) OnMessage(c *gws.Conn, m *gws.Message) {
	if s.mode == Echo {
		c.WriteMessage(m.Opcode, m.Bytes())
	}
	m.Close()
}

func (s *gwsServer) Broadcast(payload []byte) {
	b := gws.NewBroadcaster(gws.OpcodeText, payload)
	for _, c := range s.conns.snapshot() {
		b.Broadcast(c, nil)
	}
	b.Close()
}

func (s *gwsServer) Conns() int { return s.conns.len() }
