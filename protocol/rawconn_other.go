//go:build !unix

package protocol

import (
	"net"
	"syscall"
)

// rawConnOf returns nil: readIdle and writeNow are for Unix sockets only;
// elsewhere fill reads through the small array and TryWritePrepared declines.
func rawConnOf(net.Conn) syscall.RawConn { return nil }

func (c *Conn) readIdle() error { panic("protocol: readIdle without a raw socket") }

func (c *Conn) rawRead(uintptr) bool { panic("protocol: rawRead without a raw socket") }

func (c *Conn) writeNow(*Prepared) (int, error) { panic("protocol: writeNow without a raw socket") }
