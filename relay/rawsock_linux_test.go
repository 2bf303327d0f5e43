//go:build linux && !race

package relay

import (
	"net"
	"testing"
	"time"
)

// TestBrokerConnIsRaw: on Linux the broker connection is a rawSock, so
// that its reads and writes do not wake the runtime's monitor thread.
func TestBrokerConnIsRaw(t *testing.T) {
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
	if _, ok := c.(*rawSock); !ok {
		t.Errorf("the broker connection is a %T, not a *rawSock", c)
	}
}
