package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"wiretalk/internal/nginxtest"
	"wiretalk/internal/testcert"
	"wiretalk/protocol"
)

// proxyServer is docs/deploy.md's nginx server block with the test's
// ports: TLS offloaded with the test's certificate, everything (the
// WebSocket upgrade too) passed to upstream, and extra directives in its
// location.
func proxyServer(front, upstream, extra string) string {
	return `
	server {
		listen ` + front + ` ssl;
		ssl_certificate     {{dir}}/cert.pem;
		ssl_certificate_key {{dir}}/key.pem;
		location / {
			proxy_pass http://` + upstream + `;
			proxy_http_version 1.1;
			proxy_set_header Upgrade $http_upgrade;
			proxy_set_header Connection $connection_upgrade;` + extra + `
		}
	}
`
}

// freePort returns a loopback address with a port nobody listens on now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startNginx runs nginx in front of upstream, terminating TLS with cert,
// on two servers: front passes the browser's Host on ($http_host), as
// docs/deploy.md says; front2 leaves nginx's default (the upstream's
// address), as a proxy set up without that line would, so that wiretalk
// needs -allow-origin for it.
func startNginx(t *testing.T, upstream string, cert tls.Certificate, front, front2 string) {
	t.Helper()
	n := nginxtest.Find(t)
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	n.Start(t, nginxtest.Config{
		HTTP: proxyServer(front, upstream, `
			proxy_set_header Host $http_host;
			proxy_set_header X-Forwarded-Proto $scheme;
			# The test's heartbeat is 300 ms: 1 s of silence would end
			# a socket, so pings must be what keeps it open.
			proxy_read_timeout 1s;
			proxy_send_timeout 1s;`) +
			proxyServer(front2, upstream, ""),
		Files: map[string][]byte{
			"cert.pem": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}),
			"key.pem":  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}),
		},
		Listen: []string{front, front2},
	})
}

// TestBehindNginx puts a real nginx (Debian's, as docs/deploy.md sets it
// up: TLS offloaded, the WebSocket upgrade proxied) in front of wiretalk.
// Through it the audience page loads, an audience socket follows the
// presenter's, the heartbeat keeps an idle socket open past nginx's
// proxy_read_timeout, the presenter's cookie is Secure, cross-site
// sockets are still refused, and a proxy that does not pass the Host on
// works with -allow-origin.
func TestBehindNginx(t *testing.T) {
	cert, pool := testcert.New(t)
	front, front2 := freePort(t), freePort(t)
	ts := newRealServer(t, testDeck, nil, func(c *Config) {
		c.PingInterval = 300 * time.Millisecond
		c.AllowOrigins = []string{"https://" + front2}
	})
	startNginx(t, ts.addr(), cert, front, front2)
	tlsConfig := &tls.Config{RootCAs: pool}
	client := &http.Client{
		Transport:     &http.Transport{TLSClientConfig: tlsConfig},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(client.CloseIdleConnections)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	get := func(url string) (*http.Response, string) {
		t.Helper()
		resp, err := client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, page := get("https://" + front + "/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "<html") || resp.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("the audience page through nginx: %s, CSP %q\n%.200s", resp.Status, resp.Header.Get("Content-Security-Policy"), page)
	}
	if resp, deck := get("https://" + front + "/api/deck"); resp.StatusCode != http.StatusOK || !strings.Contains(deck, "Hello, wire") {
		t.Fatalf("the deck through nginx: %s", resp.Status)
	}
	resp, _ = get("https://" + front + "/presenter?key=" + testKey)
	if c := resp.Header.Get("Set-Cookie"); resp.StatusCode != http.StatusSeeOther || !strings.Contains(c, "; Secure") {
		t.Errorf("the presenter's key through nginx: %s, Set-Cookie %q: want 303 and a Secure cookie", resp.Status, c)
	}

	dial := func(front, path, origin string, h http.Header) (*protocol.Conn, int) {
		t.Helper()
		h.Set("Origin", origin)
		c, resp, err := protocol.Dial(ctx, "wss://"+front+path, &protocol.DialOptions{Header: h, TLSConfig: tlsConfig})
		if err != nil {
			if resp != nil {
				return nil, resp.StatusCode
			}
			t.Fatalf("wss %s%s: %v", front, path, err)
		}
		t.Cleanup(func() { c.CloseNow() })
		return c, http.StatusSwitchingProtocols
	}
	// read keeps reading c in the background (answering pings) and
	// passes on the states.
	read := func(c *protocol.Conn) <-chan int {
		states := make(chan int, 100)
		go func() {
			for {
				_, b, err := c.Read(context.Background())
				if err != nil {
					close(states)
					return
				}
				var m message
				if json.Unmarshal(b, &m) == nil && m.Type == "state" {
					states <- m.Index
				}
			}
		}()
		return states
	}
	follows := func(what string, states <-chan int, step int) {
		t.Helper()
		for {
			select {
			case got, ok := <-states:
				if !ok {
					t.Fatalf("%s: the socket closed", what)
				}
				if got == step {
					return
				}
			case <-time.After(patience):
				t.Fatalf("%s: not on step %d within %v", what, step, patience)
			}
		}
	}

	origin := "https://" + front
	p, _ := dial(front, "/ws/presenter", origin, ts.presenterHeader())
	go read(p)
	a, _ := dial(front, "/ws", origin, http.Header{})
	states := read(a)
	follows("through nginx", states, 0)
	goTo := func(step int) {
		if err := p.Write(ctx, protocol.OpText, fmt.Appendf(nil, `{"type":"goto","index":%d}`, step)); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []int{2, 1, 3} {
		goTo(step)
		follows("through nginx", states, step)
	}
	eventually(t, "one page in the audience", func() bool { return ts.AudienceCount() == 1 })

	// Idle for longer than proxy_read_timeout: the pings keep it open.
	time.Sleep(1500 * time.Millisecond)
	goTo(2)
	follows("after 1.5 s idle behind a 1 s proxy_read_timeout", states, 2)

	if _, status := dial(front, "/ws", "https://evil.example", http.Header{}); status != http.StatusForbidden {
		t.Errorf("a cross-site socket through nginx: %d, want 403", status)
	}

	// The second server does not pass the Host on: the page's origin is
	// then not the Host wiretalk sees, and only -allow-origin lets it in.
	a2, status := dial(front2, "/ws", "https://"+front2, http.Header{})
	if status != http.StatusSwitchingProtocols {
		t.Fatalf("through a proxy that rewrites Host, with -allow-origin: %d", status)
	}
	states2 := read(a2)
	goTo(1)
	follows("through the second server", states2, 1)
	if _, status := dial(front2, "/ws", "https://"+front, http.Header{}); status != http.StatusForbidden {
		t.Errorf("an origin not allowed, through a proxy that rewrites Host: %d, want 403", status)
	}
	t.Logf("through nginx (TLS offloaded): the page loaded and sockets followed 5 moves; one stayed open 1.5 s idle behind a 1 s proxy_read_timeout")
}
