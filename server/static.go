package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// staticFile is an embedded asset kept in memory, plain and gzipped.
type staticFile struct {
	body        encoded
	contentType string
	etag        string
}

// staticFiles serves the embedded CSS and JavaScript, and chroma's
// stylesheet. Everything is compressed once at start-up: talks happen on
// bad Wi-Fi, so the audience page must be small.
type staticFiles struct {
	files   map[string]*staticFile
	version string // changes when any file changes; pages ask for ?v=version
}

func newStaticFiles(fsys fs.FS, extra map[string][]byte) (*staticFiles, error) {
	s := &staticFiles{files: make(map[string]*staticFile)}
	all := sha256.New()
	add := func(name string, b []byte) {
		sum := sha256.Sum256(b)
		all.Write(sum[:])
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		if strings.HasSuffix(name, ".js") {
			ct = "text/javascript; charset=utf-8"
		}
		s.files[name] = &staticFile{
			body:        encoded{plain: b, gz: gzipBytes(b)},
			contentType: ct,
			etag:        `"` + hex.EncodeToString(sum[:8]) + `"`,
		}
	}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := path.Ext(p); ext != ".js" && ext != ".css" && ext != ".svg" && ext != ".png" && ext != ".ico" {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		add(p, b)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for name, b := range extra {
		add(name, b)
	}
	s.version = hex.EncodeToString(all.Sum(nil))[:10]
	return s, nil
}

// ServeHTTP serves /assets/NAME.
func (s *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := s.files[strings.TrimPrefix(r.URL.Path, "/assets/")]
	if f == nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("ETag", f.etag)
	if r.URL.Query().Get("v") == s.version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	serveEncoded(w, r, f.body)
}

// serveEncoded writes body, gzipped when the client accepts it, honouring
// If-None-Match through the ETag already set on w.
func serveEncoded(w http.ResponseWriter, r *http.Request, body encoded) {
	h := w.Header()
	h.Add("Vary", "Accept-Encoding")
	b := body.plain
	if acceptsGzip(r) && len(body.gz) < len(body.plain) {
		h.Set("Content-Encoding", "gzip")
		b = body.gz
	}
	// ServeContent answers If-None-Match from the ETag set on w.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		q, ok := strings.CutPrefix(strings.TrimSpace(params), "q=")
		if !ok {
			return true
		}
		f, err := strconv.ParseFloat(q, 64)
		return err == nil && f > 0
	}
	return false
}
