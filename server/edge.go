package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"wiretalk/slides"
)

// Upstream is where an edge's deck files come from: whatever carries the
// presenter's TalkState to it (a relay).
type Upstream interface {
	// DeckFile returns the content of a file the current deck references,
	// by its name in DeckState.Files, or false if it has none.
	DeckFile(name string) ([]byte, bool)
}

// NewEdge builds an audience-only server for a talk presented elsewhere: it
// has no deck file and no presenter console (/presenter, its deck and its
// socket answer 404). It serves the audience pages, /api/deck, the deck's
// images (from up), the study mode and the inspector, whose specimen stays
// local since every viewer's frames are their own. first is the talk as it
// is now; Follow moves it on, and the hub carries each change to this
// server's own sockets as it does on the presenter's.
//
// cfg is read as for New, except that Deck, Key, Study, StateDir, NoState
// and Record are ignored: the deck and the mode are the presenter's, and
// an edge keeps no position of its own. Polls, questions and reactions are
// the presenter's too: when up is a RoomUpstream, the phones' messages go
// to it (interact_relay.go).
func NewEdge(cfg Config, up Upstream, first TalkState) (*Server, error) {
	if up == nil {
		return nil, errors.New("server: NewEdge needs an Upstream")
	}
	cfg.Deck, cfg.StateDir, cfg.NoState = "", "", true
	cfg.Key = NewKey() // no route takes it: there is no presenter here
	cfg.Record = nil   // no presenter's feeds to record
	cfg.Study = first.Deck.Study
	// No folder: nothing is read from disk.
	s, err := newServer(cfg, &source{name: "(presented elsewhere)"}, up)
	if err != nil {
		return nil, err
	}
	s.saver = newPositionSaver(positionStore{}, s.logf) // saves nothing: an edge keeps no position
	s.openRoom("", &slides.Deck{})                      // no polls here: the room is the presenter's (interact_relay.go)
	s.view = edgeView(first.Deck)
	if err := s.renderPages(s.view); err != nil {
		return nil, err
	}
	s.problems = first.Problems
	s.pos = position{Index: first.Index, Blackout: first.Blackout}
	s.state = s.stateMessage()
	s.startHeartbeat()
	return s, nil
}

// edgeView is a deck version received from the presenter: its audience
// JSON as it came, with no parsed deck behind it (an edge never moves the
// talk itself, so it needs no steps; Goto on an edge does nothing).
func edgeView(d DeckState) *deckView {
	return &deckView{
		deck:     &slides.Deck{Slides: []slides.Slide{}, Files: d.Files},
		version:  d.Version,
		title:    d.Title,
		audience: encoded{plain: d.JSON, gz: gzipBytes(d.JSON)},
	}
}

// Follow moves an edge to st: a new deck version is served from now on,
// and every page is sent the new position (latest wins, as on the
// presenter's server). A state that changes nothing sends nothing. On a
// server built by New it does nothing.
func (s *Server) Follow(st TalkState) {
	if s.upstream == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	newDeck := st.Deck.Version != s.view.version
	if newDeck {
		if st.Deck.Study != s.cfg.Study {
			s.logf("the talk's self-study mode is now %v: restart this edge for new pages to get it", st.Deck.Study)
		}
		v := edgeView(st.Deck)
		if err := s.renderPages(v); err != nil {
			s.logf("%v; keeping the last deck", err)
			return
		}
		s.view = v
		s.logf("deck version %s: %s", v.version, v.title)
	}
	s.problems = st.Problems
	p := position{Index: st.Index, Blackout: st.Blackout}
	if !newDeck && p == s.pos {
		return
	}
	s.pos = p
	s.state = s.stateMessage()
	s.hub.broadcast(kindState, s.state)
}

// edgeHandler is Handler on an edge: the audience's routes only.
func (s *Server) edgeHandler() http.Handler {
	mux := s.audienceMux()
	mux.HandleFunc("GET /", s.serveUpstreamFile)
	return secure(mux, s.logf)
}

// serveUpstreamFile serves a file the current deck references, as
// serveDeckFile does on the presenter's server: only names the deck lists,
// of the kinds slides use.
func (s *Server) serveUpstreamFile(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/")
	if !deckFileNameOK(name) || !slices.Contains(s.currentView().deck.Files, name) {
		http.NotFound(w, r)
		return
	}
	b, ok := s.upstream.DeckFile(name)
	if !ok {
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256(b)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:8])+`"`)
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}
