package export

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// markerName is the file in an exported folder that lists what the export
// wrote, one path a line after its first line, markerHead. A later export
// into the same folder replaces those files and never touches others.
const (
	markerName = ".wiretalk-export"
	markerHead = "wiretalk export: the files below were written by it and are replaced by the next export"
)

// writeFolder writes files into dir. A dir that exists must be empty or
// hold an earlier export (its marker): then the earlier export's files are
// replaced or removed and nothing else is touched; a file of the new export
// that would overwrite one the earlier export did not write is an error,
// found before anything is written. Writes go through an os.Root, so that
// a symbolic link in dir cannot send them elsewhere.
func writeFolder(dir string, files map[string][]byte) error {
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return fmt.Errorf("%s exists and is not a folder", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	entries, err := fs.ReadDir(root.FS(), ".")
	if err != nil {
		return err
	}
	var old []string
	if len(entries) > 0 {
		b, err := root.ReadFile(markerName)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s is not empty and holds no earlier export (no %s file): choose another -o, or empty it", dir, markerName)
		}
		if err != nil {
			return err
		}
		if old, err = parseMarker(b); err != nil {
			return fmt.Errorf("%s/%s: %v", dir, markerName, err)
		}
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if _, err := root.Lstat(filepath.FromSlash(n)); err == nil && !slices.Contains(old, n) {
			return fmt.Errorf("%s: %s is not from the earlier export; it would be overwritten, so nothing was written", dir, n)
		}
	}
	for _, n := range names {
		p := filepath.FromSlash(n)
		if d := filepath.Dir(p); d != "." {
			if err := root.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
		if err := root.WriteFile(p, files[n], 0o644); err != nil {
			return err
		}
	}
	for _, n := range old {
		if _, keep := files[n]; keep {
			continue
		}
		p := filepath.FromSlash(n)
		if err := root.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		// Folders the earlier export made go too, once empty.
		for d := path.Dir(n); d != "."; d = path.Dir(d) {
			if root.Remove(filepath.FromSlash(d)) != nil {
				break
			}
		}
	}
	var m bytes.Buffer
	m.WriteString(markerHead + "\n")
	for _, n := range names {
		m.WriteString(n + "\n")
	}
	return root.WriteFile(markerName, m.Bytes(), 0o644)
}

// parseMarker reads a marker file's list of files.
func parseMarker(b []byte) ([]string, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	if !sc.Scan() || sc.Text() != markerHead {
		return nil, errors.New("not a wiretalk export marker")
	}
	var out []string
	for sc.Scan() {
		n := sc.Text()
		if n == "" {
			continue
		}
		if !fs.ValidPath(n) || n == markerName {
			return nil, fmt.Errorf("bad entry %q", n)
		}
		out = append(out, n)
	}
	return out, sc.Err()
}

// writeSingle writes a single-file export to file, which must not exist
// or be an earlier single-file export. It writes a temporary file next to
// it first and renames it, so a failure leaves the old file whole.
func writeSingle(file string, b []byte) error {
	if fi, err := os.Stat(file); err == nil {
		if fi.IsDir() {
			return fmt.Errorf("%s is a folder: -single writes one file, e.g. -o talk.html", file)
		}
		head := make([]byte, 1024)
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		n, _ := f.Read(head)
		f.Close()
		if !bytes.Contains(head[:n], []byte(`<meta name="generator" content="`+generator+`">`)) {
			return fmt.Errorf("%s exists and is not an earlier wiretalk export: choose another -o", file)
		}
	}
	pattern := "." + strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)) + "-*.tmp"
	return replaceFile(file, pattern, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// replaceFile writes file through write into a temporary file beside it
// (named by pattern, as os.CreateTemp takes it), then renames that over
// file, so a failure leaves the old file whole and no reader sees half of
// the new one.
func replaceFile(file, pattern string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(file), pattern)
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}
