package server

import (
	"context"
	"path/filepath"

	"wiretalk/slides"
)

// Reload reads the deck again. A deck that reads and parses cleanly
// replaces the one on screen, and every page moves to the same slide in
// the new version (by name, else index). A deck that cannot be read or has
// problems leaves the last good one on every screen, and the presenter is
// shown the error; fixing the file clears it.
func (s *Server) Reload() {
	d, err := s.source.load()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.logf("%v; keeping the last good deck", err)
		s.setProblemsLocked([]slides.Problem{{File: s.source.name, Message: err.Error()}})
		return
	}
	if len(d.Problems) > 0 {
		for _, p := range d.Problems {
			s.logf("deck: %s", p)
		}
		s.logf("the deck has problems; keeping the last good one on screen")
		s.setProblemsLocked(d.Problems)
		return
	}
	s.setProblemsLocked(nil)
	v := newDeckView(d, s.source.salt(d), s.cfg.Study)
	if v.version == s.view.version {
		return
	}
	if err := s.renderPages(v); err != nil {
		s.logf("%v; keeping the last good deck", err)
		return
	}
	s.view = v
	s.room.setDeck(d)
	s.logf("deck reloaded: %d steps", len(d.Slides))
	s.moveLocked(remap(s.pos, v))
}

func (s *Server) setProblemsLocked(p []slides.Problem) {
	if len(p) == 0 && len(s.problems) == 0 {
		return
	}
	s.problems = p
	s.notifyLocked()
	s.hub.broadcast(kindProblems, jsonMessage(problemsMsg{Type: "problems", Problems: nonNilProblems(p)}))
}

// Watch reloads the deck whenever it or a file it references changes,
// until ctx ends. The embedded talk never changes: Watch returns at once.
func (s *Server) Watch(ctx context.Context) error {
	if s.source.path == "" {
		return nil
	}
	relevant := func(path string) bool {
		if path == s.source.path {
			return true
		}
		for _, f := range s.currentView().deck.Files {
			if path == filepath.Join(s.source.dir, filepath.FromSlash(f)) {
				return true
			}
		}
		return false
	}
	return watch(ctx, s.deckDirs, relevant, s.Reload, s.logf)
}

// deckDirs is what the watcher watches: the deck's folder and the folders
// of the files it references.
func (s *Server) deckDirs() []string {
	dirs := []string{s.source.dir}
	v := s.currentView()
	for _, f := range v.deck.Files {
		dirs = append(dirs, filepath.Join(s.source.dir, filepath.Dir(filepath.FromSlash(f))))
	}
	return dirs
}
