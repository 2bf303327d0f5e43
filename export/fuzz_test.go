package export

import (
	"bytes"
	"html"
	"strings"
	"testing"
)

// FuzzReadRecording: any input is refused or accepted without a panic,
// and an accepted recording written back reads back the same.
func FuzzReadRecording(f *testing.F) {
	f.Add([]byte(`{"format":"wiretalk-inspector-recording","version":1,"recorded":"2026-01-01T00:00:00Z","source":"seed","records":[{"type":"handshake","seq":1,"handshake":{}},{"type":"frame","seq":2,"frame":{"dir":"in"}}]}`))
	f.Add([]byte(`{"format":"wiretalk-inspector-recording","version":2}`))
	f.Add([]byte(`{"format":"har"}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := ReadRecording(bytes.NewReader(b))
		if err != nil {
			if rec != nil {
				t.Fatal("a recording and an error")
			}
			return
		}
		var buf bytes.Buffer
		if _, err := rec.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := ReadRecording(&buf)
		if err != nil {
			t.Fatalf("an accepted recording does not read back: %v", err)
		}
		if len(back.Records) != len(rec.Records) || back.Version != rec.Version {
			t.Fatal("read back differently")
		}
	})
}

// FuzzMapRefs: with nothing replaced the text is unchanged; every
// reference found is in the text (unescaped); every reference found is
// replaced exactly once.
func FuzzMapRefs(f *testing.F) {
	f.Add(`<img src="a.png"><div style="background: url(&#34;b c.png&#34;)"></div>`)
	f.Add(`src='x' url( "y" ) SRC=z url(`)
	f.Add(`<img alt=x src=>`)
	f.Fuzz(func(t *testing.T, h string) {
		plain := html.UnescapeString(h)
		same := mapRefs(h, func(ref string) (string, bool) {
			if !strings.Contains(plain, ref) {
				t.Fatalf("found %q, which is not in the text", ref)
			}
			return "", false
		})
		if same != h {
			t.Fatalf("changed with nothing replaced: %q", same)
		}
		// Each reference found is replaced, once.
		const token = "\uFFFE"
		if strings.Contains(h, token) {
			return
		}
		calls := 0
		marked := mapRefs(h, func(ref string) (string, bool) { calls++; return token, true })
		if n := strings.Count(marked, token); n != calls {
			t.Fatalf("%d references found, %d replaced: %q", calls, n, marked)
		}
	})
}

// FuzzParseMarker: a marker either fails or lists valid relative paths.
func FuzzParseMarker(f *testing.F) {
	f.Add([]byte(markerHead + "\nindex.html\nassets/viewer.js\n"))
	f.Add([]byte(markerHead + "\n../etc/passwd\n"))
	f.Add([]byte("something else\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		names, err := parseMarker(b)
		if err != nil {
			return
		}
		for _, n := range names {
			if n == "" || strings.HasPrefix(n, "/") || strings.Contains("/"+n+"/", "/../") || n == markerName {
				t.Fatalf("accepted %q", n)
			}
		}
	})
}
