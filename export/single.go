package export

import (
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"mime"
	"net/http"
	"path"
	"strings"

	"wiretalk/slides"
)

// single returns the export as one self-contained HTML file: stylesheets
// and the viewer inlined, local images as data: URIs. Its script is inline
// (a single file has nowhere else to keep it), so the page carries a
// Content-Security-Policy that allows that one script by its hash and no
// other.
func (dk *deck) single(notes bool) ([]byte, error) {
	uris := map[string]string{}
	for name, b := range dk.images {
		uris[name] = dataURI(name, b)
	}
	rewrite := func(s string) string {
		return mapRefs(s, func(ref string) (string, bool) {
			name, ok := slides.LocalPath(ref)
			if !ok {
				return "", false
			}
			u, ok := uris[name]
			return u, ok
		})
	}
	p := dk.pageFor(notes, rewrite)
	for _, n := range dk.styleNames() {
		b, err := stylesheet(n)
		if err != nil {
			return nil, err
		}
		p.Styles = append(p.Styles, resource{Inline: template.CSS(strings.ReplaceAll(string(b), "</style", `<\/style`))})
	}
	js, err := viewerScript()
	if err != nil {
		return nil, err
	}
	js = strings.ReplaceAll(js, "</script", `<\/script`)
	p.Script = resource{Inline: template.JS(js)}
	sum := sha256.Sum256([]byte(js))
	p.CSP = "default-src 'none'; img-src data: http: https:; media-src data: http: https:; font-src data:; " +
		"style-src 'unsafe-inline'; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	return renderPage(p)
}

// dataURI encodes a file as a data: URI, typed by its extension or, when
// that says nothing, by its first bytes.
func dataURI(name string, b []byte) string {
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = http.DetectContentType(b)
	}
	if i := strings.IndexByte(ct, ';'); i >= 0 && !strings.HasPrefix(ct, "image/svg") {
		ct = ct[:i]
	}
	return "data:" + strings.ReplaceAll(ct, " ", "") + ";base64," + base64.StdEncoding.EncodeToString(b)
}
