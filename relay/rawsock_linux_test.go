//go:build linux && !race

package relay

import "testing"

// TestBrokerConnIsRaw: on Linux the broker connection is a rawSock, so
// that its reads and writes do not wake the runtime's monitor thread.
func TestBrokerConnIsRaw(t *testing.T) {
	c, _ := brokerConnPair(t)
	if _, ok := c.(*rawSock); !ok {
		t.Errorf("the broker connection is a %T, not a *rawSock", c)
	}
}
