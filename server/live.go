package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"wiretalk/protocol"
	"wiretalk/slides"
)

// Limits of the live sockets. Pages send little: the audience votes,
// questions, upvotes and reactions (interact.go), the presenter small
// commands.
const (
	audienceReadLimit  = 2048 // a question of 280 characters, escaped (interact.go)
	presenterReadLimit = 4096
)

// Messages on the live sockets (docs/messages.md).
type (
	helloMsg struct {
		Type  string `json:"type"` // "hello"
		Role  string `json:"role"`
		Study bool   `json:"study"`
	}
	stateMsg struct {
		Type     string `json:"type"` // "state"
		Deck     string `json:"deck"`
		Index    int    `json:"index"`
		Blackout bool   `json:"blackout"`
	}
	countMsg struct {
		Type  string `json:"type"` // "audience"
		Count int    `json:"count"`
	}
	problemsMsg struct {
		Type     string           `json:"type"` // "problems"
		Problems []slides.Problem `json:"problems"`
	}
)

// stateMessage builds the state frame for the current position. Call
// with s.mu held.
func (s *Server) stateMessage() *protocol.Prepared {
	return jsonMessage(stateMsg{Type: "state", Deck: s.view.version, Index: s.pos.Index, Blackout: s.pos.Blackout})
}

func (s *Server) acceptOptions(limit int64) *protocol.AcceptOptions {
	opts := &protocol.AcceptOptions{CheckOrigin: s.checkOrigin, ReadLimit: limit, CloseTimeout: 2 * time.Second}
	if s.cfg.Deflate {
		opts.Deflate = &protocol.DeflateOptions{NoContextTakeover: true, PeerNoContextTakeover: true, Threshold: 128}
	}
	return opts
}

// serveAudienceSocket follows the talk: hello, the current state, then
// every change. A page may send votes, questions, upvotes and reactions
// (interact.go), never a command: a page that sends anything else (such
// as trying to move the slides), or floods, is closed with 1008.
func (s *Server) serveAudienceSocket(w http.ResponseWriter, r *http.Request) {
	if !s.acquireConn(w, r) {
		return
	}
	conn, err := protocol.Accept(w, r, s.acceptOptions(audienceReadLimit))
	if err != nil {
		s.releaseConn()
		return // Accept answered the HTTP error
	}
	s.live(conn, socketPage{projector: r.URL.Query().Has("projector"), device: deviceOf(r)}, s.releaseConn)
}

// servePresenterSocket carries the presenter's commands. It needs the
// presenter's session cookie (or key).
func (s *Server) servePresenterSocket(w http.ResponseWriter, r *http.Request) {
	ok, _, limited := s.auth.check(r)
	if limited {
		http.Error(w, "too many attempts; wait a minute", http.StatusTooManyRequests)
		return
	}
	if !ok {
		s.logf("presenter socket refused from %s: no presenter key", clientIP(r))
		http.Error(w, "presenter key required", http.StatusForbidden)
		return
	}
	conn, err := protocol.Accept(w, r, s.acceptOptions(presenterReadLimit))
	if err != nil {
		return
	}
	s.live(conn, socketPage{presenter: true}, func() {})
}

// live joins a page to the hub on the handler's goroutine, then reads
// its socket on a goroutine of its own until it closes, and calls done.
//
// The handler returns at once: net/http keeps a connection's state alive
// while its handler runs, which would more than double the memory of an
// idle phone. And the reading goroutine never does the join's work (the
// JSON, the first writes), whose stack it would keep: the runtime does
// not shrink a 4 KiB stack under a read waiting 1 KiB deep, so an idle
// audience socket keeps the 2 KiB it started with.
func (s *Server) live(conn *protocol.Conn, pg socketPage, done func()) {
	presenter := pg.presenter
	what := "the presenter's socket"
	if !presenter {
		what = "an audience socket"
	}
	c := s.join(conn, pg, what)
	if c == nil {
		conn.CloseNow()
		done()
		return
	}
	go func() {
		defer done()
		defer conn.CloseNow() // after the hub forgets the page (defers run last first)
		defer s.hub.remove(c)
		defer guard(s.logf, what, nil)
		s.readCommands(c)
	}()
}

