package server

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"

	"wiretalk/protocol"
)

// The room across a relay (docs/messages.md, "The relay"). The room lives
// on the presenter's server only. An edge checks what its phones send
// with the same limits (atEdge) and hands it on (RoomUpstream.SendRoom);
// the presenter's server applies it as it would its own phone's
// (FromEdge) and answers that socket, tells every tab of the device its
// own votes (RoomRelay.Mine), and hands the relay the aggregates its own
// audience pages get (RoomRelay.Aggregate), which every edge fans out
// through its hub (FromPresenter). server knows nothing of how any of it
// travels.

// Room message kinds that cross a relay: the audience's variants of the
// messages in interact_live.go and interact_heartbeat.go.
const (
	RoomPolls     = "polls"     // latest wins
	RoomQuestions = "questions" // latest wins
	RoomReactions = "reactions" // a burst: the taps since the last one
	RoomHeartbeat = "heartbeat" // the room's round-trip histogram
)

// RoomUpdate is one aggregate, as the presenter's own audience pages get
// it: Kind is one of the Room constants, JSON the message.
type RoomUpdate struct {
	Kind string
	JSON []byte
}

// RoomEvent is a phone's message, from a socket of an edge.
type RoomEvent struct {
	Device  string // the phone's device id, from its cookie; "" for an edge's reactions
	Message []byte // the phone's vote, ask or upvote as it sent it; {"type":"room"}, which asks for the device's own votes; or the edge's {"type":"reactions","counts":{…}}
}

// RoomAnswer is the presenter's answer to one RoomEvent, for the socket
// that sent it; the zero value means there is none.
type RoomAnswer struct {
	Reply  []byte // a "reply" message (accepted question, refusal), or nil
	Mine   []byte // the device's own votes ("mine"), or nil
	Failed string // the relay lost it or the presenter refused it: what the phone is told
}

// RoomRelay is what a relay gives the presenter's server to carry the
// room to its edges (RelayRoom). Every func must return at once.
type RoomRelay struct {
	Aggregate  func(RoomUpdate)              // each aggregate the audience pages get, as they get it
	Mine       func(device string, m []byte) // a device's own votes after it voted, on any server: for its tabs on every edge
	RoundTrips func() []float64              // the edges' phones' round trips in milliseconds, for the heartbeat
}

// RoomUpstream is an Upstream that carries the edge's phones' messages to
// the presenter's server (a relay). SendRoom must return at once; its
// error is what the phone is told ("the relay is down; try again").
// answer is called at most once, later, when the presenter answers the
// socket; it may never be called.
//
// With a nil answer the event expects none: reaction taps, which an edge
// counts itself and sends as {"type":"reactions","counts":{…}} at most
// every 100 ms. Connected reports whether an event sent now can arrive.
type RoomUpstream interface {
	SendRoom(ev RoomEvent, answer func(RoomAnswer)) error
	Connected() bool
}

// maxTapsPerFlush bounds one edge's reactions event: a generous cap (the
// flood limit lets a phone tap about once a flush), so that a forged event
// cannot add millions.
const maxTapsPerFlush = 1 << 20

// roomLink is a server's side of the room across a relay.
type roomLink struct {
	mu    sync.Mutex
	relay RoomRelay // on the presenter's server, once RelayRoom is called
	// On an edge: the newest aggregates from the presenter, for pages
	// that join.
	polls, questions *protocol.Prepared
}

// RelayRoom makes the presenter's server hand its room to r, starting
// with the polls and questions as they are now.
func (s *Server) RelayRoom(r RoomRelay) {
	s.link.mu.Lock()
	s.link.relay = r
	s.link.mu.Unlock()
	if r.Aggregate != nil {
		for _, u := range s.RoomNow() {
			r.Aggregate(u)
		}
	}
}

func (s *Server) roomRelay() RoomRelay {
	s.link.mu.Lock()
	defer s.link.mu.Unlock()
	return s.link.relay
}

// RoomNow returns the polls and questions as the audience sees them now,
// for a relay that must publish them again (its broker came back empty).
func (s *Server) RoomNow() []RoomUpdate {
	return []RoomUpdate{
		{Kind: RoomPolls, JSON: s.pollsMessage(false).Payload()},
		{Kind: RoomQuestions, JSON: s.questionsMessage(false).Payload()},
	}
}

// relayAggregate hands an audience aggregate to the relay, if any.
func (s *Server) relayAggregate(kind string, m *protocol.Prepared) {
	if f := s.roomRelay().Aggregate; f != nil {
		f(RoomUpdate{Kind: kind, JSON: m.Payload()})
	}
}

// edgeRoundTrips returns the edges' phones' round trips, if a relay
// reports them.
func (s *Server) edgeRoundTrips() []float64 {
	if f := s.roomRelay().RoundTrips; f != nil {
		return f()
	}
	return nil
}

// errBadDevice refuses an edge's event whose device id is none that
// deviceOf makes.
var errBadDevice = errors.New("not a device id")

// FromEdge applies a phone's message that an edge handed on, exactly as
// if the phone were connected here: one device has one vote, whichever
// server it came through. An error means the message is not one at all
// (the edge should have closed that socket); the relay logs it.
func (s *Server) FromEdge(ev RoomEvent) (RoomAnswer, error) {
	if s.upstream != nil {
		return RoomAnswer{}, errors.New("an edge has no room of its own")
	}
	head := messageType(ev.Message)
	if head == "reactions" { // an edge's taps since its last flush
		return RoomAnswer{}, s.room.addReactions(ev.Message)
	}
	if !validDevice(strings.TrimPrefix(ev.Device, "socket-")) {
		return RoomAnswer{}, errBadDevice
	}
	if head == "room" {
		return RoomAnswer{Mine: s.mineMessage(ev.Device).Payload()}, nil
	}
	reply, mine, err := s.applyAudience(ev.Device, head, ev.Message)
	if err != nil {
		return RoomAnswer{}, err
	}
	var a RoomAnswer
	if reply != nil {
		a.Reply = reply.Payload()
	}
	if mine {
		s.mineChanged(ev.Device)
	}
	return a, nil
}

