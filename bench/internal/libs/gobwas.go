package libs

import (
	"bufio"
	"io"
	"net"

	"github.com/gobwas/ws"
)

// gobwas is github.com/gobwas/ws used the lean way its README shows: its
// own listener and zero-copy ws.Upgrade, no goroutine per idle connection
// (epoll readiness instead), and a broadcast as one frame compiled once
// (ws.CompileFrame) written by one goroutine per P over its share of the
// connections. Echo uses a goroutine per connection with the low-level
// header API and reused buffers.
type gobwas struct {
	mode  Mode
	poll  *poller
	conns registry[net.Conn]
}

func newGobwas(mode Mode) (*gobwas, error) {
	s := &gobwas{mode: mode}
	if mode != Echo {
		p, err := newPoller()
		if err != nil {
			return nil, err
		}
		s.poll = p
	}
	return s, nil
}

func (s *gobwas) Serve(ln net.Listener) error { return acceptEach(ln, s.handle) }

func (s *gobwas) handle(nc net.Conn) {
	if _, err := ws.Upgrade(nc); err != nil {
		nc.Close()
		return
	}
	s.conns.add(nc)
	if s.mode == Echo {
		s.echo(nc)
		s.conns.remove(nc)
		nc.Close()
		return
	}
	if err := s.poll.add(nc, func() bool { return s.readable(nc) }); err != nil {
		s.conns.remove(nc)
		nc.Close()
	}
}

// readable reads one frame from a connection the poller found readable.
func (s *gobwas) readable(nc net.Conn) bool {
	h, err := ws.ReadHeader(nc)
	if err == nil {
		_, err = io.CopyN(io.Discard, nc, h.Length)
	}
	if err != nil || h.OpCode == ws.OpClose {
		if err == nil {
			ws.WriteFrame(nc, ws.NewCloseFrame(nil))
		}
		s.conns.remove(nc)
		return false
	}
	return true
}

func (s *gobwas) echo(nc net.Conn) {
	br := bufio.NewReaderSize(nc, 4096)
	bw := bufio.NewWriterSize(nc, 4096)
	var payload []byte
	hbuf := make([]byte, ws.MaxHeaderSize) // the *Buffer calls: ReadHeader and WriteHeader allocate
	for {
		h, err := ws.ReadHeaderBuffer(br, hbuf)
		if err != nil {
			return
		}
		if int64(cap(payload)) < h.Length {
			payload = make([]byte, h.Length)
		}
		p := payload[:h.Length]
		if _, err := io.ReadFull(br, p); err != nil {
			return
		}
		if h.Masked {
			ws.Cipher(p, h.Mask, 0)
			h.Masked = false
		}
		if h.OpCode.IsControl() {
			if h.OpCode == ws.OpClose {
				return
			}
			continue
		}
		if err := ws.WriteHeaderBuffer(bw, h, hbuf); err != nil {
			return
		}
		bw.Write(p)
		if err := bw.Flush(); err != nil {
			return
		}
	}
}

func (s *gobwas) Broadcast(payload []byte) {
	frame := ws.MustCompileFrame(ws.NewTextFrame(payload))
	perP(s.conns.snapshot(), func(list []net.Conn) {
		for _, nc := range list {
			nc.Write(frame)
		}
	})
}

func (s *gobwas) Conns() int { return s.conns.len() }
