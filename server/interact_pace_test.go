package server

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"wiretalk/protocol"
)

// dialPhones opens n phones, each a device of its own, and reads each
// one's first polls with the quiz open.
func dialPhones(t *testing.T, ts *testServer, n int) []*protocol.Conn {
	t.Helper()
	phones := make([]*protocol.Conn, n)
	for i := range phones {
		phones[i] = ts.dial(t, "/ws", deviceHeader(fmt.Sprintf("%032x", i+1)))
		nextRoom(t, phones[i], "polls", func(m roomMsg) bool { return m.Polls[0].Status == pollOpen })
	}
	return phones
}

func votesFor(n int, option func(i int) int) []int {
	counts := make([]int, 3)
	for i := range n {
		counts[option(i)]++
	}
	return counts
}

// countPolls reads c until a polls message for which last holds, and
// returns how many polls messages came for which counted holds, that one
// included.
func countPolls(t *testing.T, c *protocol.Conn, counted, last func(roomMsg) bool) int {
	t.Helper()
	n := 0
	nextRoom(t, c, "polls", func(m roomMsg) bool {
		if counted(m) {
			n++
		}
		return last(m)
	})
	return n
}

// TestPhonesGetPollsOnlyWhenWhatTheyShowChanges: 20 phones vote, one
// every half flush, over about ten flushes. The presenter's counts come
// as aggregates and end exact; the phones, which show no counts and no
// voters before the reveal, are sent no polls at all for those votes,
// only the close. After the reveal the phones show the counts: votes
// changed over about ten more flushes reach them at most once a second,
// latest-wins, so that they end on the final counts.
func TestPhonesGetPollsOnlyWhenWhatTheyShowChanges(t *testing.T) {
	ts := newTestServer(t, pollDeck)
	p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	const n = 20
	phones := dialPhones(t, ts, n)

	first := func(i int) int { return i % 3 }
	for i, ph := range phones {
		send(t, ph, fmt.Sprintf(`{"type":"vote","poll":"name:opcodes","option":%d}`, first(i)))
		time.Sleep(flushEvery / 2)
	}
	want := votesFor(n, first)
	presenterPolls := countPolls(t, p, func(roomMsg) bool { return true }, func(m roomMsg) bool {
		return equalInts(m.Polls[0].Counts, want) && m.Polls[0].Voters == n
	})
	if presenterPolls < 2 {
		t.Errorf("the presenter got %d polls messages for %d votes over about 10 flushes: want the counts as they come", presenterPolls, n)
	}
	send(t, p, `{"type":"poll","poll":"name:opcodes","action":"close"}`)
	for i, ph := range phones {
		var sawCounts bool
		got := countPolls(t, ph, func(m roomMsg) bool {
			sawCounts = sawCounts || m.Polls[0].Counts != nil || m.Polls[0].Voters != 0
			return true
		}, func(m roomMsg) bool { return m.Polls[0].Status == pollClosed })
		// The close, and at most one copy of the welcome's (the first
		// flush after the server started may follow a phone's welcome).
		if got > 2 {
			t.Errorf("phone %d got %d polls messages while %d votes came and the poll closed: want the close only", i, got, n)
		}
		if sawCounts {
			t.Errorf("phone %d was sent counts or voters before the reveal", i)
		}
	}

	// Reopen and reveal, then every device votes for the first option.
	send(t, p, `{"type":"poll","poll":"name:opcodes","action":"reopen"}`)
	send(t, p, `{"type":"poll","poll":"name:opcodes","action":"reveal"}`)
	nextRoom(t, phones[n-1], "polls", func(m roomMsg) bool { return m.Polls[0].Revealed && m.Polls[0].Status == pollOpen })
	start := time.Now()
	second := func(int) int { return 0 } // the counts reach the final ones at the last vote only
	for i, ph := range phones {
		send(t, ph, fmt.Sprintf(`{"type":"vote","poll":"name:opcodes","option":%d}`, second(i)))
		time.Sleep(flushEvery / 2)
	}
	want = votesFor(n, second)
	final := func(m roomMsg) bool { return equalInts(m.Polls[0].Counts, want) && m.Polls[0].Voters == n }
	nextRoom(t, p, "polls", final)
	for i, ph := range phones {
		got := countPolls(t, ph, func(m roomMsg) bool { return m.Polls[0].Revealed }, final)
		// The reveal (for all but the last phone, which read it), then
		// at most one a phoneEvery; one more for a send held at the end.
		bound := 2 + int(time.Since(start)/phoneEvery)
		if got > bound {
			t.Errorf("phone %d got %d revealed polls messages in %v of votes: want at most %d, one a second", i, got, time.Since(start).Round(time.Millisecond), bound)
		}
	}
}

