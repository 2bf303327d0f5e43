//go:build unix

package protocol

import (
	"io"
	"net"
	"os"
	"syscall"
)

// RawSocket returns nc with its Read and Write made as this package makes
// its own socket reads and writes (sysRead and sysWrite: raw recv and
// send on Linux, see sysio_linux.go), or nc itself when it is not a plain
// TCP or Unix socket. It is for a program's other connections that share
// a process with busy WebSockets, a message broker's say: package net's
// calls tell the scheduler they may block, which wakes the runtime's
// monitor thread when the process was idle, and it then takes the CPU
// from the writers many times in the next milliseconds. Deadlines and
// Close apply as to nc's own Read and Write.
func RawSocket(nc net.Conn) net.Conn {
	rc := rawConnOf(nc)
	if rc == nil {
		return nc
	}
	return &rawSocket{Conn: nc, rc: rc}
}

// rawSocket is RawSocket's connection. Only net.Conn's methods are
// promoted: io.ReaderFrom and io.WriterTo would go around Read and Write.
type rawSocket struct {
	net.Conn
	rc syscall.RawConn
}

func (s *rawSocket) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	var errno syscall.Errno
	err := s.rc.Read(func(fd uintptr) bool {
		n, errno = sysRead(fd, p)
		return errno != syscall.EAGAIN
	})
	switch {
	case err != nil:
		return 0, s.waitError("read", err)
	case errno != 0:
		return 0, sockError(s.Conn, "read", os.NewSyscallError("read", errno))
	case n <= 0:
		return 0, io.EOF
	}
	return n, nil
}

func (s *rawSocket) Write(p []byte) (int, error) {
	rest := p
	var werr error
	err := s.rc.Write(func(fd uintptr) bool {
		var done bool
		rest, done, werr = sendAll(fd, rest)
		return done
	})
	written := len(p) - len(rest)
	switch {
	case err != nil:
		return written, s.waitError("write", err)
	case werr != nil:
		return written, sockError(s.Conn, "write", os.NewSyscallError("write", werr))
	}
	return written, nil
}

// waitError is the poller's error (closed, past the deadline) as op's:
// it comes as a "raw-read" or "raw-write" OpError, whose cause is taken.
func (s *rawSocket) waitError(op string, err error) error {
	if oe, ok := err.(*net.OpError); ok {
		err = oe.Err
	}
	return sockError(s.Conn, op, err)
}
