package server

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"

	"wiretalk/slides"
)

// TalkState is what an audience needs of the talk at one moment: the deck
// as the audience pages get it, where the talk is, and the deck's problems.
//
// It is the seam between a presenter's server and the edges that serve the
// same talk from other machines (see NewEdge): a relay observes it on the
// presenter's side (State, Changed, DeckFile) and hands it to edges
// (Follow). server knows nothing of how it travels.
//
// It holds no secret: not the presenter key, not the session cookie's
// token, and no speaker notes except in self-study, where every audience
// page reads them anyway.
type TalkState struct {
	Deck     DeckState
	Index    int              // the step on screen
	Blackout bool             // the presenter blacked the screens out
	Problems []slides.Problem // why the file on disk is not the deck on screen; nil when it is
}

// DeckState is one rendered version of the deck, as the audience gets it.
type DeckState struct {
	Version string   // changes whenever the deck or a file it references changes
	Title   string   // for the pages' <title>
	Study   bool     // self-study: everyone steps freely, notes as a transcript
	JSON    []byte   // the body of /api/deck (docs/messages.md); shared: do not modify
	Files   []string // local files the slides reference (images), slash-separated, relative to the deck
}

// maxDeckFile bounds what DeckFile reads: a deck's image, not a video.
const maxDeckFile = 32 << 20

// State returns the talk's current state.
func (s *Server) State() TalkState {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.view
	return TalkState{
		Deck: DeckState{
			Version: v.version,
			Title:   v.title,
			Study:   s.cfg.Study,
			JSON:    v.audience.plain,
			Files:   slices.Clone(v.deck.Files),
		},
		Index:    s.pos.Index,
		Blackout: s.pos.Blackout,
		Problems: slices.Clone(s.problems),
	}
}

// Changed returns a channel that receives after the state changed: a move,
// a blackout, a new version of the deck, new problems. Changes coalesce
// (the channel holds one signal), so the receiver reads State after each
// and always ends on the newest. There is one such channel per Server.
func (s *Server) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed == nil {
		s.changed = make(chan struct{}, 1)
	}
	return s.changed
}

// notifyLocked signals Changed's channel, if anyone asked for it, without
// waiting. Call with s.mu held.
func (s *Server) notifyLocked() {
	if s.changed == nil {
		return
	}
	select {
	case s.changed <- struct{}{}:
	default: // a signal is pending already
	}
}

// DeckFile reads a file that the deck references (an image), by the
// slash-separated name in DeckState.Files, from the deck's folder only,
// with the same checks as serving it.
func (s *Server) DeckFile(name string) ([]byte, error) {
	if s.source.root == nil || !deckFileNameOK(name) {
		return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	}
	f, err := s.source.root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", name)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxDeckFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxDeckFile {
		return nil, errors.New(name + ": larger than 32 MiB")
	}
	return b, nil
}
