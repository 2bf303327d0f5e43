package libs

import (
	"bytes"
	"net"
	"net/http"
	"sync"

	"github.com/gorilla/websocket"
)

// gorilla is github.com/gorilla/websocket with its default 4 KiB buffers,
// each connection read by a goroutine of its own.
// A broadcast is one PreparedMessage written by a goroutine per
// connection; gorilla allows one writer at a time, hence the mutex.
type gorilla struct {
	mode  Mode
	up    websocket.Upgrader
	conns registry[*gorillaConn]
}

type gorillaConn struct {
	mu sync.Mutex // one writer at a time
	c  *websocket.Conn
}

func newGorilla(mode Mode) *gorilla {
	return &gorilla{mode: mode, up: websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}}
}

func (s *gorilla) Serve(ln net.Listener) error { return (&http.Server{Handler: s}).Serve(ln) }

func (s *gorilla) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := s.up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	gc := &gorillaConn{c: c}
	s.conns.add(gc)
	go s.read(gc) // and return, as gorilla's chat example does
}

func (s *gorilla) read(gc *gorillaConn) {
	c := gc.c
	defer c.Close()
	defer s.conns.remove(gc)
	var buf bytes.Buffer // reused: ReadMessage would allocate every message
	for {
		mt, rd, err := c.NextReader()
		if err != nil {
			return
		}
		buf.Reset()
		if _, err := buf.ReadFrom(rd); err != nil {
			return
		}
		if s.mode == Echo {
			gc.mu.Lock()
			err = c.WriteMessage(mt, buf.Bytes())
			gc.mu.Unlock()
			if err != nil {
				return
			}
		}
	}
}

func (s *gorilla) Broadcast(payload []byte) {
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, payload)
	if err != nil {
		panic(err)
	}
	for _, gc := range s.conns.snapshot() {
		go func() {
			gc.mu.Lock()
			gc.c.WritePreparedMessage(pm)
			gc.mu.Unlock()
		}()
	}
}

func (s *gorilla) Conns() int { return s.conns.len() }
