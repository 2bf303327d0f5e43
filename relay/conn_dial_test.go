package relay

import (
	"net"
	"testing"
	"time"
)

// TestBrokerDialerMakesARawSocket: the broker connection is
// protocol.RawSocket's, not package net's own (protocol's
// TestRawSocketIsAConn tests what it does).
func TestBrokerDialerMakesARawSocket(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := brokerDialer{net.Dialer{Timeout: 5 * time.Second}}.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, plain := c.(*net.TCPConn); plain {
		t.Error("the broker connection is package net's *net.TCPConn, not a protocol.RawSocket")
	}
}
