package server

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"wiretalk/slides"
	"wiretalk/slides/talk"
)

// source is where the deck comes from: a Markdown file in a folder on
// disk, or wiretalk's embedded talk.
type source struct {
	path string   // absolute path of the deck file; "" for the embedded talk
	dir  string   // its folder
	name string   // the deck's file name within fsys
	root *os.Root // the folder, for serving its files; nil when embedded
	fsys fs.FS
}

// openSource opens the deck at path ("" for the embedded talk). It fails
// when the folder cannot be opened; the deck file itself is read by load.
func openSource(path string) (*source, error) {
	if path == "" {
		return &source{name: talk.Name, fsys: talk.FS}, nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(filepath.Dir(abs))
	if err != nil {
		return nil, err
	}
	return &source{path: abs, dir: filepath.Dir(abs), name: filepath.Base(abs), root: root, fsys: root.FS()}, nil
}

// display is the deck's name for messages.
func (s *source) display() string {
	if s.path == "" {
		return "embedded talk"
	}
	return s.path
}

// load reads and parses the deck. The error is for a deck that cannot be
// read at all; a deck that reads but has problems comes back with
// Deck.Problems set.
func (s *source) load() (*slides.Deck, error) {
	d, err := slides.Load(s.fsys, s.name)
	if err != nil {
		return nil, fmt.Errorf("cannot read deck %s: %w", s.display(), unwrapPathError(err))
	}
	return d, nil
}

// salt summarises the referenced files' sizes and times, so that an edited
// image makes a new deck version and the pages fetch it again.
func (s *source) salt(d *slides.Deck) string {
	if s.root == nil {
		return ""
	}
	var b strings.Builder
	for _, f := range d.Files {
		if fi, err := s.root.Stat(f); err == nil {
			b.WriteString(f + "\x00" + strconv.FormatInt(fi.Size(), 10) + "\x00" + strconv.FormatInt(fi.ModTime().UnixNano(), 10) + "\n")
		}
	}
	return b.String()
}

// close releases the folder.
func (s *source) close() {
	if s.root != nil {
		s.root.Close()
	}
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}
