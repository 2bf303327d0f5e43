package server

import (
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"rsc.io/qr"
)

// svgModules reads the dark modules back out of qrSVG's path: each
// "Mx yhNv1h-Nz" is a run of N modules of row y from column x.
func svgModules(t *testing.T, svg string) (size int, dark map[[2]int]bool) {
	t.Helper()
	m := regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`).FindStringSubmatch(svg)
	if m == nil {
		t.Fatalf("no viewBox in %.200s", svg)
	}
	size, _ = strconv.Atoi(m[1])
	dark = map[[2]int]bool{}
	for _, r := range regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`).FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.Atoi(r[1])
		y, _ := strconv.Atoi(r[2])
		n, _ := strconv.Atoi(r[3])
		if r[4] != r[3] {
			t.Fatalf("a run that does not close: %s", r[0])
		}
		for i := range n {
			dark[[2]int{x + i, y}] = true
		}
	}
	return size, dark
}

// sameCode fails unless svg draws the QR code of text, module for module,
// inside a quiet zone of four.
func sameCode(t *testing.T, svg, text string) {
	t.Helper()
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	size, dark := svgModules(t, svg)
	if size != code.Size+8 {
		t.Fatalf("the image is %d modules wide, want %d (the code and a quiet zone of 4)", size, code.Size+8)
	}
	for y := range size {
		for x := range size {
			want := x >= 4 && y >= 4 && x < code.Size+4 && y < code.Size+4 && code.Black(x-4, y-4)
			if dark[[2]int{x, y}] != want {
				t.Fatalf("module (%d,%d) is dark=%v, want %v: not the code of %q", x, y, !want, want, text)
			}
		}
	}
}

func TestRemoteQRIsThePresenterURLForThePhone(t *testing.T) {
	ts := newTestServer(t, testDeck)
	ts.lanAddrs = func() []net.IP { return []net.IP{net.IPv4(192, 168, 1, 20)} }
	_, port, _ := net.SplitHostPort(ts.addr())

	t.Run("needs the presenter", func(t *testing.T) {
		for _, h := range []http.Header{nil, {"Cookie": {cookieName + "=nope"}}} {
			if r := ts.get(t, "/api/presenter/qr.svg", h); r.StatusCode != http.StatusForbidden {
				t.Errorf("without the presenter's cookie: %d, want 403", r.StatusCode)
			}
		}
	})

	t.Run("laptop on localhost: the machine's network address", func(t *testing.T) {
		// The test server listens on 127.0.0.1, as a laptop's browser on
		// localhost reaches it; a phone cannot use that address.
		r := ts.get(t, "/api/presenter/qr.svg", ts.presenterHeader())
		body, _ := io.ReadAll(r.Body)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", r.StatusCode, body)
		}
		if ct := r.Header.Get("Content-Type"); ct != "image/svg+xml" {
			t.Errorf("Content-Type %q", ct)
		}
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q, want no-store: the image carries the key", cc)
		}
		sameCode(t, string(body), "http://192.168.1.20:"+port+"/presenter?key="+testKey)
	})

	t.Run("laptop on a network address: that one, https behind a proxy", func(t *testing.T) {
		h := ts.presenterHeader()
		h.Set("X-Forwarded-Proto", "https")
		req, _ := http.NewRequest("GET", ts.http.URL+"/api/presenter/qr.svg", nil)
		req.Header = h
		req.Host = "talk.example.org"
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		sameCode(t, string(body), "https://talk.example.org/presenter?key="+testKey)
	})

	t.Run("no network: a clear error, no code", func(t *testing.T) {
		ts.lanAddrs = func() []net.IP { return nil }
		r := ts.get(t, "/api/presenter/qr.svg", ts.presenterHeader())
		body, _ := io.ReadAll(r.Body)
		if r.StatusCode != http.StatusConflict || !strings.Contains(string(body), "network") {
			t.Errorf("status %d %q, want 409 saying there is no network address", r.StatusCode, body)
		}
	})

	t.Run("the audience's pages never carry it", func(t *testing.T) {
		for _, path := range []string{"/", "/api/deck"} {
			body, _ := io.ReadAll(ts.get(t, path, nil).Body)
			if strings.Contains(string(body), "qr.svg") || strings.Contains(string(body), testKey) {
				t.Errorf("%s mentions the QR code or the key", path)
			}
		}
		// The presenter's page loads the image only on demand: it is not
		// in the page's HTML, nor is the key.
		body, _ := io.ReadAll(ts.get(t, "/presenter", ts.presenterHeader()).Body)
		if strings.Contains(string(body), "qr.svg") || strings.Contains(string(body), testKey) {
			t.Error("the presenter page's HTML carries the QR code or the key")
		}
	})
}