// FromPresenter is an edge's: it sends an aggregate from the presenter's
// server to this edge's pages, as the presenter's server sends its own.
// On a server built by New it does nothing.
func (s *Server) FromPresenter(u RoomUpdate) {
	if s.upstream == nil {
		return
	}
	m := protocol.NewPrepared(protocol.OpText, u.JSON)
	switch u.Kind {
	case RoomPolls:
		s.link.mu.Lock()
		s.link.polls = m
		s.link.mu.Unlock()
		s.pace.offer(nil, m) // the phones only when what they show changed
	case RoomQuestions:
		s.link.mu.Lock()
		s.link.questions = m
		s.link.mu.Unlock()
		s.hub.broadcastRoles(kindQuestions, nil, m, m)
	case RoomReactions:
		s.hub.broadcastRoles(kindReactions, nil, m, nil)
	case RoomHeartbeat:
		s.hub.broadcastRoles(kindHeartbeat, nil, m, m)
	}
}

// MineFromPresenter is an edge's: device voted (through any server), and
// every socket of it here is told its own votes, m.
func (s *Server) MineFromPresenter(device string, m []byte) {
	if s.upstream == nil {
		return
	}
	if !s.hub.hasDevice(device) {
		return // most votes are of phones on other servers: no frame to build
	}
	s.hub.toDevice(device, 0, kindMine, protocol.NewPrepared(protocol.OpText, m))
}

// RoundTrips returns the round trip of every phone connected here that
// has answered a ping, in milliseconds: an edge's share of the room's
// heartbeat.
func (s *Server) RoundTrips() []float64 { return s.hub.roundTrips() }

// toPresenter hands a phone's message on an edge to the presenter's
// server, after the checks that need no poll; the answer comes back to
// this socket. A broken relay gets the phone a clear reply, never
// silence.
func (s *Server) toPresenter(c *client, typ string, msg []byte) error {
	m, err := s.room.atEdge(c.device, msg)
	var ref *refusal
	switch {
	case errors.As(err, &ref):
		c.send(kindReply, jsonMessage(replyMsg{Type: "reply", To: typ, Reason: ref.reason}))
		return nil
	case err != nil:
		return errNotForUs
	}
	if typ == "react" {
		// Counted here and sent as one event per flush: taps from ten
		// thousand phones are one message every 100 ms per edge.
		if up, ok := s.upstream.(RoomUpstream); ok && !up.Connected() {
			c.send(kindReply, jsonMessage(replyMsg{Type: "reply", To: typ, Reason: "the relay is down; try again"}))
			return nil
		}
		return s.room.react(m.Emoji) // checked by atEdge already
	}
	s.sendRoom(c, typ, msg)
	return nil
}

// publishEdgeRoom is an edge's room's flush: its taps go to the
// presenter's server as one event.
func (s *Server) publishEdgeRoom(what whatChanged, r *room) {
	up, ok := s.upstream.(RoomUpstream)
	if what&changedReactions == 0 || !ok {
		return
	}
	counts := r.takeReactions()
	if len(counts) == 0 {
		return
	}
	b, _ := json.Marshal(reactionsMsg{Type: "reactions", Counts: counts})
	if err := up.SendRoom(RoomEvent{Message: b}, nil); err != nil {
		s.logf("relay: %d kinds of reactions lost: %v", len(counts), err)
	}
}

// addReactions counts an edge's taps, {"type":"reactions","counts":{…}}.
func (r *room) addReactions(msg []byte) error {
	var m reactionsMsg
	if err := json.Unmarshal(msg, &m); err != nil {
		return errors.New("reactions: not JSON")
	}
	for e, n := range m.Counts {
		if !validReaction(e) || n <= 0 || n > maxTapsPerFlush {
			return errors.New("reactions: not one of the reactions, or a count out of range")
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for e, n := range m.Counts {
		r.reactions[e] += n
	}
	if len(m.Counts) > 0 {
		r.changedLocked(changedReactions)
	}
	return nil
}

// sendRoom hands msg of c to the upstream; typ names it in a refusal.
func (s *Server) sendRoom(c *client, typ string, msg []byte) {
	up, ok := s.upstream.(RoomUpstream)
	if !ok {
		if typ == "room" {
			return // nothing to ask: there is no room here
		}
		c.send(kindReply, jsonMessage(replyMsg{Type: "reply", To: typ, Reason: "this edge has no relay to the presenter's server"}))
		return
	}
	device, socket := c.device, c.id
	err := up.SendRoom(RoomEvent{Device: device, Message: msg}, func(a RoomAnswer) {
		if a.Failed != "" && typ != "room" {
			a.Reply = jsonMessage(replyMsg{Type: "reply", To: typ, Reason: a.Failed}).Payload()
		}
		if a.Reply != nil {
			s.hub.toDevice(device, socket, kindReply, protocol.NewPrepared(protocol.OpText, a.Reply))
		}
		if a.Mine != nil {
			s.hub.toDevice(device, socket, kindMine, protocol.NewPrepared(protocol.OpText, a.Mine))
		}
	})
	if err != nil && typ != "room" {
		c.send(kindReply, jsonMessage(replyMsg{Type: "reply", To: typ, Reason: err.Error()}))
	}
}

// messageType returns a message's "type", or "".
func messageType(msg []byte) string {
	var head struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(msg, &head) != nil {
		return ""
	}
	return head.Type
}
