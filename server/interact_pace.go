package server

import (
	"bytes"
	"encoding/json"
	"sync"
	"time"

	"wiretalk/protocol"
)

// How the polls reach the pages (docs/messages.md, "The audience talks
// back"). The presenters get their copy at every flush that has a
// change: every vote moves their bars and their count of voters. A
// phone shows much less: the options and whether it may vote, and the
// counts only once the presenter revealed them. So the audience's copy
// carries no voters and no counts before the reveal, a vote leaves it as
// it was, and it goes nowhere: ten thousand votes cost the phones
// nothing but each voter's own answer (mine). A change of what a phone
// shows (a poll opened, closed, reset or revealed, its options) goes to
// the phones at once; after the reveal, the counts moving as late votes
// come reach the phones at most once every phoneEvery, latest-wins, and
// the projectors (a few pages, the big screen) at every flush.
//
// The same pace runs on an edge, whose copy comes from the presenter's
// server through the relay: an edge re-sends nothing its phones have.

// phoneEvery is how often at most the phones are sent counts that moved
// after a reveal.
const phoneEvery = time.Second

// pollsPace decides which pages get the audience's copy of polls, and
// when. Its methods are safe for concurrent use.
type pollsPace struct {
	hub   *hub
	every time.Duration

	mu       sync.Mutex
	seen     []byte             // the newest audience copy: projectors have it
	shape    string             // what phones show of the copy they have, counts aside (pollsShape)
	phonesAt time.Time          // when the phones were last sent a copy
	held     *protocol.Prepared // a newer copy for the phones, waiting for its turn
	timer    *time.Timer        // sends held; nil when none is due
	stopped  bool
}

func newPollsPace(h *hub) *pollsPace { return &pollsPace{hub: h, every: phoneEvery} }

// offer sends p, the presenters' copy (nil for none, as on an edge), to
// the presenters, and the audience's copy a to the audience pages that
// must see it: the projectors when it changed, the phones when what they
// show changed or phoneEvery has passed since their last copy (else it
// is held for them until then). It reports whether a changed, which is
// when a relay should carry it to the edges.
func (pp *pollsPace) offer(p, a *protocol.Prepared) bool {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	if pp.stopped {
		return false
	}
	if bytes.Equal(a.Payload(), pp.seen) {
		if p != nil {
			pp.hub.broadcastRoles(kindPolls, p, nil, nil)
		}
		return false
	}
	pp.seen = a.Payload()
	var phones *protocol.Prepared
	now := time.Now()
	if shape := pollsShape(a.Payload()); shape != pp.shape || now.Sub(pp.phonesAt) >= pp.every {
		phones, pp.shape, pp.phonesAt, pp.held = a, shape, now, nil
	} else {
		pp.held = a
		if pp.timer == nil {
			pp.timer = time.AfterFunc(pp.phonesAt.Add(pp.every).Sub(now), pp.due)
		}
	}
	pp.hub.broadcastRoles(kindPolls, p, a, phones)
	return true
}

// prime records a as the audience's copy every page has already (a page
// is sent the polls as they are when it joins: welcomeRoom), so that the
// flush that follows a server's start, bringing the same copy, sends the
// pages and the relay nothing.
func (pp *pollsPace) prime(a *protocol.Prepared) {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	pp.seen, pp.shape = a.Payload(), pollsShape(a.Payload())
}

// due sends the phones the copy held for them.
func (pp *pollsPace) due() {
	defer guard(pp.hub.logf, "the polls' pace", nil)
	pp.mu.Lock()
	defer pp.mu.Unlock()
	pp.timer = nil
	a := pp.held
	if a == nil || pp.stopped {
		return
	}
	// The phones may have been sent a newer shape since this was armed.
	if wait := time.Until(pp.phonesAt.Add(pp.every)); wait > 0 {
		pp.timer = time.AfterFunc(wait, pp.due)
		return
	}
	pp.held, pp.phonesAt = nil, time.Now()
	pp.hub.broadcastRoles(kindPolls, nil, nil, a)
}

// stop ends the held sends: the server is shutting down.
func (pp *pollsPace) stop() {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	pp.stopped = true
	if pp.timer != nil {
		pp.timer.Stop()
	}
}

// pollsShape is what a phone shows of an audience polls message, apart
// from the counts and voters that move after a reveal: two copies of the
// same shape differ only in those. A message that is no polls message is
// its own shape.
func pollsShape(b []byte) string {
	var m pollsMsg
	if json.Unmarshal(b, &m) != nil {
		return string(b)
	}
	for i := range m.Polls {
		m.Polls[i].Counts, m.Polls[i].Voters = nil, 0
	}
	out, _ := json.Marshal(m)
	return string(out)
}
