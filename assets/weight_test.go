package assets_test

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"regexp"
	"testing"

	"wiretalk/assets"
	"wiretalk/templates"
)

// gzipped returns the size of b gzipped at the default level, as a server
// sends it.
func gzipped(t *testing.T, b []byte) int {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Len()
}

// assetRefs returns the /assets/ files a page names, and the page.
func assetRefs(t *testing.T, page string) ([]string, []byte) {
	tmpl, err := templates.Parse()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := tmpl.ExecuteTemplate(&b, page, templates.Data{Title: "A talk", Assets: "v1"}); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range regexp.MustCompile(`"/assets/([^"?]+)\?v=v1"`).FindAllStringSubmatch(b.String(), -1) {
		names = append(names, m[1])
	}
	return names, b.Bytes()
}

// The audience downloads the page, its JS and CSS on conference Wi-Fi, so
// they must stay small: 8 KB gzipped for JS and CSS, each file gzipped on
// its own as HTTP does.
func TestAudienceWeight(t *testing.T) {
	names, page := assetRefs(t, "audience.html")
	total := 0
	for _, name := range names {
		if name == "highlight.css" {
			continue // the server's, from chroma
		}
		if name == "print.css" {
			continue // media="print": fetched at idle priority, blocks nothing on screen
		}
		b, err := fs.ReadFile(assets.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		n := gzipped(t, b)
		t.Logf("%-14s %5d bytes, %5d gzipped", name, len(b), n)
		total += n
	}
	t.Logf("audience JS+CSS: %d bytes gzipped", total)
	if total > 8<<10 {
		t.Errorf("audience JS+CSS is %d bytes gzipped, over the 8 KB budget", total)
	}
	if n := gzipped(t, page); n > 1500 {
		t.Errorf("audience.html is %d bytes gzipped, over 1.5 KB", n)
	}
}

func TestPagesNameOnlyEmbeddedAssets(t *testing.T) {
	for _, page := range []string{"audience.html", "presenter.html"} {
		names, _ := assetRefs(t, page)
		if len(names) == 0 {
			t.Errorf("%s names no assets", page)
		}
		for _, name := range names {
			if _, err := fs.Stat(assets.FS, name); err != nil && name != "highlight.css" {
				t.Errorf("%s names /assets/%s, which is not embedded", page, name)
			}
		}
	}
}
