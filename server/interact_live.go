package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"wiretalk/protocol"
	"wiretalk/slides"
)

// How the room (interact.go) meets the sockets: a device's cookie, the
// audience's messages, the presenter's poll and question commands, the
// aggregates sent out, and the results routes.

// deviceCookie names the cookie that holds a device's random id. There
// are no accounts: a device is a browser profile, and a private window is
// a new device (docs/RELIABILITY.md).
const deviceCookie = "wiretalk_device"

// Messages of the room (docs/messages.md, "The audience talks back").
type (
	pollsMsg struct {
		Type  string     `json:"type"` // "polls"
		Polls []pollView `json:"polls"`
	}
	questionsMsg struct {
		Type      string         `json:"type"` // "questions"
		Questions []questionView `json:"questions"`
		Moderated bool           `json:"moderated"`
	}
	reactionsMsg struct {
		Type   string         `json:"type"` // "reactions"
		Counts map[string]int `json:"counts"`
		Emoji  []string       `json:"emoji"`
	}
	mineMsg struct {
		Type    string         `json:"type"` // "mine"
		Votes   map[string]int `json:"votes"`
		Upvoted []int          `json:"upvoted"`
		Emoji   []string       `json:"emoji"`
	}
	replyMsg struct {
		Type   string `json:"type"` // "reply"
		To     string `json:"to"`
		OK     bool   `json:"ok"`
		Reason string `json:"reason,omitempty"`
	}
	roomCommandMsg struct {
		Type     string `json:"type"` // "poll" or "question"
		Poll     string `json:"poll"`
		Question int    `json:"question"`
		Action   string `json:"action"`
	}
)

// publishRoom sends the aggregates of what changed: called by the room's
// flush, at most every flushEvery. The presenters' copies go first, on a
// path of their own (broadcastRoles); the polls reach the phones only
// when what they show changed (interact_pace.go). A relay gets the
// audience's copies, for its edges, when they changed.
func (s *Server) publishRoom(what whatChanged, r *room) {
	defer guard(s.logf, "the room's aggregates", nil)
	if what&changedPolls != 0 {
		a := s.pollsMessage(false)
		if s.pace.offer(s.pollsMessage(true), a) {
			s.relayAggregate(RoomPolls, a)
		}
	}
	if what&changedQuestions != 0 {
		a := s.questionsMessage(false)
		s.hub.broadcastRoles(kindQuestions, s.questionsMessage(true), a, a)
		s.relayAggregate(RoomQuestions, a)
	}
	if what&changedReactions != 0 {
		m := jsonMessage(reactionsMsg{Type: "reactions", Counts: r.takeReactions(), Emoji: reactionEmoji()})
		s.hub.broadcastRoles(kindReactions, m, m, nil)
		s.relayAggregate(RoomReactions, m)
	}
}

func (s *Server) pollsMessage(presenter bool) *protocol.Prepared {
	return jsonMessage(pollsMsg{Type: "polls", Polls: s.room.pollViews(presenter)})
}

func (s *Server) questionsMessage(presenter bool) *protocol.Prepared {
	return jsonMessage(questionsMsg{Type: "questions", Questions: s.room.questionViews(presenter), Moderated: s.room.moderate})
}

// welcomeRoom sends a page that joined the room as it is now, and a
// phone its own votes. On an edge the room is the presenter's: the
// newest aggregates it sent, and the device's votes asked of it.
func (s *Server) welcomeRoom(c *client) {
	if s.upstream != nil {
		s.link.mu.Lock()
		polls, questions := s.link.polls, s.link.questions
		s.link.mu.Unlock()
		if polls != nil {
			c.send(kindPolls, polls)
		}
		if questions != nil {
			c.send(kindQuestions, questions)
		}
		s.sendRoom(c, "room", []byte(`{"type":"room"}`))
		return
	}
	c.send(kindPolls, s.pollsMessage(c.presenter))
	c.send(kindQuestions, s.questionsMessage(c.presenter))
	if !c.presenter {
		c.send(kindMine, s.mineMessage(c.device))
	}
}

// mineMessage is device's own votes and upvotes.
func (s *Server) mineMessage(device string) *protocol.Prepared {
	return jsonMessage(mineMsg{Type: "mine", Votes: s.room.votesOf(device), Upvoted: s.room.upvotedBy(device), Emoji: reactionEmoji()})
}

// mineChanged tells every socket of device its own votes: every tab of
// the browser here, and through a relay those on the edges.
func (s *Server) mineChanged(device string) {
	m := s.mineMessage(device)
	s.hub.toDevice(device, 0, kindMine, m)
	if f := s.roomRelay().Mine; f != nil {
		f(device, m.Payload())
	}
}

// errNotForUs is a message no audience page sends: the socket is closed
// with 1008.
var errNotForUs = errors.New("audience sockets send only votes, questions, upvotes and reactions")

// fromAudience applies one message from a phone and answers it; an error
// means the socket must be closed with 1008. On an edge the message goes
// to the presenter's server, which answers.
func (s *Server) fromAudience(c *client, op protocol.Opcode, msg []byte) error {
	if op != protocol.OpText {
		return errNotForUs
	}
	typ := messageType(msg)
	switch typ {
	case "vote", "ask", "upvote", "react":
	case "room": // the page's room module loaded after the welcome
		s.welcomeRoom(c)
		return nil
	case "projector": // this page shows the room: reactions too
		s.hub.setProjector(c)
		return nil
	default:
		return errNotForUs
	}
	if s.upstream != nil {
		return s.toPresenter(c, typ, msg)
	}
	reply, mine, err := s.applyAudience(c.device, typ, msg)
	if err != nil {
		return err
	}
	if reply != nil {
		c.send(kindReply, reply)
	}
	if mine {
		s.mineChanged(c.device)
	}
	return nil
}

