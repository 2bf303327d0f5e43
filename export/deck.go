package export

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"wiretalk/slides"
	"wiretalk/slides/talk"
)

// deck is a loaded deck and the files it refers to.
type deck struct {
	d      *slides.Deck
	src    string            // the deck's text, to find lines
	name   string            // as given, for messages
	base   string            // the file name without .md, for default outputs
	images map[string][]byte // d.Files' contents, by deck-relative path
	replay []byte            // the inspector recording as compact JSON; nil when the deck has no inspector
}

// load reads and parses the deck, and the images it refers to, from its
// folder only: the folder is opened as an os.Root, so no path (nor
// symbolic link) leads out of it.
func load(name string) (*deck, error) {
	var fsys fs.FS = talk.FS
	file, display := talk.Name, talk.Name
	if name != "" {
		abs, err := filepath.Abs(name)
		if err != nil {
			return nil, err
		}
		root, err := os.OpenRoot(filepath.Dir(abs))
		if err != nil {
			return nil, err
		}
		defer root.Close()
		fsys, file, display = root.FS(), filepath.Base(abs), name
		return loadFS(fsys, file, display)
	}
	return loadFS(fsys, file, display)
}

func loadFS(fsys fs.FS, file, display string) (*deck, error) {
	src, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", display, unwrapPathError(err))
	}
	d := slides.Parse(display, src, fsys)
	if len(d.Problems) > 0 {
		return nil, &ProblemsError{Problems: d.Problems}
	}
	dk := &deck{d: d, src: string(src), name: display, base: strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)), images: map[string][]byte{}}
	for _, f := range d.Files {
		// slides reported ../ paths as problems; this is the second lock.
		if !fs.ValidPath(f) || f == ".." || strings.HasPrefix(f, "../") {
			return nil, fmt.Errorf("%s: image %q is outside the deck's folder", display, f)
		}
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("%s: cannot read image %s: %w", display, f, unwrapPathError(err))
		}
		dk.images[f] = b
	}
	return dk, nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// remote lists the deck's remote references, one line each, naming the
// file and line where each is written.
func (dk *deck) remote(notes bool) []string {
	var out []string
	seen := map[string]bool{}
	lines := strings.Split(dk.src, "\n")
	lineOf := func(ref string, from int) int {
		for i := max(from-1, 0); i < len(lines); i++ {
			if strings.Contains(lines[i], ref) {
				return i + 1
			}
		}
		for i := range lines {
			if strings.Contains(lines[i], ref) {
				return i + 1
			}
		}
		return from
	}
	for _, s := range dk.d.Slides {
		texts := []string{s.HTML, s.Style()}
		if notes {
			texts = append(texts, s.NotesHTML)
		}
		for _, t := range texts {
			mapRefs(t, func(ref string) (string, bool) {
				if isRemote(ref) && !seen[ref] {
					seen[ref] = true
					out = append(out, fmt.Sprintf("%s:%d: %s is remote: it will not show offline", dk.name, lineOf(ref, s.Line), ref))
				}
				return "", false
			})
		}
	}
	return out
}

// usesInspector reports whether a slide shows the frame inspector.
func (dk *deck) usesInspector() bool {
	for _, s := range dk.d.Slides {
		if slices.Contains(s.Macros, "inspector") {
			return true
		}
	}
	return false
}

// record gets the recording the export's inspector replays: the file
// given, or a session recorded now.
func (dk *deck) record(ctx context.Context, file string) error {
	if !dk.usesInspector() {
		return nil
	}
	var rec *Recording
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		if rec, err = ReadRecording(f); err != nil {
			return fmt.Errorf("%s: %v", file, err)
		}
	} else {
		var err error
		if rec, err = RecordSession(ctx); err != nil {
			return err
		}
	}
	b, err := json.Marshal(rec) // escapes <, > and &: safe inside <script>
	if err != nil {
		return err
	}
	dk.replay = b
	return nil
}
