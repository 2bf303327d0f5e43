package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"wiretalk/server"
)

// The room across the relay (docs/messages.md, "The relay"): polls,
// questions and reactions live on the presenter's server; an edge hands
// each phone's message on and fans the aggregates out.
//
//   - wiretalk.NAME.events.EDGE (core NATS, with a reply subject in the
//     edge's own inbox): a phone's message, with its device. The presenter
//     answers every one on that reply subject: the socket's reply (an
//     accepted question, a refusal) or nothing to say.
//   - wiretalk.NAME.mine (core NATS): a device's own votes after it voted
//     through any server, so that its tabs on every edge see it at once.
//   - wiretalk.NAME.room (core NATS): reaction bursts and the heartbeat
//     histogram, which are worth nothing once the next one exists.
//   - the bucket's keys polls and questions: the aggregates as the
//     audience sees them, latest wins, so that a late edge has them at once.
//
// Core NATS delivers at most once: an event lost with the broker is
// answered on the edge ("the relay is down; try again"), never dropped in
// silence.

// Keys of the talk's bucket for the room.
const (
	keyPolls     = "polls"     // roomRecord of kind polls
	keyQuestions = "questions" // roomRecord of kind questions
)

func eventSubject(talk, edge string) string { return "wiretalk." + talk + ".events." + edge }
func eventsSubject(talk string) string      { return "wiretalk." + talk + ".events.*" }
func mineSubject(talk string) string        { return "wiretalk." + talk + ".mine" }
func roomSubject(talk string) string        { return "wiretalk." + talk + ".room" }

// answerWait is how long an edge waits for the presenter's answer to an
// event before it tells the phone to try again.
const answerWait = 3 * time.Second

// Errors a phone on an edge is told, as the reply's reason.
var (
	errRelayDown   = errors.New("the relay is down; try again")
	errNoPresenter = errors.New("the presenter's server is not on the relay; try again")
	errNoAnswer    = errors.New("the presenter's server did not answer; try again")
)

type (
	eventRecord struct {
		header
		Edge    string          `json:"edge"`
		Device  string          `json:"device"`
		Message json.RawMessage `json:"message"` // the phone's message, as it sent it
	}
	answerRecord struct {
		header
		Reply   json.RawMessage `json:"reply,omitempty"`   // the socket's "reply" message
		Mine    json.RawMessage `json:"mine,omitempty"`    // the device's "mine" message
		Refused string          `json:"refused,omitempty"` // the event was not applied: why
	}
	mineRecord struct {
		header
		Device string          `json:"device"`
		Mine   json.RawMessage `json:"mine"`
	}
	roomRecord struct {
		header
		Kind    string          `json:"kind"`    // polls, questions, reactions, heartbeat
		Message json.RawMessage `json:"message"` // as the presenter's audience pages get it
	}
)

// roomTalk is a Talk whose room crosses the relay; *server.Server is one.
type roomTalk interface {
	RelayRoom(server.RoomRelay)
	RoomNow() []server.RoomUpdate
	FromEdge(server.RoomEvent) (server.RoomAnswer, error)
}

// presenterRoom is the presenter's side: it applies the edges' events
// and publishes the aggregates.
type presenterRoom struct {
	p    *Presenter
	talk roomTalk
	sub  *nats.Subscription
	due  chan struct{} // a latest-wins aggregate waits to be put

	mu   sync.Mutex
	next map[string][]byte // kind -> the newest record not yet in the bucket
}

func (p *Presenter) startRoom(t roomTalk) error {
	r := &presenterRoom{p: p, talk: t, due: make(chan struct{}, 1), next: map[string][]byte{}}
	sub, err := p.nc.Subscribe(eventsSubject(p.o.Talk), r.event)
	if err != nil {
		return err
	}
	r.sub = sub
	if err := p.nc.Flush(); err != nil { // the broker has the subscription: events from now on arrive
		sub.Unsubscribe()
		return err
	}
	p.room = r
	t.RelayRoom(server.RoomRelay{Aggregate: r.aggregate, Mine: r.mine, RoundTrips: p.counts.roundTrips})
	return nil
}

// event applies one edge's event and answers it.
func (r *presenterRoom) event(m *nats.Msg) {
	var ev eventRecord
	answer := answerRecord{header: r.p.hdr}
	err := decode("event", m.Data, r.p.hdr, &ev)
	if err == nil && !strings.HasSuffix(m.Subject, "."+ev.Edge) {
		err = fmt.Errorf("an event of edge %q on %s", ev.Edge, m.Subject)
	}
	if err == nil {
		var a server.RoomAnswer
		a, err = r.talk.FromEdge(server.RoomEvent{Device: ev.Device, Message: ev.Message})
		answer.Reply, answer.Mine = a.Reply, a.Mine
	}
	if err != nil {
		r.p.o.Logf("relay: an edge's event refused: %v", err)
		answer.Refused = err.Error()
	}
	if m.Reply != "" {
		b, _ := json.Marshal(answer)
		m.Respond(b)
	}
}

