package server

import (
	"encoding/csv"
	"encoding/json"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Results: what the audience answered, for the presenter to take home
// (GET /api/results, the presenter page's downloads, serve -results) and
// kept beside the talk's position so that a restart or a deck reload
// loses nothing.

// resultsJSON is what /api/results returns (docs/messages.md).
type resultsJSON struct {
	Polls     []pollResult     `json:"polls"`
	Questions []questionResult `json:"questions"`
}

type pollResult struct {
	ID       string         `json:"id"`
	Question string         `json:"question"`
	Options  []optionResult `json:"options"`
	Correct  *int           `json:"correct"` // index of the correct option, null if none
	Status   string         `json:"status"`  // waiting, open or closed
	Open     bool           `json:"open"`
	Revealed bool           `json:"revealed"`
	Voters   int            `json:"voters"`
	InDeck   bool           `json:"inDeck"` // the current deck still has this poll
}

type optionResult struct {
	Text  string `json:"text"`
	Votes int    `json:"votes"`
}

type questionResult struct {
	ID    int    `json:"id"`
	Text  string `json:"text"`
	Votes int    `json:"votes"`
	State string `json:"state"` // pending, open, answered or hidden
	Asked string `json:"asked"` // RFC 3339, UTC
}

// results returns every poll ever seen (the current deck's first, in deck
// order, then the others by ID) and every question, by votes.
func (r *room) results() resultsJSON {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := slices.Clone(r.order)
	var others []string
	for id := range r.polls {
		if !slices.Contains(ids, id) {
			others = append(others, id)
		}
	}
	slices.Sort(others)
	out := resultsJSON{Polls: []pollResult{}, Questions: []questionResult{}}
	for i, id := range append(ids, others...) {
		ps := r.polls[id]
		pr := pollResult{ID: id, Question: ps.Question, Options: []optionResult{}, Status: ps.Status, Open: ps.Status == pollOpen, Revealed: ps.Revealed, Voters: len(ps.Votes), InDeck: i < len(ids)}
		for k, o := range ps.Options {
			pr.Options = append(pr.Options, optionResult{Text: o, Votes: ps.counts[k]})
		}
		if ps.Answer >= 0 {
			a := ps.Answer
			pr.Correct = &a
		}
		out.Polls = append(out.Polls, pr)
	}
	for _, q := range r.questions {
		out.Questions = append(out.Questions, questionResult{ID: q.ID, Text: q.Text, Votes: len(q.Voters), State: q.State, Asked: time.UnixMilli(q.Asked).UTC().Format(time.RFC3339)})
	}
	slices.SortStableFunc(out.Questions, func(a, b questionResult) int { return b.Votes - a.Votes })
	return out
}

// resultsCSV writes res as CSV, one row per poll option and per question:
// kind, id, question, answer (the option or the question's text), votes,
// and "correct" for a quiz's right option or the question's state.
func resultsCSV(res resultsJSON) []byte {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"kind", "id", "question", "answer", "votes", "mark"})
	for _, p := range res.Polls {
		for k, o := range p.Options {
			mark := ""
			if p.Correct != nil && *p.Correct == k {
				mark = "correct"
			}
			w.Write([]string{"poll", p.ID, csvSafe(p.Question), csvSafe(o.Text), strconv.Itoa(o.Votes), mark})
		}
	}
	for _, q := range res.Questions {
		w.Write([]string{"question", strconv.Itoa(q.ID), "", csvSafe(q.Text), strconv.Itoa(q.Votes), q.State})
	}
	w.Flush()
	return []byte(b.String())
}

// csvSafe keeps a spreadsheet from reading an audience's text as a
// formula (CSV injection): a cell that starts with = + - @ or a tab gets
// a leading apostrophe.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// savedRoom is the room as kept on disk: votes and voters by device, so
// that a device that comes back after a restart finds its votes.
type savedRoom struct {
	Polls     []*pollState `json:"polls"`
	Questions []*question  `json:"questions"`
	NextQ     int          `json:"nextQuestion"`
}

// snapshot returns the room as kept on disk.
func (r *room) snapshot() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	sr := savedRoom{Polls: []*pollState{}, Questions: r.questions, NextQ: r.nextQ}
	for _, id := range slices.Sorted(maps.Keys(r.polls)) {
		sr.Polls = append(sr.Polls, r.polls[id])
	}
	if sr.Questions == nil {
		sr.Questions = []*question{}
	}
	b, _ := json.Marshal(sr)
	return b
}

// restore takes the room's state from b, as snapshot wrote it. Call it
// before setDeck.
func (r *room) restore(b []byte) error {
	var sr savedRoom
	if err := json.Unmarshal(b, &sr); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ps := range sr.Polls {
		if ps == nil || ps.ID == "" {
			continue
		}
		if ps.Votes == nil {
			ps.Votes = map[string]int{}
		}
		if ps.Status != pollOpen && ps.Status != pollClosed {
			ps.Status = pollWaiting
		}
		ps.recount()
		r.polls[ps.ID] = ps
	}
	for _, q := range sr.Questions {
		if q == nil {
			continue
		}
		if q.Voters == nil {
			q.Voters = map[string]bool{}
		}
		r.questions = append(r.questions, q)
		r.nextQ = max(r.nextQ, q.ID)
	}
	r.nextQ = max(r.nextQ, sr.NextQ)
	return nil
}

// resultsSaver writes the room to a file at most once a second, off the
// path of the votes that changed it, and once more when closed.
type resultsSaver struct {
	path string
	room *room
	logf func(string, ...any)

	mu     sync.Mutex
	due    bool
	closed bool
}

// resultsPath is where the results live beside a position file.
func resultsPath(positionPath string) string {
	if positionPath == "" {
		return ""
	}
	return strings.TrimSuffix(positionPath, ".json") + "-results.json"
}

// note says a save is due; it never blocks.
func (s *resultsSaver) note() {
	if s.path == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.due || s.closed {
		return
	}
	s.due = true
	time.AfterFunc(time.Second, func() {
		s.mu.Lock()
		s.due = false
		closed := s.closed
		s.mu.Unlock()
		if !closed {
			s.save()
		}
	})
}

// save writes the room now, atomically.
func (s *resultsSaver) save() {
	if s.path == "" {
		return
	}
	if err := writeAtomic(s.path, s.room.snapshot()); err != nil {
		s.logf("cannot keep the audience's results: %v", err)
	}
}

// close writes the room a last time; later changes are not saved.
func (s *resultsSaver) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.save()
}

// load reads the results file into the room, if there is one.
func (s *resultsSaver) load() {
	if s.path == "" {
		return
	}
	b, err := os.ReadFile(s.path)
	if err != nil {
		return
	}
	if err := s.room.restore(b); err != nil {
		s.logf("the audience's results in %s are unreadable (%v); starting afresh", s.path, err)
	}
}
