package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"wiretalk/protocol"
)

// roomMsg is any message of the room, as a page reads it.
type roomMsg struct {
	Type      string         `json:"type"`
	Index     int            `json:"index"`
	Polls     []pollView     `json:"polls"`
	Questions []questionView `json:"questions"`
	Counts    map[string]int `json:"counts"`
	Votes     map[string]int `json:"votes"`
	Upvoted   []int          `json:"upvoted"`
	To        string         `json:"to"`
	OK        bool           `json:"ok"`
	Reason    string         `json:"reason"`
}

// nextRoom reads c until a message of type typ for which ok holds.
func nextRoom(t *testing.T, c *protocol.Conn, typ string, ok func(roomMsg) bool) roomMsg {
	t.Helper()
	var m roomMsg
	readUntil(t, c, typ, func(b []byte) bool {
		m = roomMsg{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("bad JSON %q: %v", b, err)
		}
		return m.Type == typ && (ok == nil || ok(m))
	})
	return m
}

// readUntil reads c until done holds for a message, within 5 s; what
// names it in the failure.
func readUntil(t *testing.T, c *protocol.Conn, what string, done func([]byte) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for %q: %v", what, err)
		}
		if done(b) {
			return
		}
	}
}

func send(t *testing.T, c *protocol.Conn, msg string) {
	t.Helper()
	if err := c.Write(context.Background(), protocol.OpText, []byte(msg)); err != nil {
		t.Fatal(err)
	}
}

func deviceHeader(id string) http.Header {
	return http.Header{"Cookie": {deviceCookie + "=" + id}}
}

