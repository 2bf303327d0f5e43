package libs

import (
	"fmt"
	"net"
	"sync"
	"syscall"
)

// poller holds connections without a goroutine each: one epoll instance
// and one goroutine that calls a connection's handler when it becomes
// readable. This is the readiness model that gobwas/ws is used with to hold
// many connections leanly (its authors' netpoll package does the same);
// the raw floor uses it too.
type poller struct {
	epfd  int
	mu    sync.Mutex
	conns map[int32]*polled
}

type polled struct {
	nc net.Conn
	fd int
	// readable handles one readiness event; false means the connection
	// is finished and was closed.
	readable func() bool
}

func newPoller() (*poller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	p := &poller{epfd: epfd, conns: make(map[int32]*polled)}
	go p.loop()
	return p, nil
}

// fdOf returns the descriptor behind a TCP connection. The connection
// keeps it; Go's own poller still drives reads and writes through nc.
func fdOf(nc net.Conn) (int, error) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return -1, fmt.Errorf("%T has no descriptor", nc)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	if err := rc.Control(func(f uintptr) { fd = int(f) }); err != nil {
		return -1, err
	}
	return fd, nil
}

const pollEvents = syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT

// add starts watching nc; readable is called from the poller's goroutine.
func (p *poller) add(nc net.Conn, readable func() bool) error {
	fd, err := fdOf(nc)
	if err != nil {
		return err
	}
	pc := &polled{nc: nc, fd: fd, readable: readable}
	p.mu.Lock()
	p.conns[int32(fd)] = pc
	p.mu.Unlock()
	ev := syscall.EpollEvent{Events: pollEvents, Fd: int32(fd)}
	return syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, fd, &ev)
}

func (p *poller) loop() {
	events := make([]syscall.EpollEvent, 256)
	for {
		n, err := syscall.EpollWait(p.epfd, events, -1)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			panic(fmt.Sprintf("epoll_wait: %v", err))
		}
		for _, ev := range events[:n] {
			p.mu.Lock()
			pc := p.conns[ev.Fd]
			p.mu.Unlock()
			if pc == nil {
				continue
			}
			if pc.readable() {
				rearm := syscall.EpollEvent{Events: pollEvents, Fd: ev.Fd}
				if syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_MOD, pc.fd, &rearm) == nil {
					continue
				}
			}
			p.mu.Lock()
			delete(p.conns, ev.Fd)
			p.mu.Unlock()
			pc.nc.Close() // also drops it from the epoll set
		}
	}
}
