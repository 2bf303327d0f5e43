package server

import (
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// servableExt lists the kinds of file a deck's folder may serve: what
// slides reference (images, media, fonts). The deck itself and anything
// else in the folder (notes!) are never served.
func servableExt(ext string) bool {
	switch strings.ToLower(ext) {
	case ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".ico", ".bmp",
		".mp4", ".webm", ".ogg", ".mp3", ".wav", ".m4a",
		".woff", ".woff2", ".ttf", ".otf", ".pdf":
		return true
	}
	return false
}

// serveDeckFile serves a file that the deck references, from the deck's
// folder only. os.Root refuses any path that leaves the folder, through
// ".." or through a symbolic link; dotfiles and the kinds of file slides
// do not use are refused before that.
func (s *Server) serveDeckFile(w http.ResponseWriter, r *http.Request) {
	src := s.source
	if src.root == nil {
		http.NotFound(w, r)
		return
	}
	// r.URL.Path is already percent-decoded, so %2e%2e arrives as "..".
	name := strings.TrimPrefix(r.URL.Path, "/")
	if !deckFileNameOK(name) {
		http.NotFound(w, r)
		return
	}
	f, err := src.root.Open(name)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.logf("refused deck file %q: %v", name, err)
		}
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, fi.Name(), fi.ModTime(), f)
}

// deckFileNameOK checks a slash-separated name relative to the deck's
// folder: clean, relative, no dotfile or dot-folder anywhere, and a kind of
// file a slide may show.
func deckFileNameOK(name string) bool {
	if name == "" || strings.ContainsAny(name, "\\\x00") || path.IsAbs(name) || path.Clean(name) != name {
		return false
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" || strings.HasPrefix(part, ".") {
			return false
		}
	}
	return servableExt(path.Ext(name))
}