const (
	devA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	devB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

func TestVotesReachThePresenterAsAggregatesAndStayWithTheDevice(t *testing.T) {
	ts := newTestServer(t, pollDeck)
	p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	a := ts.dial(t, "/ws", deviceHeader(devA))
	b := ts.dial(t, "/ws", deviceHeader(devB))
	if m := nextRoom(t, a, "polls", nil); m.Polls[0].Status != pollOpen || m.Polls[0].Counts != nil {
		t.Fatalf("the phone's first polls: %+v (want the quiz open, as the talk is on its slide, and no counts)", m.Polls[0])
	}
	send(t, a, `{"type":"vote","poll":"name:opcodes","option":0}`)
	send(t, b, `{"type":"vote","poll":"name:opcodes","option":1}`)
	send(t, a, `{"type":"vote","poll":"name:opcodes","option":1}`) // a changes its mind
	nextRoom(t, p, "polls", func(m roomMsg) bool { return equalInts(m.Polls[0].Counts, []int{0, 2, 0}) && m.Polls[0].Voters == 2 })
	if m := nextRoom(t, a, "mine", func(m roomMsg) bool { return m.Votes["name:opcodes"] == 1 }); len(m.Votes) != 1 {
		t.Fatalf("mine: %+v", m)
	}
	// Reconnecting (a reload, or a second tab: the same cookie) finds the vote.
	a2 := ts.dial(t, "/ws", deviceHeader(devA))
	if m := nextRoom(t, a2, "mine", nil); m.Votes["name:opcodes"] != 1 {
		t.Fatalf("after reconnecting the device's votes are %v", m.Votes)
	}
	// Reveal: the phones get the counts and the answer.
	send(t, p, `{"type":"poll","poll":"name:opcodes","action":"reveal"}`)
	m := nextRoom(t, b, "polls", func(m roomMsg) bool { return m.Polls[0].Revealed })
	if m.Polls[0].Answer == nil || *m.Polls[0].Answer != 1 || !equalInts(m.Polls[0].Counts, []int{0, 2, 0}) {
		t.Fatalf("revealed poll on a phone: %+v", m.Polls[0])
	}
	// Closed: a vote is refused with a reason, and the socket stays.
	send(t, p, `{"type":"poll","poll":"name:opcodes","action":"close"}`)
	nextRoom(t, b, "polls", func(m roomMsg) bool { return m.Polls[0].Status == pollClosed })
	send(t, b, `{"type":"vote","poll":"name:opcodes","option":2}`)
	if m := nextRoom(t, b, "reply", nil); m.OK || m.To != "vote" || !strings.Contains(m.Reason, "closed") {
		t.Fatalf("vote on a closed poll: %+v", m)
	}
	send(t, b, `{"type":"vote","poll":"name:nope","option":0}`)
	if m := nextRoom(t, b, "reply", nil); !strings.Contains(m.Reason, "no such poll") {
		t.Fatalf("vote on an unknown poll: %+v", m)
	}
	if got := ts.Position(); got != 0 {
		t.Fatalf("the audience's messages moved the talk to %d", got)
	}
}

func TestAPollOpensWhenTheTalkReachesItAndPhonesElsewhereCanVote(t *testing.T) {
	ts := newTestServer(t, pollDeck)
	p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	a := ts.dial(t, "/ws", deviceHeader(devA))
	m := nextRoom(t, a, "polls", nil)
	second := m.Polls[1].ID
	if m.Polls[1].Status != pollWaiting {
		t.Fatalf("the second poll before the talk reached it: %+v", m.Polls[1])
	}
	send(t, a, `{"type":"vote","poll":"`+second+`","option":0}`)
	if r := nextRoom(t, a, "reply", nil); !strings.Contains(r.Reason, "not opened") {
		t.Fatalf("vote before the poll opened: %+v", r)
	}
	send(t, p, `{"type":"goto","index":1}`)
	nextRoom(t, a, "polls", func(m roomMsg) bool { return m.Polls[1].Status == pollOpen })
	send(t, p, `{"type":"goto","index":2}`)
	// The phone still votes on the open poll, whatever slide it shows.
	send(t, a, `{"type":"vote","poll":"`+second+`","option":0}`)
	nextRoom(t, p, "polls", func(m roomMsg) bool { return len(m.Polls[1].Counts) == 2 && m.Polls[1].Counts[0] == 1 })
}

func TestQuestionsOverTheSocketsWithModeration(t *testing.T) {
	ts := newTestServer(t, pollDeck, func(c *Config) { c.Moderate = true })
	p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	a := ts.dial(t, "/ws", deviceHeader(devA))
	b := ts.dial(t, "/ws", deviceHeader(devB))
	send(t, a, `{"type":"ask","text":"<img src=x onerror=alert(1)> why masks?"}`)
	if r := nextRoom(t, a, "reply", nil); !r.OK || r.To != "ask" {
		t.Fatalf("reply to ask: %+v", r)
	}
	q := nextRoom(t, p, "questions", func(m roomMsg) bool { return len(m.Questions) == 1 }).Questions[0]
	if q.State != questionPending || q.Text != "<img src=x onerror=alert(1)> why masks?" {
		t.Fatalf("the presenter sees %+v", q)
	}
	send(t, p, `{"type":"question","question":1,"action":"approve"}`)
	nextRoom(t, b, "questions", func(m roomMsg) bool { return len(m.Questions) == 1 && m.Questions[0].State == questionOpen })
	send(t, b, `{"type":"upvote","question":1}`)
	send(t, b, `{"type":"upvote","question":1}`)
	nextRoom(t, b, "mine", func(m roomMsg) bool { return len(m.Upvoted) == 1 })
	nextRoom(t, p, "questions", func(m roomMsg) bool { return m.Questions[0].Votes == 1 })
	for range 3 {
		send(t, a, `{"type":"ask","text":"again"}`)
	}
	if r := nextRoom(t, a, "reply", func(m roomMsg) bool { return !m.OK }); !strings.Contains(r.Reason, "3 questions a minute") {
		t.Fatalf("a fourth question within a minute: %+v", r)
	}
	send(t, p, `{"type":"question","question":1,"action":"hide"}`)
	nextRoom(t, b, "questions", func(m roomMsg) bool { return len(m.Questions) == 0 })
}

func TestReactionsGoToPresenterAndProjectorOnly(t *testing.T) {
	ts := newTestServer(t, pollDeck)
	p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	proj := ts.dial(t, "/ws?projector", nil)
	a := ts.dial(t, "/ws", deviceHeader(devA))
	nextRoom(t, a, "mine", nil)
	for range 5 {
		send(t, a, `{"type":"react","emoji":"👏"}`)
	}
	total := 0
	for total < 5 {
		total += nextRoom(t, proj, "reactions", nil).Counts["👏"]
	}
	if total != 5 {
		t.Fatalf("the projector counted %d taps, want 5", total)
	}
	nextRoom(t, p, "reactions", nil)
	// The phone gets none: after a message that comes later, none came.
	send(t, a, `{"type":"upvote","question":42}`)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, b, err := a.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), `"reactions"`) {
			t.Fatalf("a phone was sent reactions: %s", b)
		}
		if strings.Contains(string(b), `"reply"`) {
			break
		}
	}
}

func TestAFloodingPhoneIsClosedAndOthersGoOn(t *testing.T) {
	log, logTo := captureLog(t)
	ts := newRealServer(t, pollDeck, nil, logTo)
	p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	a := ts.dial(t, "/ws", deviceHeader(devA))
	b := ts.dial(t, "/ws", deviceHeader(devB))
	nextRoom(t, b, "mine", nil)
	for range floodBurst + 30 {
		if a.Write(context.Background(), protocol.OpText, []byte(`{"type":"react","emoji":"👍"}`)) != nil {
			break
		}
	}
	_, err := readUntilClosed(t, a)
	wantClose(t, err, protocol.StatusPolicyViolation, "too many messages")
	log.wait(t, "audience socket 127.0.0.1:", "more than 20 messages at once or 10 a second", "(1008)")
	send(t, b, `{"type":"vote","poll":"name:opcodes","option":2}`)
	nextRoom(t, b, "mine", func(m roomMsg) bool { return m.Votes["name:opcodes"] == 2 })
	send(t, p, `{"type":"goto","index":1}`)
	nextRoom(t, b, "state", func(m roomMsg) bool { return m.Index == 1 })
}