// aggregate publishes one of the room's aggregates: polls and questions
// into the bucket (by the room loop, latest wins), bursts on the room's
// subject. It returns at once.
func (r *presenterRoom) aggregate(u server.RoomUpdate) {
	b, _ := json.Marshal(roomRecord{header: r.p.hdr, Kind: u.Kind, Message: u.JSON})
	switch u.Kind {
	case server.RoomPolls, server.RoomQuestions:
		r.mu.Lock()
		r.next[u.Kind] = b
		r.mu.Unlock()
		select {
		case r.due <- struct{}{}:
		default:
		}
	default:
		if r.p.nc.IsConnected() { // a burst buffered through an outage is worth nothing
			r.p.nc.Publish(roomSubject(r.p.o.Talk), b)
		}
	}
}

// mine tells every edge a device's own votes.
func (r *presenterRoom) mine(device string, m []byte) {
	if r.p.nc.IsConnected() {
		b, _ := json.Marshal(mineRecord{header: r.p.hdr, Device: device, Mine: m})
		r.p.nc.Publish(mineSubject(r.p.o.Talk), b)
	}
}

// again puts the room's aggregates into the bucket again: the broker may
// have come back without them.
func (r *presenterRoom) again() {
	for _, u := range r.talk.RoomNow() {
		r.aggregate(u)
	}
}

// loop puts the newest polls and questions into the bucket until done
// closes, trying again after a failure.
func (r *presenterRoom) loop(ctx context.Context) {
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.due:
		case <-retry.C:
		}
		r.mu.Lock()
		next := r.next
		r.next = map[string][]byte{}
		r.mu.Unlock()
		for kind, b := range next {
			if err := r.p.putRaw(ctx, kind, b); err != nil {
				r.mu.Lock()
				if _, newer := r.next[kind]; !newer {
					r.next[kind] = b
				}
				r.mu.Unlock()
				retry.Reset(retryEvery)
			}
		}
	}
}

func (r *presenterRoom) close() { r.sub.Unsubscribe() }

// edgeRoom is an edge's side: its events in flight and the aggregates.
type edgeRoom struct {
	e     *Edge
	inbox string // the edge's own reply subjects: inbox.N
	subs  []*nats.Subscription

	mu      sync.Mutex
	seq     uint64
	pending map[uint64]waiting
	latest  map[string][]byte // polls and questions, for Serve
	beat    time.Time         // the last heartbeat: while it comes, report round trips
	every   time.Duration     // the time between the last two heartbeats
}

type waiting struct {
	answer func(server.RoomAnswer)
	since  time.Time
}

func (e *Edge) startRoom() error {
	r := &edgeRoom{e: e, inbox: e.nc.NewInbox(), pending: map[uint64]waiting{}, latest: map[string][]byte{}}
	for subj, f := range map[string]nats.MsgHandler{
		r.inbox + ".*":        r.answered,
		mineSubject(e.o.Talk): r.mine,
		roomSubject(e.o.Talk): r.burst,
	} {
		sub, err := e.nc.Subscribe(subj, f)
		if err != nil {
			r.close()
			return err
		}
		r.subs = append(r.subs, sub)
	}
	if err := e.nc.Flush(); err != nil {
		r.close()
		return err
	}
	e.room = r
	go r.expire(e.stop)
	return nil
}

func (r *edgeRoom) close() {
	for _, s := range r.subs {
		s.Unsubscribe()
	}
}

// SendRoom is server.RoomUpstream's: it hands a phone's message to the
// presenter's server; answer gets what it says back.
func (e *Edge) SendRoom(ev server.RoomEvent, answer func(server.RoomAnswer)) error {
	if !e.nc.IsConnected() {
		return errRelayDown // nats.go would buffer it, and the phone wait in vain
	}
	r := e.room
	b, err := json.Marshal(eventRecord{header: e.hdr, Edge: e.name, Device: ev.Device, Message: ev.Message})
	if err != nil {
		return errors.New("not a JSON message")
	}
	if answer == nil { // the edge's taps: nothing to answer
		if e.nc.Publish(eventSubject(e.o.Talk, e.name), b) != nil {
			return errRelayDown
		}
		return nil
	}
	r.mu.Lock()
	r.seq++
	id := r.seq
	r.pending[id] = waiting{answer: answer, since: time.Now()}
	r.mu.Unlock()
	if err := e.nc.PublishRequest(eventSubject(e.o.Talk, e.name), r.inbox+"."+strconv.FormatUint(id, 10), b); err != nil {
		r.take(id)
		return errRelayDown
	}
	return nil
}

