package server

import (
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"time"

	"wiretalk/slides"
)

// The audience talks back: polls, questions and reactions (docs/messages.md,
// "The audience talks back"). A room holds their state, apart from the
// talk's position: nothing a phone sends can move the talk.
//
// Phones are told the room's state as aggregates, never one message per
// vote: a change marks what changed, and a flush at most every flushEvery
// builds one message per kind for the presenters and one for the audience,
// which the hub delivers latest-wins. So ten thousand votes in a second
// cost the presenter ten messages, each holding the counts so far.

// Limits on what one device or socket may send (docs/messages.md).
const (
	maxQuestionRunes = 280                    // a question's length, in characters
	asksPerWindow    = 3                      // questions a device may ask...
	askWindow        = time.Minute            // ...within this window
	flushEvery       = 100 * time.Millisecond // aggregates go out at most 10 times a second
	floodBurst       = 20                     // messages a socket may send at once...
	floodRate        = 10                     // ...and per second after that; past it, 1008
)

// reactionEmoji are the reactions a phone may send.
func reactionEmoji() []string { return []string{"👍", "❤️", "😂", "😮", "👏", "🎉"} }

// A refusal is a clear answer to a phone whose message cannot be applied;
// it goes to that phone only.
type refusal struct{ reason string }

func (r *refusal) Error() string { return r.reason }

func refuse(reason string) error { return &refusal{reason} }

// whatChanged says which aggregates a flush must send.
type whatChanged uint8

const (
	changedPolls whatChanged = 1 << iota
	changedQuestions
	changedReactions
)

// room is the state of polls, questions and reactions. Its methods are
// safe for concurrent use.
type room struct {
	moderate bool
	now      func() time.Time
	// publish sends the aggregates of what changed; it is called by the
	// flush, outside mu.
	publish func(what whatChanged, r *room)
	// saved is called, with mu held, after a change worth keeping: it
	// must only note that a save is due (resultsSaver), never block.
	saved func()

	mu        sync.Mutex
	polls     map[string]*pollState
	order     []string         // IDs of the current deck's polls, in deck order
	steps     map[string][]int // the steps that show each of them
	questions []*question
	nextQ     int
	asks      map[string][]time.Time // device -> times of its recent questions
	reactions map[string]int         // taps since the last flush
	dirty     whatChanged
	flushDue  bool
	stopped   bool
}

func newRoom(moderate bool, publish func(whatChanged, *room), saved func()) *room {
	if saved == nil {
		saved = func() {}
	}
	return &room{
		moderate:  moderate,
		now:       time.Now,
		publish:   publish,
		saved:     saved,
		polls:     map[string]*pollState{},
		asks:      map[string][]time.Time{},
		reactions: map[string]int{},
	}
}

// changedLocked marks what changed and makes sure a flush will send it.
// Call with mu held.
func (r *room) changedLocked(what whatChanged) {
	r.dirty |= what
	if r.flushDue || r.stopped || r.publish == nil {
		return
	}
	r.flushDue = true
	time.AfterFunc(flushEvery, r.flush)
}

// flush sends the aggregates marked since the last flush.
func (r *room) flush() {
	r.mu.Lock()
	what := r.dirty
	r.dirty, r.flushDue = 0, false
	r.mu.Unlock()
	if what != 0 && r.publish != nil {
		r.publish(what, r)
	}
}

// stop ends the flushes: the server is shutting down.
func (r *room) stop() {
	r.mu.Lock()
	r.stopped = true
	r.mu.Unlock()
}

// audienceMsg is anything a phone sends.
type audienceMsg struct {
	Type     string `json:"type"`     // "vote", "ask", "upvote", "react"
	Poll     string `json:"poll"`     // vote
	Option   *int   `json:"option"`   // vote
	Text     string `json:"text"`     // ask
	Question int    `json:"question"` // upvote
	Emoji    string `json:"emoji"`    // react
}