func TestMalformedAudienceMessagesClose1008(t *testing.T) {
	ts := newTestServer(t, pollDeck)
	for _, m := range []string{`{"type":"goto","index":2}`, `not json`, `{"type":"vote"`, `{"type":"hello"}`} {
		a := ts.dial(t, "/ws", deviceHeader(devA))
		nextRoom(t, a, "mine", nil)
		send(t, a, m)
		_, err := readUntilClosed(t, a)
		wantClose(t, err, protocol.StatusPolicyViolation, "only votes, questions, upvotes and reactions")
	}
	if got := ts.Position(); got != 0 {
		t.Fatalf("the talk moved to %d", got)
	}
}

func TestVoteFromAnotherOriginIsRefused(t *testing.T) {
	ts := newTestServer(t, pollDeck)
	h := deviceHeader(devA)
	h.Set("Origin", "https://evil.example")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, resp, err := protocol.Dial(ctx, ts.wsURL("/ws"), &protocol.DialOptions{Header: h})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a socket from another origin: %v, %v; want 403", resp, err)
	}
}

func TestResultsNeedThePresenterAndSurviveARestart(t *testing.T) {
	state := t.TempDir()
	ts := newTestServer(t, pollDeck, func(c *Config) { c.StateDir = state })
	for _, h := range []http.Header{nil, {"Cookie": {cookieName + "=forged"}}} {
		if r := ts.get(t, "/api/results", h); r.StatusCode != http.StatusForbidden {
			t.Fatalf("/api/results with %v: %d, want 403", h, r.StatusCode)
		}
		if r := ts.get(t, "/api/results.csv", h); r.StatusCode != http.StatusForbidden {
			t.Fatalf("/api/results.csv with %v: %d, want 403", h, r.StatusCode)
		}
	}
	a := ts.dial(t, "/ws", deviceHeader(devA))
	send(t, a, `{"type":"vote","poll":"name:opcodes","option":1}`)
	send(t, a, `{"type":"ask","text":"What is a mask for?"}`)
	nextRoom(t, a, "reply", nil)
	resp := ts.get(t, "/api/results", ts.presenterHeader())
	var res resultsJSON
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		t.Fatal(err)
	}
	if len(res.Polls) != 2 || res.Polls[0].Options[1].Votes != 1 || *res.Polls[0].Correct != 1 || !res.Polls[0].Open || len(res.Questions) != 1 {
		t.Fatalf("results: %+v", res)
	}
	csvResp := ts.get(t, "/api/results.csv", ts.presenterHeader())
	body, _ := io.ReadAll(csvResp.Body)
	if !strings.Contains(string(body), "poll,name:opcodes,Which opcode is a ping?,0x9,1,correct") || csvResp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("CSV %s:\n%s", csvResp.Header, body)
	}
	out := t.TempDir() + "/results.json"
	if err := ts.WriteResults(out); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); !strings.Contains(string(b), `"What is a mask for?"`) {
		t.Fatalf("written results: %s", b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ts.Shutdown(ctx)

	// A new server on the same state: the vote, its device and the
	// question are back.
	ts2 := newRealServer(t, pollDeck, nil, func(c *Config) { c.StateDir = state; c.Deck = ts.deck })
	a2 := ts2.dial(t, "/ws", deviceHeader(devA))
	if m := nextRoom(t, a2, "mine", nil); m.Votes["name:opcodes"] != 1 {
		t.Fatalf("after a restart the device's votes are %v", m.Votes)
	}
	var res2 resultsJSON
	json.NewDecoder(ts2.get(t, "/api/results", ts2.presenterHeader()).Body).Decode(&res2)
	if mustJSON(t, res2) != mustJSON(t, res) {
		t.Fatalf("results after a restart:\n%s\nwant\n%s", mustJSON(t, res2), mustJSON(t, res))
	}
}

// TestManyVotesReachThePresenterAsFewAggregates: 300 phones vote at once;
// the presenter's counts end right, in a few messages rather than 300.
func TestManyVotesReachThePresenterAsFewAggregates(t *testing.T) {
	ts := newTestServer(t, pollDeck)
	const n = 300
	phones := make([]*protocol.Conn, n)
	for i := range phones {
		phones[i] = ts.dial(t, "/ws", deviceHeader(fmt.Sprintf("%032x", i+1)))
	}
	p := ts.dial(t, "/ws/presenter", ts.presenterHeader())
	nextRoom(t, p, "polls", nil)
	start := time.Now()
	for i, c := range phones {
		send(t, c, fmt.Sprintf(`{"type":"vote","poll":"name:opcodes","option":%d}`, i%3))
	}
	last := time.Now()
	messages := 0
	nextRoom(t, p, "polls", func(m roomMsg) bool {
		messages++
		return equalInts(m.Polls[0].Counts, []int{n / 3, n / 3, n / 3})
	})
	t.Logf("%d votes sent in %v; the presenter's counts were final %v after the last, in %d polls messages", n, last.Sub(start), time.Since(last), messages)
	if messages > 20 {
		t.Errorf("%d polls messages for %d votes: want aggregates, at most one per %v", messages, n, flushEvery)
	}
}
