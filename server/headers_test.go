package server

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// recorder is a minimal http.ResponseWriter for handler tests.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}

func mustRequest(method, target string) *http.Request {
	req, err := http.NewRequest(method, target, nil)
	if err != nil {
		panic(err)
	}
	return req
}

func TestEveryPageHasSecurityHeaders(t *testing.T) {
	ts := newTestServer(t, testDeck)
	for _, path := range []string{"/", "/presenter", "/demo", "/api/deck", "/assets/highlight.css", "/img/pic.png", "/missing"} {
		resp := ts.get(t, path, nil)
		csp := resp.Header.Get("Content-Security-Policy")
		if scriptSrc(csp) != "'self'" {
			t.Errorf("%s: CSP %q does not forbid inline scripts", path, csp)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", path, got)
		}
		if got := resp.Header.Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("%s: Referrer-Policy %q", path, got)
		}
	}
}

func TestPagesHaveNoInlineScript(t *testing.T) {
	ts := newTestServer(t, testDeck)
	for _, path := range []string{"/", "/presenter", "/demo"} {
		h := http.Header{}
		if path == "/presenter" {
			h = ts.presenterHeader()
		}
		body, _ := io.ReadAll(ts.get(t, path, h).Body)
		page := string(body)
		for i := 0; ; {
			j := strings.Index(page[i:], "<script")
			if j < 0 {
				break
			}
			tag := page[i+j : i+j+strings.Index(page[i+j:], ">")+1]
			if !strings.Contains(tag, "src=") {
				t.Errorf("%s has an inline script: %s", path, tag)
			}
			i += j + 1
		}
		if strings.Contains(page, " onclick=") || strings.Contains(page, " onload=") {
			t.Errorf("%s has an inline event handler", path)
		}
	}
}

func TestAssetsAreCompressed(t *testing.T) {
	ts := newTestServer(t, testDeck)
	for _, path := range []string{"/", "/api/deck", "/assets/highlight.css"} {
		resp := ts.get(t, path, http.Header{"Accept-Encoding": {"gzip"}})
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: not gzipped", path)
			continue
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if b, err := io.ReadAll(zr); err != nil || len(b) == 0 {
			t.Errorf("%s: bad gzip body: %v", path, err)
		}
	}
	// A client that does not accept gzip gets plain bytes.
	resp := ts.get(t, "/api/deck", http.Header{"Accept-Encoding": {"identity"}})
	if resp.Header.Get("Content-Encoding") != "" {
		t.Error("gzip sent to a client that did not accept it")
	}
}

// scriptSrc returns the value of the CSP's script-src directive.
func scriptSrc(csp string) string {
	for _, d := range strings.Split(csp, ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(d), "script-src "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func TestVersionedAssetsAreImmutable(t *testing.T) {
	ts := newTestServer(t, testDeck)
	v := ts.static.version
	if got := ts.get(t, "/assets/audience.js?v="+v, nil).Header.Get("Cache-Control"); !strings.Contains(got, "immutable") {
		t.Errorf("versioned asset: Cache-Control %q, want immutable", got)
	}
	for _, path := range []string{"/assets/audience.js", "/assets/audience.js?v=old"} {
		if got := ts.get(t, path, nil).Header.Get("Cache-Control"); got != "no-cache" {
			t.Errorf("%s: Cache-Control %q, want no-cache", path, got)
		}
	}
	body, _ := io.ReadAll(ts.get(t, "/", nil).Body)
	if !strings.Contains(string(body), "/assets/audience.js?v="+v) {
		t.Error("the audience page does not ask for the current asset version")
	}
}

// net/http's own errors reach Config.Logf, like every other line.
func TestHTTPServerErrorsGoToLogf(t *testing.T) {
	var got []string
	srv, err := New(Config{Key: testKey, NoState: true, Logf: func(format string, args ...any) {
		got = append(got, fmt.Sprintf(format, args...))
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(t.Context())
	srv.HTTPServer("127.0.0.1:0", nil).ErrorLog.Printf("http: TLS handshake error from 10.0.0.1:5: EOF")
	if len(got) != 1 || got[0] != "http: TLS handshake error from 10.0.0.1:5: EOF" {
		t.Errorf("logged %q", got)
	}
}
