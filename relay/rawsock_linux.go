//go:build linux && !race

package relay

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// rawSocket returns c, the broker connection, with its reads and writes
// made as recv(2) and send(2) through RawSyscall (as protocol's sockets
// are: protocol/sysio_linux.go), or c itself if it is not a TCP socket.
//
// Each read or write through package net tells the scheduler it may
// block. When the runtime's monitor thread is asleep (the process was
// idle: an edge between two key presses), that wakes it, and it then
// polls every 20 µs for a millisecond and at a slowly growing interval
// after that, so it runs about 60 times during a fan-out of 1,000
// sockets. An edge given one CPU (BenchmarkRelayProcesses pins it to one)
// is interrupted for each. Measured there with 1,000 sockets per server
// (docs/BENCHMARKS.md, the relay): the edge's monitor thread switched
// 4,883 times in 20 s (the one server's: 103), and the first edge reached
// its last phone 4.1 ms after the one server on the same CPU. With these
// raw calls: 375 switches in 20 s (the one server's: 201), and 0.8 ms.
func rawSocket(c net.Conn) net.Conn {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return c
	}
	return &rawSock{Conn: c, rc: rc}
}

// rawSock is a TCP connection whose Read and Write are raw system calls
// on its non-blocking socket, waiting for the poller on EAGAIN. Only
// net.Conn's methods are promoted: io.ReaderFrom and io.WriterTo would
// go around them.
type rawSock struct {
	net.Conn
	rc syscall.RawConn
}

func (s *rawSock) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	var errno syscall.Errno
	err := s.rc.Read(func(fd uintptr) bool {
		n, errno = sockCall(syscall.SYS_RECVFROM, fd, p, 0)
		return errno != syscall.EAGAIN
	})
	switch {
	case err != nil:
		return 0, s.opError("read", err)
	case errno != 0:
		return 0, s.opError("read", os.NewSyscallError("recvfrom", errno))
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

func (s *rawSock) Write(p []byte) (int, error) {
	written := 0
	var errno syscall.Errno
	err := s.rc.Write(func(fd uintptr) bool {
		for written < len(p) {
			n, e := sockCall(syscall.SYS_SENDTO, fd, p[written:], syscall.MSG_NOSIGNAL)
			if e == syscall.EAGAIN {
				return false
			}
			if e != 0 {
				errno = e
				return true
			}
			written += n
		}
		return true
	})
	switch {
	case err != nil:
		return written, s.opError("write", err)
	case errno != 0:
		return written, s.opError("write", os.NewSyscallError("sendto", errno))
	}
	return written, nil
}

// opError is err as package net reports a failed read or write. An error
// of the poller's wait (closed, past the deadline) comes as a "raw-read"
// or "raw-write" OpError: its cause is taken out of it.
func (s *rawSock) opError(op string, err error) error {
	if oe, ok := err.(*net.OpError); ok {
		err = oe.Err
	}
	return &net.OpError{Op: op, Net: "tcp", Source: s.LocalAddr(), Addr: s.RemoteAddr(), Err: err}
}

// sockCall is recvfrom or sendto (trap) on fd with p and flags and no
// address, retried when a signal interrupts it.
func sockCall(trap, fd uintptr, p []byte, flags uintptr) (int, syscall.Errno) {
	for {
		r, _, errno := syscall.RawSyscall6(trap, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)), flags, 0, 0)
		if errno == 0 {
			return int(r), 0
		}
		if errno != syscall.EINTR {
			return 0, errno
		}
	}
}
