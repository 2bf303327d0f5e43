//go:build unix

package protocol

import (
	"io"
	"net"
	"os"
	"syscall"
)

// rawConnOf returns the socket's syscall.RawConn when nc is a plain TCP
// or Unix socket, for readIdle, writeNow and writeAll; nil otherwise
// (TLS, pipes).
func rawConnOf(nc net.Conn) syscall.RawConn {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	switch nc.(type) {
	case *net.TCPConn, *net.UnixConn:
	default:
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// readIdle fills the empty read buffer with one read (sysRead): into the pooled
// buffer held, or a fresh one, so that a frame of up to readBufSize bytes
// takes one read where reading into the small array first took two. The
// runtime calls rawStep at once and again each time the poller says the
// socket is readable; a try that would block gives the buffer back first,
// so a connection waiting for data holds none, and one whose data keeps
// arriving keeps its buffer from message to message. Deadlines (and so
// contexts) apply as to nc.Read.
func (c *Conn) readIdle() error {
	c.rawN, c.rawErr = 0, nil
	if err := c.raw.Read(c.rawStep); err != nil {
		c.releaseReadBuf() // empty: the step may not have run at all
		return err
	}
	switch {
	case c.rawErr != nil:
		return c.opError("read", c.rawErr)
	case c.rawN == 0:
		return io.EOF
	}
	return nil
}

// rawRead is readIdle's step, kept as the method value c.rawStep so that
// waiting allocates nothing. It reports whether the read is done.
func (c *Conn) rawRead(fd uintptr) bool {
	p := c.rpooled
	if p == nil {
		p = readBufPool.Get().(*[readBufSize]byte)
	}
	n, errno := sysRead(fd, p[:])
	if errno != 0 || n <= 0 {
		c.rpooled, c.rbuf = nil, c.small[:]
		readBufPool.Put(p)
		if errno == syscall.EAGAIN {
			return false // wait for the poller, holding no buffer
		}
		if errno != 0 {
			c.rawErr = errno
		}
		return true
	}
	c.rpooled, c.rbuf = p, p[:]
	c.rpos, c.rend = 0, n
	c.rfull = n == readBufSize
	c.rawN = n
	return true
}

// writeNow writes m's frame with one non-blocking sysWrite and returns
// how much of it the socket took: 0 and a nil error when its buffer is
// full. The caller holds wlock.
func (c *Conn) writeNow(m *Prepared) (int, error) {
	if c.wnowStep == nil {
		c.wnowStep = c.rawWrite // made once, so that writing allocates nothing
	}
	c.wnow, c.wnowRes = m, 0
	err := c.raw.Write(c.wnowStep)
	res := c.wnowRes
	c.wnow = nil
	switch {
	case err != nil: // closed, or a deadline in the past
		return 0, err
	case res >= 0:
		return res, nil
	case syscall.Errno(-res) == syscall.EAGAIN:
		return 0, nil
	}
	return 0, c.opError("write", syscall.Errno(-res))
}

// opError wraps a failed sysRead or sysWrite as nc.Read and nc.Write
// would have reported it.
func (c *Conn) opError(op string, err error) error {
	return sockError(c.nc, op, os.NewSyscallError(op, err))
}

// sockError is err, from an op ("read" or "write") on nc, as an OpError
// of package net.
func sockError(nc net.Conn, op string, err error) error {
	return &net.OpError{Op: op, Net: nc.LocalAddr().Network(), Source: nc.LocalAddr(), Addr: nc.RemoteAddr(), Err: err}
}

// rawWrite is writeNow's step: one try, never a wait.
func (c *Conn) rawWrite(fd uintptr) bool {
	n, errno := sysWrite(fd, c.wnow.frame)
	if errno != 0 {
		c.wnowRes = -int(errno)
	} else {
		c.wnowRes = max(n, 0)
	}
	return true
}

// writeAll writes all of p with sysWrite calls, waiting for the poller
// while the socket's buffer is full. Deadlines (and so contexts) apply as
// to nc.Write. The caller holds wlock.
func (c *Conn) writeAll(p []byte) error {
	if c.wallStep == nil {
		c.wallStep = c.rawWriteAll // made once, so that writing allocates nothing
	}
	c.wall, c.wallErr = p, nil
	err := c.raw.Write(c.wallStep)
	werr := c.wallErr
	c.wall, c.wallErr = nil, nil // do not keep the caller's bytes
	if err != nil {
		return err // closed, or the deadline passed while waiting
	}
	return werr
}

// rawWriteAll is writeAll's step. It reports whether the write is done:
// all written or failed; false asks the poller to wait until the socket
// can take more.
func (c *Conn) rawWriteAll(fd uintptr) bool {
	var done bool
	var err error
	c.wall, done, err = sendAll(fd, c.wall)
	if err != nil {
		c.wallErr = c.opError("write", err)
	}
	return done
}

// sendAll writes p to the socket fd with sysWrite calls until all of it
// is written (done), a call fails (done, with the errno or
// io.ErrUnexpectedEOF), or the socket's buffer is full (not done: rest is
// what it has not taken yet).
func sendAll(fd uintptr, p []byte) (rest []byte, done bool, err error) {
	for len(p) > 0 {
		n, errno := sysWrite(fd, p)
		switch {
		case errno == syscall.EAGAIN:
			return p, false, nil
		case errno != 0:
			return p, true, errno
		case n <= 0: // a socket's send never takes nothing from a non-empty buffer
			return p, true, io.ErrUnexpectedEOF
		}
		p = p[n:]
	}
	return p, true, nil
}
