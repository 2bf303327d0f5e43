package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"wiretalk/protocol"
)

// memRelay carries the room between a presenter's server and edges in
// memory, as package relay does through a broker: it proves the seam in
// server alone. relay/ proves it through NATS.
type memRelay struct {
	presenter *Server
	edges     []*Server
	down      atomic.Bool // the broker is unreachable
}

func (m *memRelay) DeckFile(string) ([]byte, bool) { return nil, false }

func (m *memRelay) SendRoom(ev RoomEvent, answer func(RoomAnswer)) error {
	if m.down.Load() {
		return errors.New("the relay is down; try again")
	}
	ev.Message = bytes.Clone(ev.Message) // the socket's next read reuses it
	go func() {
		a, err := m.presenter.FromEdge(ev)
		if err == nil && answer != nil && (a.Reply != nil || a.Mine != nil) {
			answer(a)
		}
	}()
	return nil
}

func (m *memRelay) Connected() bool { return !m.down.Load() }

// newMemRelay serves the presenter's server ts and n edges of it.
func newMemRelay(t *testing.T, ts *testServer, n int) (*memRelay, []*testServer) {
	t.Helper()
	m := &memRelay{presenter: ts.Server}
	var edges []*testServer
	for range n {
		e := newTestEdge(t, m, ts.State())
		m.edges = append(m.edges, e.Server)
		edges = append(edges, e)
	}
	ts.RelayRoom(RoomRelay{
		Aggregate: func(u RoomUpdate) {
			for _, e := range m.edges {
				e.FromPresenter(u)
			}
		},
		Mine: func(device string, b []byte) {
			for _, e := range m.edges {
				e.MineFromPresenter(device, b)
			}
		},
		RoundTrips: func() []float64 { return []float64{7, 9} },
	})
	return m, edges
}

// TestEdgePhonesVoteInThePresentersRoom: phones on two edges and on the
// presenter's server vote on one poll; one device changes its vote
// through another edge and counts once; the edges' phones get the
// aggregates, every tab of a device its own vote; refusals come back to
// the socket that sent it; a relay that is down gets a clear reply.
func TestEdgePhonesVoteInThePresentersRoom(t *testing.T) {
	ts := newTestServer(t, pollDeck)
	relay, edges := newMemRelay(t, ts, 2)
	p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	here := ts.dial(t, "/ws", deviceHeader(devA))
	on1 := edges[0].dial(t, "/ws", deviceHeader(devB))
	on2 := edges[1].dial(t, "/ws", deviceHeader("cccccccccccccccccccccccccccccccc"))
	nextRoom(t, on1, "polls", func(m roomMsg) bool { return len(m.Polls) == 2 && m.Polls[0].Status == pollOpen })

	send(t, here, `{"type":"vote","poll":"name:opcodes","option":0}`)
	send(t, on1, `{"type":"vote","poll":"name:opcodes","option":1}`)
	send(t, on2, `{"type":"vote","poll":"name:opcodes","option":1}`)
	nextRoom(t, p, "polls", func(m roomMsg) bool { return equalInts(m.Polls[0].Counts, []int{1, 2, 0}) && m.Polls[0].Voters == 3 })
	nextRoom(t, on1, "mine", func(m roomMsg) bool { return m.Votes["name:opcodes"] == 1 })

	// devB's second tab, on the other edge, changes devB's vote: it counts
	// once, and devB's first tab is told at once.
	tab2 := edges[1].dial(t, "/ws", deviceHeader(devB))
	nextRoom(t, tab2, "mine", func(m roomMsg) bool { return m.Votes["name:opcodes"] == 1 })
	send(t, tab2, `{"type":"vote","poll":"name:opcodes","option":2}`)
	nextRoom(t, p, "polls", func(m roomMsg) bool { return equalInts(m.Polls[0].Counts, []int{1, 1, 1}) && m.Polls[0].Voters == 3 })
	nextRoom(t, on1, "mine", func(m roomMsg) bool { return m.Votes["name:opcodes"] == 2 })

	// A refusal goes to the socket that sent it, not to the device's others.
	send(t, tab2, `{"type":"vote","poll":"name:nope","option":0}`)
	if r := nextRoom(t, tab2, "reply", nil); r.OK || r.Reason != "no such poll" {
		t.Errorf("a vote for an unknown poll through an edge: %+v", r)
	}
	// The edge's own checks: no round trip for a bad reaction.
	send(t, on2, `{"type":"react","emoji":"💩"}`)
	if r := nextRoom(t, on2, "reply", nil); r.Reason != "not one of the reactions" {
		t.Errorf("a bad reaction on an edge: %+v", r)
	}

	relay.down.Store(true)
	send(t, on2, `{"type":"vote","poll":"name:opcodes","option":0}`)
	if r := nextRoom(t, on2, "reply", nil); r.OK || !strings.Contains(r.Reason, "relay is down") {
		t.Errorf("a vote with the relay down: %+v", r)
	}
	relay.down.Store(false)
	send(t, on2, `{"type":"vote","poll":"name:opcodes","option":0}`)
	nextRoom(t, p, "polls", func(m roomMsg) bool { return equalInts(m.Polls[0].Counts, []int{2, 0, 1}) })

	send(t, on1, `{"type":"goto","index":1}`) // not a command on an edge either: 1008
	_, err := readUntilClosed(t, on1)
	wantClose(t, err, protocol.StatusPolicyViolation, "")
}

