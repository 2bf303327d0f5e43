//go:build unix && !(linux && !race)

package protocol

import "syscall"

// sysRead and sysWrite go through package syscall where raw calls are not
// used: on Unix systems other than Linux, and in race builds (see
// sysio_linux.go). Both retry a call that a signal interrupted (EINTR).

func sysRead(fd uintptr, p []byte) (int, syscall.Errno) {
	for {
		n, err := syscall.Read(int(fd), p)
		if err != syscall.EINTR {
			return n, errnoOf(err)
		}
	}
}

func sysWrite(fd uintptr, p []byte) (int, syscall.Errno) {
	for {
		n, err := syscall.Write(int(fd), p)
		if err != syscall.EINTR {
			return n, errnoOf(err)
		}
	}
}

// errnoOf returns err as an Errno: 0 for nil, EIO for an error that is
// not an Errno (package syscall returns none such from read and write).
func errnoOf(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	if errno, ok := err.(syscall.Errno); ok {
		return errno
	}
	return syscall.EIO
}