func (r *edgeRoom) take(id uint64) (waiting, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	w, ok := r.pending[id]
	delete(r.pending, id)
	return w, ok
}

// answered hands the presenter's answer to the socket that asked.
func (r *edgeRoom) answered(m *nats.Msg) {
	id, err := strconv.ParseUint(m.Subject[strings.LastIndexByte(m.Subject, '.')+1:], 10, 64)
	if err != nil {
		return
	}
	w, ok := r.take(id)
	if !ok {
		return // too late: the phone was told to try again
	}
	if m.Header.Get("Status") == "503" { // no responders: no presenter subscribes
		w.answer(server.RoomAnswer{Failed: errNoPresenter.Error()})
		return
	}
	var a answerRecord
	if err := decode("answer", m.Data, r.e.hdr, &a); err != nil {
		r.e.o.Logf("relay: %v", err)
		w.answer(server.RoomAnswer{Failed: err.Error()})
		return
	}
	if a.Refused != "" {
		w.answer(server.RoomAnswer{Failed: "the presenter's server refused it: " + a.Refused})
		return
	}
	w.answer(server.RoomAnswer{Reply: a.Reply, Mine: a.Mine})
}

// expire tells the phones whose events got no answer in time to try
// again, until stop closes.
func (r *edgeRoom) expire(stop <-chan struct{}) {
	tick := time.NewTicker(answerWait / 4)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		var late []waiting
		r.mu.Lock()
		for id, w := range r.pending {
			if time.Since(w.since) > answerWait {
				late = append(late, w)
				delete(r.pending, id)
			}
		}
		r.mu.Unlock()
		for _, w := range late {
			w.answer(server.RoomAnswer{Failed: errNoAnswer.Error()})
		}
	}
}

func (r *edgeRoom) mine(m *nats.Msg) {
	var rec mineRecord
	if err := decode("mine", m.Data, r.e.hdr, &rec); err != nil {
		r.e.o.Logf("relay: %v", err)
		return
	}
	if srv := r.e.server(); srv != nil {
		srv.MineFromPresenter(rec.Device, rec.Mine)
	}
}

func (r *edgeRoom) burst(m *nats.Msg) {
	var rec roomRecord
	if err := decode("room", m.Data, r.e.hdr, &rec); err != nil {
		r.e.o.Logf("relay: %v", err)
		return
	}
	if rec.Kind == server.RoomHeartbeat {
		r.heard(time.Now())
	}
	if srv := r.e.server(); srv != nil {
		srv.FromPresenter(server.RoomUpdate{Kind: rec.Kind, JSON: rec.Message})
	}
}

// aggregate takes polls or questions from the bucket.
func (r *edgeRoom) aggregate(key string, b []byte) error {
	var rec roomRecord
	if err := decode(key, b, r.e.hdr, &rec); err != nil {
		return err
	}
	r.mu.Lock()
	r.latest[rec.Kind] = rec.Message
	r.mu.Unlock()
	if srv := r.e.server(); srv != nil {
		srv.FromPresenter(server.RoomUpdate{Kind: rec.Kind, JSON: rec.Message})
	}
	return nil
}

// serve brings srv the newest polls and questions.
func (r *edgeRoom) serve(srv *server.Server) {
	r.mu.Lock()
	latest := make(map[string][]byte, len(r.latest))
	for k, v := range r.latest {
		latest[k] = v
	}
	r.mu.Unlock()
	for kind, b := range latest {
		srv.FromPresenter(server.RoomUpdate{Kind: kind, JSON: b})
	}
}

// heard notes a heartbeat from the presenter's server at now.
func (r *edgeRoom) heard(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.beat.IsZero() {
		r.every = now.Sub(r.beat)
	}
	r.beat = now
}

// beating reports whether the heartbeat still comes at now: within twice
// its own period (one beat a ping interval, 15 s by default) and never
// less than 5 s, so a report between two beats carries the round trips.
func (r *edgeRoom) beating(now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.beat.IsZero() && now.Sub(r.beat) < max(5*time.Second, 2*r.every)
}

// roundTrips returns the edge's phones' round trips while the presenter
// sends a heartbeat (a deck with a heartbeat slide), else nil.
func (r *edgeRoom) roundTrips(srv *server.Server) []float64 {
	if !r.beating(time.Now()) {
		return nil
	}
	rtts := srv.RoundTrips()
	for i, v := range rtts {
		rtts[i] = float64(int(v*10+0.5)) / 10 // 0.1 ms is plenty, and short on the wire
	}
	return rtts
}
