package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"wiretalk/internal/testcert"
	"wiretalk/protocol"
)

// TestTLSServesHTTPSAndWSS serves a deck over TLS as "wiretalk serve
// -tls-cert -tls-key" does (a TLS listener under Server.HTTPServer): the
// audience page loads over https, an audience socket over wss follows the
// presenter's wss socket, the presenter's cookie is Secure, plain HTTP
// on the TLS port is refused, and a connection that never starts its TLS
// handshake is closed at the handshake timeout.
func TestTLSServesHTTPSAndWSS(t *testing.T) {
	cert, pool := testcert.New(t)
	ts := newTestServer(t, testDeck, func(c *Config) { c.HandshakeTimeout = 500 * time.Millisecond })
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := ts.HTTPServer(ln.Addr().String(), cfg)
	go hs.Serve(tls.NewListener(ln, cfg))
	t.Cleanup(func() { hs.Close() })
	addr := ln.Addr().String()
	base := "https://" + addr
	client := &http.Client{
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(client.CloseIdleConnections)

	resp, err := client.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil || resp.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("audience page over https: %s, TLS %v", resp.Status, resp.TLS != nil)
	}
	resp, err = client.Get(base + "/presenter?key=" + testKey)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookie := resp.Header.Get("Set-Cookie")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(cookie, "; Secure") {
		t.Errorf("presenter key over https: %s, Set-Cookie %q: want 303 and a Secure cookie", resp.Status, cookie)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dial := func(path string, h http.Header) *protocol.Conn {
		t.Helper()
		h.Set("Origin", base)
		c, _, err := protocol.Dial(ctx, "wss://"+addr+path, &protocol.DialOptions{Header: h, TLSConfig: &tls.Config{RootCAs: pool}})
		if err != nil {
			t.Fatalf("wss %s: %v", path, err)
		}
		t.Cleanup(func() { c.CloseNow() })
		return c
	}
	a := dial("/ws", http.Header{})
	p := dial("/ws/presenter", ts.presenterHeader())
	next(t, a, "state")
	next(t, p, "state")
	for _, step := range []int{2, 1, 3} {
		p.Write(ctx, protocol.OpText, fmt.Appendf(nil, `{"type":"goto","index":%d}`, step))
		if m := next(t, a, "state"); m.Index != step {
			t.Fatalf("over wss the page is on %d, want %d", m.Index, step)
		}
	}

	// A client that does not trust the certificate gets nowhere.
	if _, _, err := protocol.Dial(ctx, "wss://"+addr+"/ws", nil); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("wss without trusting the certificate: %v", err)
	}

	// Plain HTTP on the TLS port.
	status, _ := rawRequest(t, addr, handshake(addr, "/ws"))
	if status != http.StatusBadRequest {
		t.Errorf("plain HTTP on the TLS port: %d, want 400", status)
	}

	// A TCP connection that never says hello is closed at the timeout: not
	// before (the clock starts before the dial, so the server's cannot
	// start sooner), and within 9 s, a generous bound for a loaded machine
	// that still fails a server ignoring Config.HandshakeTimeout (10 s by
	// default).
	start := time.Now()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetReadDeadline(start.Add(patience))
	_, err = io.Copy(io.Discard, nc)
	if waited := time.Since(start); err != nil || waited < 500*time.Millisecond || waited > 9*time.Second {
		t.Errorf("a silent TLS connection: closed after %v (%v), want about 500ms", waited, err)
	} else {
		t.Logf("a connection that never started TLS was closed after %v (handshake timeout 500ms)", waited.Round(time.Millisecond))
	}
}
