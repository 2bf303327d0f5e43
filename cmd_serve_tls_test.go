package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"wiretalk/internal/testcert"
	"wiretalk/protocol"
)

// TestServeTLS runs "wiretalk serve -tls-cert -tls-key": the URLs it
// prints are https, the pages load over https, an audience socket over
// wss follows the presenter's, and TLS older than 1.2 is refused.
func TestServeTLS(t *testing.T) {
	certFile, keyFile, pool := testcert.Files(t)
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	e := &env{ctx: ctx, stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr}
	done := make(chan int, 1)
	go func() {
		done <- run(e, []string{"serve", "-addr", "127.0.0.1:0", "-no-state", "-tls-cert", certFile, "-tls-key", keyFile})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop within 10 s")
		}
	})
	re := regexp.MustCompile(`Presenter: (https://(\S+?)/presenter\?key=(\w+))`)
	var m []string
	for deadline := time.Now().Add(10 * time.Second); m == nil; time.Sleep(10 * time.Millisecond) {
		m = re.FindStringSubmatch(stdout.String())
		if time.Now().After(deadline) {
			t.Fatalf("serve printed no https presenter URL:\n%s%s", stdout.String(), stderr.String())
		}
	}
	presenterURL, host, key := m[1], m[2], m[3]
	if strings.Contains(stdout.String(), "http://") {
		t.Errorf("serve with TLS printed an http:// URL:\n%s", stdout.String())
	}
	base := "https://" + host

	client := &http.Client{
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer client.CloseIdleConnections()
	resp, err := client.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("audience page over https: %s", resp.Status)
	}
	resp, err = client.Get(presenterURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := resp.Header.Get("Set-Cookie"); !strings.Contains(c, "; Secure") || !strings.Contains(c, "HttpOnly") {
		t.Errorf("presenter cookie over https: %q, want Secure and HttpOnly", c)
	}

	dctx, dcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer dcancel()
	dial := func(path string, h http.Header) *protocol.Conn {
		t.Helper()
		h.Set("Origin", base)
		c, _, err := protocol.Dial(dctx, "wss://"+host+path, &protocol.DialOptions{Header: h, TLSConfig: &tls.Config{RootCAs: pool}})
		if err != nil {
			t.Fatalf("wss %s: %v", path, err)
		}
		t.Cleanup(func() { c.CloseNow() })
		return c
	}
	a := dial("/ws", http.Header{})
	p := dial("/ws/presenter?key="+key, http.Header{})
	state := func(c *protocol.Conn) int {
		t.Helper()
		for {
			_, b, err := c.Read(dctx)
			if err != nil {
				t.Fatal(err)
			}
			var m struct {
				Type  string
				Index int
			}
			if json.Unmarshal(b, &m) == nil && m.Type == "state" {
				return m.Index
			}
		}
	}
	state(a)
	state(p)
	for _, step := range []int{3, 1} {
		p.Write(dctx, protocol.OpText, fmt.Appendf(nil, `{"type":"goto","index":%d}`, step))
		if got := state(a); got != step {
			t.Fatalf("over wss the audience is on %d, want %d", got, step)
		}
	}

	// TLS 1.1 is refused.
	old := &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11, MinVersion: tls.VersionTLS10}
	if c, err := tls.Dial("tcp", host, old); err == nil {
		c.Close()
		t.Error("a TLS 1.1 client was accepted")
	}
}