// join sends hello and the current state and adds the page to the hub;
// nil if the socket failed first, or join panicked.
func (s *Server) join(conn *protocol.Conn, pg socketPage, what string) (c *client) {
	presenter := pg.presenter
	defer guard(s.logf, what, func() {
		if c != nil {
			s.hub.remove(c)
			c = nil
		}
	})
	ctx := context.Background()
	// hello and the current state go out before the client joins the hub's
	// broadcasts; a change racing with this is delivered after it by the
	// hub (latest wins), so the page always ends on the newest state.
	if err := conn.WritePrepared(ctx, jsonMessage(helloMsg{Type: "hello", Role: roleName(presenter), Study: s.cfg.Study})); err != nil {
		return nil
	}
	c = s.hub.add(conn, pg)
	s.welcome(c)
	s.welcomeRoom(c)
	conn.StartHeartbeat(s.cfg.PingInterval, s.cfg.PingInterval)
	return c
}

// welcome sends c the current state, and a presenter the deck's problems.
// It holds s.mu, so that a change racing with it is sent after it.
func (s *Server) welcome(c *client) {
	s.mu.Lock()
	defer s.mu.Unlock() // even in a panic, which join's guard stops
	if c.presenter {
		c.hold(kindProblems, jsonMessage(problemsMsg{Type: "problems", Problems: nonNilProblems(s.problems)}))
		if m := s.relayFrameLocked(); m != nil {
			c.hold(kindRelay, m)
		}
		c.hold(kindTimer, s.timer.message(time.Now()))
	}
	c.send(kindState, s.state) // then the problems, then the count (see take)
}

// readCommands reads the page's messages until the socket closes: the
// presenter's commands, an audience page's votes, questions, upvotes and
// reactions. An audience page that sends anything else, or more than
// floodBurst messages at once or floodRate a second, is closed with 1008.
func (s *Server) readCommands(c *client) {
	ctx := context.Background()
	conn, presenter := c.conn, c.presenter
	var gate floodGate
	for {
		op, msg, err := conn.Read(ctx)
		if err != nil {
			// A limit or a broken client: say which, for the presenter.
			var pe *protocol.ProtocolError
			if errors.As(err, &pe) {
				s.logf("%s socket %s failed: %s; closed with %s", roleName(presenter), conn.RemoteAddr(), pe.Reason, pe.Code)
			}
			return
		}
		if !presenter {
			if !gate.allow(time.Now()) {
				s.logf("audience socket %s sent more than %d messages at once or %d a second; closing it (1008)", conn.RemoteAddr(), floodBurst, floodRate)
				conn.Close(protocol.StatusPolicyViolation, "too many messages")
				return
			}
			// Applied by the room's workers, off this goroutine, whose
			// stack lasts as long as the phone (interact_inbox.go).
			if !s.inbox.put(c, op, msg) {
				return
			}
			continue
		}
		s.command(msg)
	}
}

// socketPage is what a socket's request says of its page.
type socketPage struct {
	presenter bool
	projector bool   // an audience page that shows the room (?projector)
	device    string // an audience page's device (interact_live.go)
}

func roleName(presenter bool) string {
	if presenter {
		return "presenter"
	}
	return "audience"
}

// moveLocked sets the position, hands it to the saver, which writes it
// later on a goroutine of its own, and tells every page. The saver hears
// first, so that a page that has seen a move knows a Shutdown after it
// will keep it. Call with s.mu held.
func (s *Server) moveLocked(p position) {
	s.pos = p
	s.saver.set(p)
	s.state = s.stateMessage()
	s.hub.broadcast(kindState, s.state)
	s.notifyLocked()
	s.reachedLocked()
}

func nonNilProblems(p []slides.Problem) []slides.Problem {
	if p == nil {
		return []slides.Problem{}
	}
	return p
}
