package server

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"wiretalk/protocol"
)

// TestLiveSocketsDeflate: the live sockets accept permessage-deflate only
// with Config.Deflate, and then compress each message on its own.
func TestLiveSocketsDeflate(t *testing.T) {
	for _, on := range []bool{false, true} {
		ts := newTestServer(t, testDeck, func(c *Config) { c.Deflate = on })
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		c, _, err := protocol.Dial(ctx, ts.wsURL("/ws"), &protocol.DialOptions{
			Header:  http.Header{"Origin": {ts.http.URL}},
			Deflate: &protocol.DeflateOptions{},
		})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		p, ok := c.Negotiated()
		if ok != on {
			t.Fatalf("Deflate %v: negotiated %v", on, ok)
		}
		if on && !strings.Contains(p.String(), "server_no_context_takeover") {
			t.Errorf("answer %q: the hub must compress each message on its own", p)
		}
		next(t, c, "hello")
		next(t, c, "state")
		c.CloseNow()
	}
}
