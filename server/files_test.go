package server

import (
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDeckFilesStayInTheDeckFolder(t *testing.T) {
	ts := newTestServer(t, testDeck)
	outside := filepath.Join(filepath.Dir(ts.dir), "outside-secret.png")
	os.WriteFile(outside, []byte("TOPSECRET-CONTENT"), 0o644)
	t.Cleanup(func() { os.Remove(outside) })
	os.Symlink(outside, filepath.Join(ts.dir, "link.png"))
	os.Symlink("/etc", filepath.Join(ts.dir, "etc"))
	os.WriteFile(filepath.Join(ts.dir, ".hidden.png"), []byte("dot"), 0o644)
	os.MkdirAll(filepath.Join(ts.dir, ".git"), 0o755)
	os.WriteFile(filepath.Join(ts.dir, ".git", "x.png"), []byte("dot"), 0o644)
	os.WriteFile(filepath.Join(ts.dir, "notes.txt"), []byte("private"), 0o644)

	if resp := ts.get(t, "/img/pic.png", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("referenced image: status %d, want 200", resp.StatusCode)
	}
	for _, path := range []string{
		"/talk.md",               // the deck itself: its notes are private
		"/notes.txt",             // not a kind of file slides show
		"/../outside-secret.png", // dot-dot
		"/img/../../outside-secret.png",
		"/%2e%2e/outside-secret.png", // encoded dot-dot
		"/img/%2e%2e/%2e%2e/outside-secret.png",
		"/%2fetc%2fpasswd",
		"/link.png",      // symlink leading outside
		"/etc/passwd",    // symlink to an absolute folder
		"/.hidden.png",   // dotfile
		"/.git/x.png",    // dot folder
		"/img/",          // a folder
		"/img%5cpic.png", // backslash
		"/nonexistent.png",
	} {
		t.Run(path, func(t *testing.T) {
			// Send the path raw, as an attacker would, not cleaned by a client.
			conn, err := net.Dial("tcp", ts.http.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			io.WriteString(conn, "GET "+path+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			resp, err := io.ReadAll(conn)
			if err != nil {
				t.Fatal(err)
			}
			status := strings.SplitN(string(resp), "\r\n", 2)[0]
			if strings.Contains(status, " 200 ") || strings.Contains(string(resp), "TOPSECRET-CONTENT") || strings.Contains(string(resp), "private") || strings.Contains(string(resp), "root:") {
				t.Errorf("GET %s: %s — served something it must not", path, status)
			}
		})
	}
}

func TestEmbeddedTalkServesNoFiles(t *testing.T) {
	srv, err := New(Config{Key: testKey, NoState: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(t.Context())
	rec := newRecorder()
	srv.Handler().ServeHTTP(rec, mustRequest("GET", "/etc/passwd"))
	if rec.code != http.StatusNotFound {
		t.Errorf("status %d, want 404", rec.code)
	}
}
