package server

import (
	"context"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Coalescing of file events: editors write a file in several steps (write,
// chmod, or write a temporary file and rename it over the original), so a
// reload waits until events have been quiet for settle, but never longer
// than maxWait after the first, so a save reaches the pages within 200 ms.
const (
	settle  = 25 * time.Millisecond
	maxWait = 100 * time.Millisecond
)

// watch watches the deck's folder (not the file: editors that save by
// rename replace the file, and a watch on it would be lost) and the folders
// of the files the deck references, and calls reload after each burst of
// changes to the files relevant says matter (the deck and what it
// references, not an editor's swap files). dirs is called after each reload
// for the folders to watch now. watch returns when ctx ends.
func watch(ctx context.Context, dirs func() []string, relevant func(path string) bool, reload func(), logf func(string, ...any)) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	watched := map[string]bool{}
	sync := func() {
		want := map[string]bool{}
		for _, d := range dirs() {
			want[filepath.Clean(d)] = true
		}
		for d := range watched {
			if !want[d] {
				w.Remove(d)
				delete(watched, d)
			}
		}
		for d := range want {
			if !watched[d] {
				if err := w.Add(d); err != nil {
					logf("cannot watch %s: %v", d, err)
					continue
				}
				watched[d] = true
			}
		}
	}
	sync()

	var (
		timer   = time.NewTimer(time.Hour)
		pending bool
		first   time.Time
	)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			logf("watching the deck: %v", err)
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if ev.Op == fsnotify.Chmod || !relevant(filepath.Clean(ev.Name)) {
				continue // permission changes, or files the deck does not use
			}
			now := time.Now()
			if !pending {
				pending, first = true, now
			}
			wait := settle
			if deadline := first.Add(maxWait); now.Add(wait).After(deadline) {
				wait = max(deadline.Sub(now), 0)
			}
			timer.Reset(wait)
		case <-timer.C:
			pending = false
			reload()
			sync()
		}
	}
}
