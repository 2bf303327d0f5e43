package rawws

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Group reads many sockets made by Dial with a few epoll loops (one per
// reader), counts the messages they receive and timestamps the one that
// completes a round. Epoll rather than a goroutine per socket keeps the
// client's own cost per receipt low and identical for every server.
type Group struct {
	start    time.Time
	epfds    []int
	conns    []atomic.Pointer[gconn] // indexed by fd
	next     int                     // epfd for the next Add, round robin
	received atomic.Int64            // messages received by all sockets
	target   atomic.Int64            // received count that completes the round
	done     chan time.Duration      // receipt time of the message reaching target
	dropped  atomic.Int64
	firstErr atomic.Pointer[error]
	stop     atomic.Bool
	wg       sync.WaitGroup
	mu       sync.Mutex
	all      []*gconn

	// AnswerPings makes the sockets added after it is set answer every
	// ping with a pong, as a browser does; without it they never do.
	AnswerPings bool
	pongs       atomic.Int64
}

type gconn struct {
	fd  int
	p   Parser
	wmu sync.Mutex // one frame at a time: a pong and a Send may meet
}

// NewGroup starts readers epoll loops for sockets whose descriptors are
// below maxFD. Times are measured from start.
func NewGroup(readers, maxFD int, start time.Time) (*Group, error) {
	g := &Group{
		start: start,
		conns: make([]atomic.Pointer[gconn], maxFD),
		done:  make(chan time.Duration, 1),
	}
	g.target.Store(1 << 62)
	for range readers {
		epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			g.Close()
			return nil, fmt.Errorf("rawws: epoll_create1: %w", err)
		}
		g.epfds = append(g.epfds, epfd)
	}
	for _, epfd := range g.epfds {
		g.wg.Add(1)
		go g.loop(epfd)
	}
	return g, nil
}

// Add hands a socket from Dial, and the bytes Dial read past the
// handshake, to the group.
func (g *Group) Add(fd int, rest []byte) error {
	if fd >= len(g.conns) {
		return fmt.Errorf("rawws: descriptor %d over the group's limit %d", fd, len(g.conns))
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		return err
	}
	c := &gconn{fd: fd, p: NewParser()}
	if g.AnswerPings {
		c.p.OnPing = func(payload []byte) {
			if err := c.write(Frame(OpPong, payload, true)); err != nil {
				g.fail(fmt.Errorf("socket %d: pong: %w", fd, err))
				return
			}
			g.pongs.Add(1)
		}
	}
	if m := c.p.Feed(rest); m > 0 {
		g.got(m)
	}
	g.conns[fd].Store(c)
	g.mu.Lock()
	g.all = append(g.all, c)
	epfd := g.epfds[g.next%len(g.epfds)]
	g.next++
	g.mu.Unlock()
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(fd)}
	return syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, fd, &ev)
}

// Len returns the number of sockets added.
func (g *Group) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.all)
}

// Send writes frame (a whole frame, masked: see Frame) on the i-th socket
// added.
func (g *Group) Send(i int, frame []byte) error {
	g.mu.Lock()
	c := g.all[i]
	g.mu.Unlock()
	return c.write(frame)
}

// Pongs returns how many pings the sockets have answered.
func (g *Group) Pongs() int64 { return g.pongs.Load() }

// write writes all of frame on the non-blocking socket, one frame at a
// time (see WriteAll).
func (c *gconn) write(frame []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return WriteAll(c.fd, frame)
}

// Received returns the number of messages received so far.
func (g *Group) Received() int64 { return g.received.Load() }

// Dropped returns how many sockets the server closed or failed, and the
// first error.
func (g *Group) Dropped() (int64, error) {
	if p := g.firstErr.Load(); p != nil {
		return g.dropped.Load(), *p
	}
	return g.dropped.Load(), nil
}

// Arm sets the received count that completes the next round. Call it
// before triggering the round.
func (g *Group) Arm(target int64) {
	select { // forget a stale completion
	case <-g.done:
	default:
	}
	g.target.Store(target)
}

// Wait returns when the message that makes the received count reach the
// armed target arrives, with its receipt time since start.
func (g *Group) Wait(timeout time.Duration) (time.Duration, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case d := <-g.done:
		return d, nil
	case <-t.C:
		n, err := g.Dropped()
		return 0, fmt.Errorf("rawws: round not complete after %v: %d of %d messages received, %d sockets dropped (%v)",
			timeout, g.received.Load(), g.target.Load(), n, err)
	}
}

// Malformed returns the first protocol complaint of any socket's parser.
func (g *Group) Malformed() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, c := range g.all {
		if c.p.Bad != nil {
			return c.p.Bad
		}
	}
	return nil
}

func (g *Group) got(m int) {
	t := time.Since(g.start)
	total := g.received.Add(int64(m))
	if tgt := g.target.Load(); total >= tgt && total-int64(m) < tgt {
		select {
		case g.done <- t:
		default:
		}
	}
}

func (g *Group) loop(epfd int) {
	defer g.wg.Done()
	events := make([]syscall.EpollEvent, 512)
	buf := make([]byte, 64<<10)
	for !g.stop.Load() {
		n, err := syscall.EpollWait(epfd, events, 50)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			g.fail(fmt.Errorf("rawws: epoll_wait: %w", err))
			return
		}
		for _, ev := range events[:n] {
			c := g.conns[ev.Fd].Load()
			if c == nil {
				continue
			}
			for {
				r, err := syscall.Read(c.fd, buf)
				if err == syscall.EINTR {
					continue
				}
				if err == syscall.EAGAIN {
					break
				}
				if err != nil || r == 0 {
					if err == nil {
						err = errors.New("closed by the server")
					}
					g.drop(epfd, c, err)
					break
				}
				if m := c.p.Feed(buf[:r]); m > 0 {
					g.got(m)
				}
				if r < len(buf) {
					break
				}
			}
		}
	}
}

func (g *Group) fail(err error) {
	g.firstErr.CompareAndSwap(nil, &err)
}

func (g *Group) drop(epfd int, c *gconn, err error) {
	syscall.EpollCtl(epfd, syscall.EPOLL_CTL_DEL, c.fd, nil)
	g.conns[c.fd].Store(nil)
	g.dropped.Add(1)
	g.fail(fmt.Errorf("socket %d: %w", c.fd, err))
}

// Close stops the readers and closes every socket.
func (g *Group) Close() {
	g.stop.Store(true)
	g.wg.Wait()
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, c := range g.all {
		syscall.Close(c.fd)
	}
	for _, epfd := range g.epfds {
		syscall.Close(epfd)
	}
}