// TestSecondTabSeesTheVoteAtOnce: two sockets of one device on one
// server: a vote or an upvote from one updates "mine" on the other.
func TestSecondTabSeesTheVoteAtOnce(t *testing.T) {
	ts := newTestServer(t, pollDeck)
	tab1 := ts.dial(t, "/ws", deviceHeader(devA))
	tab2 := ts.dial(t, "/ws", deviceHeader(devA))
	other := ts.dial(t, "/ws", deviceHeader(devB))
	nextRoom(t, tab2, "mine", nil)
	nextRoom(t, other, "mine", nil)
	send(t, tab1, `{"type":"vote","poll":"name:opcodes","option":2}`)
	nextRoom(t, tab2, "mine", func(m roomMsg) bool { return m.Votes["name:opcodes"] == 2 })

	send(t, other, `{"type":"ask","text":"Why mask?"}`)
	q := nextRoom(t, tab2, "questions", func(m roomMsg) bool { return len(m.Questions) == 1 })
	send(t, tab1, `{"type":"upvote","question":`+itoa(q.Questions[0].ID)+`}`)
	nextRoom(t, tab2, "mine", func(m roomMsg) bool { return len(m.Upvoted) == 1 && m.Upvoted[0] == q.Questions[0].ID })
	// The other device is told nothing of devA's votes.
	send(t, other, `{"type":"room"}`)
	if m := nextRoom(t, other, "mine", nil); len(m.Votes) != 0 || len(m.Upvoted) != 0 {
		t.Errorf("another device's mine: %+v", m)
	}
}

// TestEdgeQuestionsAndModeration: a question asked through an edge is
// held for approval with -moderate, shows on the edges once approved,
// is upvoted through the other edge, and the edge counts a device's
// questions itself (3 a minute) before anything crosses the relay.
func TestEdgeQuestionsAndModeration(t *testing.T) {
	ts := newTestServer(t, pollDeck, func(c *Config) { c.Moderate = true })
	relay, edges := newMemRelay(t, ts, 2)
	p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	a := edges[0].dial(t, "/ws", deviceHeader(devA))
	b := edges[1].dial(t, "/ws", deviceHeader(devB))
	send(t, a, `{"type":"ask","text":"<b>Why</b> mask?"}`)
	if r := nextRoom(t, a, "reply", nil); !r.OK || r.To != "ask" {
		t.Fatalf("an ask through an edge: %+v", r)
	}
	pq := nextRoom(t, p, "questions", func(m roomMsg) bool { return len(m.Questions) == 1 })
	if pq.Questions[0].State != questionPending || pq.Questions[0].Text != "<b>Why</b> mask?" {
		t.Fatalf("the presenter's question: %+v", pq.Questions[0])
	}
	send(t, p, `{"type":"question","question":`+itoa(pq.Questions[0].ID)+`,"action":"approve"}`)
	nextRoom(t, b, "questions", func(m roomMsg) bool { return len(m.Questions) == 1 && m.Questions[0].State == questionOpen })
	send(t, b, `{"type":"upvote","question":`+itoa(pq.Questions[0].ID)+`}`)
	nextRoom(t, p, "questions", func(m roomMsg) bool { return m.Questions[0].Votes == 1 })
	nextRoom(t, b, "mine", func(m roomMsg) bool { return len(m.Upvoted) == 1 })

	relay.down.Store(true) // the edge refuses the fourth on its own
	for range 2 {
		send(t, a, `{"type":"ask","text":"again"}`)
		nextRoom(t, a, "reply", nil)
	}
	send(t, a, `{"type":"ask","text":"a fourth"}`)
	if r := nextRoom(t, a, "reply", nil); r.OK || !strings.Contains(r.Reason, "3 questions a minute") {
		t.Errorf("a fourth question in a minute on an edge: %+v", r)
	}
}

// TestEdgeReactionsAndHeartbeat: taps on an edge reach the presenter's
// bursts and the edges' projectors; the heartbeat counts the edges'
// phones.
func TestEdgeReactionsAndHeartbeat(t *testing.T) {
	ts := newTestServer(t, pollDeck+"\n---\n\n![:heartbeat]()\n", func(c *Config) { c.PingInterval = 50e6 })
	_, edges := newMemRelay(t, ts, 1)
	p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	proj := edges[0].dial(t, "/ws?projector", nil)
	a := edges[0].dial(t, "/ws", deviceHeader(devA))
	for range 3 {
		send(t, a, `{"type":"react","emoji":"👏"}`)
	}
	total := 0
	nextRoom(t, p, "reactions", func(m roomMsg) bool { total += m.Counts["👏"]; return total == 3 })
	nextRoom(t, proj, "reactions", func(m roomMsg) bool { return m.Counts["👏"] > 0 })
	// memRelay reports two phones on the edges, at 7 and 9 ms.
	var beat struct {
		Phones  int     `json:"phones"`
		Slowest float64 `json:"slowest"`
	}
	nextRaw(t, proj, "heartbeat", &beat)
	if beat.Phones < 2 || beat.Slowest < 9 {
		t.Errorf("the heartbeat on an edge: %+v, want the edges' two phones in it", beat)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// nextRaw reads c until a message of type typ, and decodes it into v.
func nextRaw(t *testing.T, c *protocol.Conn, typ string, v any) {
	t.Helper()
	readUntil(t, c, typ, func(b []byte) bool {
		if messageType(b) != typ {
			return false
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
		return true
	})
}
