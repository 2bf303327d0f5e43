//go:build !unix

package protocol

import (
	"net"
	"syscall"
)

// rawConnOf returns nil: readIdle, writeNow and writeAll are for Unix
// sockets only; elsewhere reads fill through the small array, writes go
// through nc, and TryWritePrepared declines.
func rawConnOf(net.Conn) syscall.RawConn { return nil }

func (c *Conn) readIdle() error { panic("protocol: readIdle without a raw socket") }

func (c *Conn) rawRead(uintptr) bool { panic("protocol: rawRead without a raw socket") }

func (c *Conn) writeNow(*Prepared) (int, error) { panic("protocol: writeNow without a raw socket") }

func (c *Conn) writeAll([]byte) error { panic("protocol: writeAll without a raw socket") }

// RawSocket returns nc: raw socket calls are made on Unix systems only.
func RawSocket(nc net.Conn) net.Conn { return nc }