// applyAudience applies one message of device, of type typ (messageType),
// from this server's phones or an edge's: the reply for its socket (nil
// for none), and whether the device's own votes changed. An error means
// msg is no audience message.
func (s *Server) applyAudience(device, typ string, msg []byte) (reply *protocol.Prepared, mine bool, err error) {
	err = s.room.fromAudience(device, msg)
	var ref *refusal
	switch {
	case errors.As(err, &ref):
		return jsonMessage(replyMsg{Type: "reply", To: typ, Reason: ref.reason}), false, nil
	case err != nil:
		return nil, false, errNotForUs
	}
	switch typ {
	case "vote", "upvote":
		return nil, true, nil
	case "ask":
		return jsonMessage(replyMsg{Type: "reply", To: "ask", OK: true}), false, nil
	}
	return nil, false, nil
}

// roomCommand applies a presenter's poll or question command; it reports
// whether msg was one.
func (s *Server) roomCommand(msg []byte) bool {
	var cmd roomCommandMsg
	if json.Unmarshal(msg, &cmd) != nil {
		return false
	}
	var err error
	switch cmd.Type {
	case "poll":
		err = s.room.pollCommand(cmd.Poll, cmd.Action)
	case "question":
		err = s.room.questionCommand(cmd.Question, cmd.Action)
	default:
		return false
	}
	if err != nil {
		s.logf("presenter: %s %s: %v", cmd.Type, cmd.Action, err)
	}
	return true
}

// reachedLocked opens the poll of the step on screen, if it has one that
// never opened. Call with s.mu held.
func (s *Server) reachedLocked() {
	if i := s.pos.Index; i >= 0 && i < len(s.view.deck.Slides) {
		if p := s.view.deck.Slides[i].Poll; p != nil {
			s.room.reached(p.ID)
		}
	}
}

// deviceOf returns the request's device id, or a new one for this socket
// alone when the browser sent no cookie.
func deviceOf(r *http.Request) string {
	if c, err := r.Cookie(deviceCookie); err == nil && validDevice(c.Value) {
		return c.Value
	}
	return "socket-" + newDeviceID()
}

func newDeviceID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func validDevice(v string) bool {
	if len(v) != 32 {
		return false
	}
	_, err := hex.DecodeString(v)
	return err == nil
}

// ensureDevice gives a browser without a device cookie a new one, on the
// audience page. It lasts a year and is not readable by scripts.
func (s *Server) ensureDevice(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(deviceCookie); err == nil && validDevice(c.Value) {
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: deviceCookie, Value: newDeviceID(), Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	})
}

// serveResults returns the results as JSON, or as CSV for
// /api/results.csv; only to the presenter.
func (s *Server) serveResults(w http.ResponseWriter, r *http.Request) {
	ok, _, limited := s.auth.check(r)
	switch {
	case limited:
		http.Error(w, "too many attempts; wait a minute", http.StatusTooManyRequests)
		return
	case !ok:
		http.Error(w, "presenter key required", http.StatusForbidden)
		return
	}
	res := s.room.results()
	w.Header().Set("Cache-Control", "no-store")
	stamp := time.Now().UTC().Format("20060102-150405")
	if r.URL.Path == "/api/results.csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="wiretalk-results-`+stamp+`.csv"`)
		w.Write(resultsCSV(res))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Query().Has("download") {
		w.Header().Set("Content-Disposition", `attachment; filename="wiretalk-results-`+stamp+`.json"`)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(res)
}

// WriteResults writes the results as JSON to path (serve -results).
func (s *Server) WriteResults(path string) error {
	b, err := json.MarshalIndent(s.room.results(), "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(path, append(b, '\n'))
}

// openRoom builds the room for deck d, with its results kept at path
// ("" keeps none). New and NewEdge call it once the hub exists.
func (s *Server) openRoom(path string, d *slides.Deck) {
	s.results = &resultsSaver{path: path, logf: s.logf}
	s.pace = newPollsPace(s.hub)
	s.inbox = startInbox(s.applyAudienceItem)
	publish := s.publishRoom
	if s.upstream != nil {
		// An edge's room only counts its phones' questions and taps: the
		// room is the presenter's (interact_relay.go).
		publish = s.publishEdgeRoom
	}
	s.room = newRoom(s.cfg.Moderate, publish, s.results.note)
	s.results.room = s.room
	s.results.load()
	s.room.setDeck(d)
}

// startHeartbeat starts the room heartbeat's timer; New and NewEdge call
// it last, once the server is built.
func (s *Server) startHeartbeat() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.heartbeatTimer = time.AfterFunc(s.heartbeatEvery(), s.sendHeartbeat)
}

// closeRoom stops the room's flushes and saves it a last time.
func (s *Server) closeRoom(context.Context) {
	s.mu.Lock()
	s.heartbeatStop = true
	s.heartbeatTimer.Stop()
	s.mu.Unlock()
	s.room.stop()
	s.pace.stop()
	s.inbox.stop()
	s.results.close()
}
