package server

import (
	"slices"

	"wiretalk/slides"
)

// Poll status: a poll waits until the talk first reaches its slide, is
// then open, and closed when the presenter closes it.
const (
	pollWaiting = "waiting"
	pollOpen    = "open"
	pollClosed  = "closed"
)

// pollState is one poll's state and votes.
type pollState struct {
	ID       string         `json:"id"`
	Question string         `json:"question"`
	Options  []string       `json:"options"`
	Answer   int            `json:"answer"` // -1: none
	Status   string         `json:"status"`
	Revealed bool           `json:"revealed"`
	Votes    map[string]int `json:"votes"` // device -> option
	counts   []int
}

func newPollState(p *slides.Poll) *pollState {
	ps := &pollState{ID: p.ID, Status: pollWaiting, Votes: map[string]int{}}
	ps.define(p)
	return ps
}

// define takes the question, options and answer from p: a named poll
// may change them. Votes for options that are gone are dropped.
func (ps *pollState) define(p *slides.Poll) {
	ps.Question, ps.Options, ps.Answer = p.Question, slices.Clone(p.Options), p.Answer
	ps.recount()
}

// recount rebuilds counts from Votes, dropping votes out of range.
func (ps *pollState) recount() {
	ps.counts = make([]int, len(ps.Options))
	for dev, o := range ps.Votes {
		if o < 0 || o >= len(ps.Options) {
			delete(ps.Votes, dev)
			continue
		}
		ps.counts[o]++
	}
}

// vote records device's vote for option in poll id, replacing its
// earlier vote in that poll.
func (r *room) vote(device, id string, option int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	ps, ok := r.polls[id]
	switch {
	case !ok || !slices.Contains(r.order, id):
		return refuse("no such poll")
	case ps.Status == pollWaiting:
		return refuse("the poll has not opened yet")
	case ps.Status == pollClosed:
		return refuse("the poll is closed")
	case option < 0 || option >= len(ps.Options):
		return refuse("no such option")
	}
	if old, voted := ps.Votes[device]; voted {
		if old == option {
			return nil
		}
		ps.counts[old]--
	}
	ps.Votes[device] = option
	ps.counts[option]++
	r.changedLocked(changedPolls)
	r.saved()
	return nil
}

// reached opens poll id if it has never been opened: the talk reached its
// slide.
func (r *room) reached(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ps, ok := r.polls[id]; ok && ps.Status == pollWaiting {
		ps.Status = pollOpen
		r.changedLocked(changedPolls)
		r.saved()
	}
}

// pollCommand applies a presenter's action to poll id: open (or reopen),
// close, reset (votes and reveal cleared), reveal, unreveal.
func (r *room) pollCommand(id, action string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	ps, ok := r.polls[id]
	if !ok {
		return refuse("no such poll")
	}
	switch action {
	case "open", "reopen":
		ps.Status = pollOpen
	case "close":
		ps.Status = pollClosed
	case "reset":
		clear(ps.Votes)
		ps.Revealed = false
		ps.recount()
	case "reveal":
		ps.Revealed = true
	case "unreveal":
		ps.Revealed = false
	default:
		return refuse("unknown poll action")
	}
	r.changedLocked(changedPolls)
	r.saved()
	return nil
}

// pollView is a poll as a page is shown it. The audience gets counts,
// voters and the answer only once the presenter revealed them: before,
// a vote changes nothing a phone shows (interact_pace.go).
type pollView struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Options  []string `json:"options"`
	Status   string   `json:"status"`
	Revealed bool     `json:"revealed"`
	Counts   []int    `json:"counts,omitempty"`
	Answer   *int     `json:"answer,omitempty"`
	Voters   int      `json:"voters,omitempty"`
	Steps    []int    `json:"steps"` // the deck's steps that show the poll
}

// pollViews returns the current deck's polls for presenters (everything)
// or for the audience.
func (r *room) pollViews(presenter bool) []pollView {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]pollView, 0, len(r.order))
	for _, id := range r.order {
		ps := r.polls[id]
		v := pollView{ID: ps.ID, Question: ps.Question, Options: ps.Options, Status: ps.Status, Revealed: ps.Revealed, Steps: r.steps[id]}
		if presenter || ps.Revealed {
			v.Voters = len(ps.Votes)
			v.Counts = slices.Clone(ps.counts)
			if ps.Answer >= 0 {
				a := ps.Answer
				v.Answer = &a
			}
		}
		out = append(out, v)
	}
	return out
}

// votesOf returns device's votes by poll ID.
func (r *room) votesOf(device string) map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for id, ps := range r.polls {
		if o, ok := ps.Votes[device]; ok {
			out[id] = o
		}
	}
	return out
}