// TestThePresentersPollsAreWrittenBeforeThePhones: the presenter joins
// after 100 phones and a projector, and closes the poll. The hub writes
// the presenter's copy, and the projector's, before any phone's: the
// presenter's counts never wait behind the audience's fan-out.
func TestThePresentersPollsAreWrittenBeforeThePhones(t *testing.T) {
	ts := newTestServer(t, pollDeck)
	phones := dialPhones(t, ts, 100)
	proj := ts.dial(t, "/ws?projector", deviceHeader(fmt.Sprintf("%032x", 1000)))
	send(t, proj, `{"type":"projector"}`)
	send(t, proj, `{"type":"room"}`) // answered after the projector is marked
	nextRoom(t, proj, "mine", nil)
	// The audience count that the joins scheduled goes out first: a
	// presenter's writer busy with it would take the poll after it, on a
	// goroutine of its own, and this test is about the order of the
	// writes when no writer is busy.
	time.Sleep(2 * countEvery)
	p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	nextRoom(t, p, "polls", nil)

	var mu sync.Mutex
	var order []string // the role of each page written a closed poll, in order
	wrote := func(c *client, m *protocol.Prepared) {
		if !bytes.Contains(m.Payload(), []byte(`"type":"polls"`)) || !bytes.Contains(m.Payload(), []byte(`"status":"closed"`)) {
			return
		}
		role := "phone"
		switch {
		case c.presenter:
			role = "presenter"
		case c.projector:
			role = "projector"
		}
		mu.Lock()
		order = append(order, role)
		mu.Unlock()
	}
	ts.hub.wrote.Store(&wrote)
	send(t, p, `{"type":"poll","poll":"name:opcodes","action":"close"}`)
	closed := func(m roomMsg) bool { return m.Polls[0].Status == pollClosed }
	nextRoom(t, p, "polls", closed)
	nextRoom(t, proj, "polls", closed)
	for _, ph := range phones {
		nextRoom(t, ph, "polls", closed)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(order) != 102 {
		t.Fatalf("%d writes of the closed poll, want 102: %v", len(order), order)
	}
	for i, role := range order[:2] {
		if role == "phone" {
			t.Fatalf("write %d of the closed poll was a phone's, before the presenter's and the projector's: %v", i+1, order[:10])
		}
	}
}

// TestAStartedServerHasSentItsPolls: a server that has just started
// counts the polls as they are as sent (every page joining is sent them),
// so the flush its start scheduled sends the pages and the relay nothing.
// It did: a relay handed the polls by RelayRoom got the same copy again,
// and the phones that had them from their welcome got them twice.
func TestAStartedServerHasSentItsPolls(t *testing.T) {
	ts := newTestServer(t, pollDeck)
	if ts.pace.offer(nil, ts.pollsMessage(false)) {
		t.Error("the polls as they were at the start counted as a change")
	}
}

// TestEdgesSendTheirPhonesPollsOnlyWhenWhatTheyShowChanges: phones on the
// presenter's server vote over several flushes while a phone listens on
// an edge. No polls cross the relay for those votes, an edge handed the
// same polls again (as a relay's bucket does for a late edge) sends its
// phones nothing, and the close reaches the edge's phone at once.
func TestEdgesSendTheirPhonesPollsOnlyWhenWhatTheyShowChanges(t *testing.T) {
	ts := newTestServer(t, pollDeck)
	_, edges := newMemRelay(t, ts, 1)
	var crossed atomic.Int32 // polls aggregates handed to the relay
	ts.RelayRoom(RoomRelay{Aggregate: func(u RoomUpdate) {
		if u.Kind == RoomPolls {
			crossed.Add(1)
		}
		edges[0].FromPresenter(u)
	}})
	p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	on := edges[0].dial(t, "/ws", deviceHeader(devB))
	nextRoom(t, on, "polls", func(m roomMsg) bool { return len(m.Polls) == 2 && m.Polls[0].Status == pollOpen })
	phones := dialPhones(t, ts, 10)
	crossed.Store(0)
	for _, ph := range phones {
		send(t, ph, `{"type":"vote","poll":"name:opcodes","option":1}`)
		time.Sleep(flushEvery / 2)
	}
	nextRoom(t, p, "polls", func(m roomMsg) bool { return equalInts(m.Polls[0].Counts, []int{0, 10, 0}) })
	if n := crossed.Load(); n != 0 {
		t.Errorf("%d polls aggregates crossed the relay for votes no phone sees", n)
	}
	edges[0].FromPresenter(RoomUpdate{Kind: RoomPolls, JSON: ts.pollsMessage(false).Payload()})
	send(t, p, `{"type":"poll","poll":"name:opcodes","action":"close"}`)
	got := countPolls(t, on, func(roomMsg) bool { return true }, func(m roomMsg) bool { return m.Polls[0].Status == pollClosed })
	if got > 2 { // the close, and at most one copy of the welcome's
		t.Errorf("the edge's phone got %d polls messages for 10 votes, the same polls again and the close: want the close only", got)
	}
}

// TestNothingAfterAMalformedMessageIsApplied: a phone's messages are
// applied off its reading goroutine (interact_inbox.go), which reads on;
// a vote that follows a message that is none of the audience's is not
// counted, and the socket is closed with 1008 as before.
func TestNothingAfterAMalformedMessageIsApplied(t *testing.T) {
	ts := newTestServer(t, pollDeck)
	a := ts.dial(t, "/ws", deviceHeader(devA))
	nextRoom(t, a, "mine", nil)
	send(t, a, `not json`)
	send(t, a, `{"type":"vote","poll":"name:opcodes","option":1}`)
	_, err := readUntilClosed(t, a)
	wantClose(t, err, protocol.StatusPolicyViolation, "only votes, questions, upvotes and reactions")
	b := ts.dial(t, "/ws", deviceHeader(devB))
	nextRoom(t, b, "mine", nil)
	send(t, b, `{"type":"vote","poll":"name:opcodes","option":0}`)
	nextRoom(t, b, "mine", func(m roomMsg) bool { return len(m.Votes) == 1 })
	if v := ts.room.pollViews(true)[0]; v.Voters != 1 || !equalInts(v.Counts, []int{1, 0, 0}) {
		t.Fatalf("after a malformed message and a vote from a, and b's vote: %d voters, counts %v; want b's vote only", v.Voters, v.Counts)
	}
}
