//go:build linux && !race

package protocol

import (
	"syscall"
	"unsafe"
)

// sysRead and sysWrite are recv(2) and send(2) on a socket of package
// net, which is always non-blocking: a call returns EAGAIN instead of
// waiting, and the waiting is left to the poller (syscall.RawConn). So
// they are made with RawSyscall, which does not tell the scheduler that
// the goroutine may block.
//
// syscall.Read and syscall.Write do tell it. That bookkeeping is cheap,
// but what follows from it is not: on a busy connection a write that
// wakes the peer is often descheduled mid-call, and the runtime's monitor
// thread, finding a P "in a system call" for that long, wakes as often as
// every 20 µs and takes the P away, which the call must then win back on
// its return. Measured on this project's echo
// benchmark (docs/BENCHMARKS.md: server and client on one CPU), raw calls
// for both directions took the server's nanosleeps from 5,200 to 8 and
// its futex calls from 2,200 to 8 in two seconds, and it parked on an
// empty socket after 30 % of round trips instead of 82 %.
//
// They are the socket calls, not read(2) and write(2), which reach the
// same TCP code through the file layer first (the permission hook,
// fsnotify, one more indirect call). On this project's machine a 200-byte
// send cost 5 % less than the same write, and a recv 8 % less than the
// read, in alternating batches over 2,000 loopback sockets; a broadcast
// round measured 4 % faster in eight paired A/B duels. send's
// MSG_NOSIGNAL also keeps a write on a socket that can no longer send
// from raising SIGPIPE, which a program that asked for that signal would
// take for a broken pipe of its own (TestFrameWritesRaiseNoSIGPIPE).
//
// They serve a read into the read buffer and every write, each of at most
// bigWriteBufSize bytes. A large payload read straight into the caller's
// buffer stays on package net's path: made raw, together with the large
// writes of the time (writev, since replaced by a copy: write.go), it put
// echo at 64 KiB at 0.96x gobwas against 1.01x.
//
// Race builds use syscall.Read and syscall.Write instead
// (sysio_portable.go): they tell the race detector that the kernel wrote
// the buffer and that a write to any socket happens before a read from
// another, and raw calls would hide both.

// Both retry a call that a signal interrupted (EINTR), as package net
// does, so that no caller has to.

func sysRead(fd uintptr, p []byte) (int, syscall.Errno) {
	for {
		r, _, errno := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)), 0, 0, 0)
		if errno != syscall.EINTR {
			return int(r), errno
		}
	}
}

func sysWrite(fd uintptr, p []byte) (int, syscall.Errno) {
	for {
		r, _, errno := syscall.RawSyscall6(syscall.SYS_SENDTO, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)), syscall.MSG_NOSIGNAL, 0, 0)
		if errno != syscall.EINTR {
			return int(r), errno
		}
	}
}
