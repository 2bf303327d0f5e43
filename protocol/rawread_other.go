//go:build !unix

package protocol

import (
	"net"
	"syscall"
)

// rawConnOf returns nil: readIdle is for Unix sockets only, and fill reads
// through the small array elsewhere.
func rawConnOf(net.Conn) syscall.RawConn { return nil }

func (c *Conn) readIdle() error { panic("protocol: readIdle without a raw socket") }

func (c *Conn) rawRead(uintptr) bool { panic("protocol: rawRead without a raw socket") }
