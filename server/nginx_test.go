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
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wiretalk/internal/testcert"
	"wiretalk/protocol"
)

// nginxConf is the test's nginx configuration: docs/deploy.md's server
// block, with paths and ports of the test. Two servers: the first passes
// the browser's Host on ($http_host), as docs/deploy.md says; the second
// leaves nginx's default (the upstream's address), as a proxy set up
// without that line would, so that wiretalk needs -allow-origin for it.
const nginxConf = `
master_process off;
daemon off;
worker_processes 1;
pid {{dir}}/nginx.pid;
error_log stderr notice;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path {{dir}}/body;
	proxy_temp_path {{dir}}/proxy;
	fastcgi_temp_path {{dir}}/fastcgi;
	uwsgi_temp_path {{dir}}/uwsgi;
	scgi_temp_path {{dir}}/scgi;

	map $http_upgrade $connection_upgrade {
		default upgrade;
		''      close;
	}

	server {
		listen 127.0.0.1:{{port}} ssl;
		ssl_certificate     {{dir}}/cert.pem;
		ssl_certificate_key {{dir}}/key.pem;
		location / {
			proxy_pass http://{{upstream}};
			proxy_http_version 1.1;
			proxy_set_header Upgrade $http_upgrade;
			proxy_set_header Connection $connection_upgrade;
			proxy_set_header Host $http_host;
			proxy_set_header X-Forwarded-Proto $scheme;
			# The test's heartbeat is 300 ms: 1 s of silence would end
			# a socket, so pings must be what keeps it open.
			proxy_read_timeout 1s;
			proxy_send_timeout 1s;
		}
	}

	server {
		listen 127.0.0.1:{{port2}} ssl;
		ssl_certificate     {{dir}}/cert.pem;
		ssl_certificate_key {{dir}}/key.pem;
		location / {
			proxy_pass http://{{upstream}};
			proxy_http_version 1.1;
			proxy_set_header Upgrade $http_upgrade;
			proxy_set_header Connection $connection_upgrade;
		}
	}
}
`

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

// startNginx runs nginx in front of upstream with nginxConf, terminating
// TLS with cert, and returns the addresses of its two servers.
func startNginx(t *testing.T, upstream string, cert tls.Certificate, front, front2 string) {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		bin = "/usr/sbin/nginx"
		if _, err := os.Stat(bin); err != nil {
			msg := "nginx is not installed (Debian: apt-get install nginx; .ci/run installs it)"
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	dir := t.TempDir()
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o644)
	os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}), 0o600)
	_, port, _ := net.SplitHostPort(front)
	_, port2, _ := net.SplitHostPort(front2)
	conf := strings.NewReplacer("{{dir}}", dir, "{{port}}", port, "{{port2}}", port2, "{{upstream}}", upstream).Replace(nginxConf)
	confFile := filepath.Join(dir, "nginx.conf")
	os.WriteFile(confFile, []byte(conf), 0o644)

	var stderr strings.Builder
	cmd := exec.Command(bin, "-p", dir, "-c", confFile, "-e", "stderr")
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("nginx's log:\n%s", stderr.String())
		}
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("nginx exited: %v\n%s", err, stderr.String())
		default:
		}
		if c, err := net.Dial("tcp", front2); err == nil {
			c.Close()
			if c, err = net.Dial("tcp", front); err == nil {
				c.Close()
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not listen within 10 s\n%s", stderr.String())
		}
	}
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
			case <-time.After(5 * time.Second):
				t.Fatalf("%s: not on step %d within 5 s", what, step)
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
