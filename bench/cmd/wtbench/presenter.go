package main

import (
	"fmt"
	"net/netip"
	"syscall"
	"time"
	"wiretalk/bench/internal/rawws"
)

// presenter is a raw socket on /ws/presenter that moves the talk.
type presenter struct {
	fd     int
	frames [2][]byte
	i      int
	done   chan struct{}
}

func newPresenter(addr netip.AddrPort, key string) (*presenter, error) {
	fd, _, err := rawws.Dial(addr, "/ws/presenter?key="+key, 10*time.Second)
	if err != nil {
		return nil, fmt.Errorf("presenter socket: %w", err)
	}
	p := &presenter{fd: fd, done: make(chan struct{})}
	for i := range p.frames {
		p.frames[i] = rawws.Frame(rawws.OpText, fmt.Appendf(nil, `{"type":"goto","index":%d}`, 1-i), true)
	}
	go func() { // read and drop what the presenter page would show
		defer close(p.done)
		buf := make([]byte, 4096)
		for {
			n, err := syscall.Read(fd, buf)
			if err == syscall.EAGAIN || err == syscall.EINTR {
				continue // the receive timeout
			}
			if n <= 0 || err != nil {
				return
			}
		}
	}()
	return p, nil
}

// next sends the key press: go to the other of the first two slides.
func (p *presenter) next() error {
	err := rawws.WriteAll(p.fd, p.frames[p.i])
	p.i = 1 - p.i
	return err
}

func (p *presenter) close() {
	syscall.Shutdown(p.fd, syscall.SHUT_RDWR)
	<-p.done
	syscall.Close(p.fd)
}