// parseAudience reads a phone's message. A message that is not one at
// all (bad JSON, an unknown type) gets an error that is no *refusal,
// which closes the socket.
func parseAudience(raw []byte) (audienceMsg, error) {
	var m audienceMsg
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, errors.New("not a JSON message")
	}
	switch m.Type {
	case "vote", "ask", "upvote", "react":
		return m, nil
	}
	return m, errors.New("unknown message type")
}

// check makes the checks of a phone's message that need no poll or
// question: what an edge checks before the message crosses the relay.
func (m *audienceMsg) check() error {
	switch m.Type {
	case "vote":
		if m.Option == nil {
			return refuse("a vote needs an option")
		}
	case "ask":
		_, err := questionText(m.Text)
		return err
	case "react":
		if !validReaction(m.Emoji) {
			return refuse("not one of the reactions")
		}
	}
	return nil
}

// fromAudience applies one message of a phone, device. A message that
// cannot be applied gets a *refusal; a message that is not one at all
// (bad JSON, an unknown type) an error of its own, which closes the
// socket.
func (r *room) fromAudience(device string, raw []byte) error {
	m, err := parseAudience(raw)
	if err != nil {
		return err
	}
	if err := m.check(); err != nil {
		return err
	}
	switch m.Type {
	case "vote":
		return r.vote(device, m.Poll, *m.Option)
	case "ask":
		_, err := r.ask(device, m.Text)
		return err
	case "upvote":
		return r.upvote(device, m.Question)
	}
	return r.react(m.Emoji)
}

// atEdge makes the checks of fromAudience that need no poll or question,
// on an edge, before the message crosses the relay: the same limits as
// on the presenter's server, counted where the phone is. A question
// counts against device's 3 a minute here, and again on the presenter's
// server when it arrives.
func (r *room) atEdge(device string, raw []byte) (audienceMsg, error) {
	m, err := parseAudience(raw)
	if err != nil {
		return m, err
	}
	if err := m.check(); err != nil || m.Type != "ask" {
		return m, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return m, r.admitAskLocked(device, r.now())
}

func validReaction(emoji string) bool { return slices.Contains(reactionEmoji(), emoji) }

// react counts one tap on a reaction.
func (r *room) react(emoji string) error {
	if !validReaction(emoji) {
		return refuse("not one of the reactions")
	}
	r.mu.Lock()
	r.reactions[emoji]++
	r.changedLocked(changedReactions)
	r.mu.Unlock()
	return nil
}

// takeReactions returns the taps since the last call, by emoji.
func (r *room) takeReactions() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reactions
	r.reactions = map[string]int{}
	return out
}

// setDeck makes d's polls the current ones, in deck order. Polls known
// before keep their votes (a poll is the same poll while its ID is); a
// poll no longer in the deck stays in the results.
func (r *room) setDeck(d *slides.Deck) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.order = r.order[:0]
	r.steps = map[string][]int{}
	for _, s := range d.Slides {
		p := s.Poll
		if p != nil {
			r.steps[p.ID] = append(r.steps[p.ID], s.Index)
		}
		if p == nil || (len(r.order) > 0 && r.order[len(r.order)-1] == p.ID) {
			continue
		}
		r.order = append(r.order, p.ID)
		if ps, ok := r.polls[p.ID]; ok {
			ps.define(p)
			continue
		}
		r.polls[p.ID] = newPollState(p)
	}
	r.changedLocked(changedPolls)
}

// floodGate is a token bucket for one socket's messages.
type floodGate struct {
	tokens float64
	last   time.Time
}

// allow reports whether one more message at now keeps within floodBurst
// at once and floodRate a second.
func (g *floodGate) allow(now time.Time) bool {
	if g.last.IsZero() {
		g.tokens = floodBurst
	} else {
		g.tokens = min(floodBurst, g.tokens+now.Sub(g.last).Seconds()*floodRate)
	}
	g.last = now
	if g.tokens < 1 {
		return false
	}
	g.tokens--
	return true
}
