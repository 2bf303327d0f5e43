package relay

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"wiretalk/protocol"
	"wiretalk/server"
)

// The room across the relay: phones on two edges and on the presenter's
// server vote, ask, upvote and react in one room.

const roomDeck = `name: opcodes
poll: 0x9

# Which opcode is a ping?

- 0x1
- 0x9
- 0xA

---
name: beat

# The room's heartbeat

![:heartbeat]()
`

// roomCfg pings every 200 ms: the heartbeat has round trips to show soon.
var roomCfg = server.Config{PingInterval: 200 * time.Millisecond}

// startRoomTalk starts a broker, a presenter of roomDeck and two edges.
func startRoomTalk(t *testing.T, talk string, moderate bool) (p *presenter, e1, e2 *edge) {
	t.Helper()
	b := startBroker(t)
	o := Options{URL: b.url(), Talk: talk}
	p = roomPresenter(t, o, moderate)
	e1 = startEdgeWith(t, o, "edge-1", roomCfg)
	e2 = startEdgeWith(t, o, "edge-2", roomCfg)
	return p, e1, e2
}

func roomPresenter(t *testing.T, o Options, moderate bool) *presenter {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "talk.md"), []byte(roomDeck), 0o644)
	cfg := roomCfg
	cfg.Moderate = moderate
	return startPresenterWith(t, o, dir, cfg)
}

// phone is an audience socket with a device cookie: every message it
// receives, in order.
type phone struct {
	conn *protocol.Conn
	mu   sync.Mutex
	msgs []roomMsg
	seen map[string]int // by type: messages up to here were waited for
	err  error
}

type roomMsg struct {
	Type  string `json:"type"`
	Polls []struct {
		ID       string `json:"id"`
		Status   string `json:"status"`
		Voters   int    `json:"voters"`
		Counts   []int  `json:"counts"`
		Revealed bool   `json:"revealed"`
	} `json:"polls"`
	Questions []struct {
		ID    int    `json:"id"`
		Text  string `json:"text"`
		Votes int    `json:"votes"`
		State string `json:"state"`
	} `json:"questions"`
	Votes   map[string]int `json:"votes"`
	Upvoted []int          `json:"upvoted"`
	Counts  json.RawMessage
	To      string  `json:"to"`
	OK      bool    `json:"ok"`
	Reason  string  `json:"reason"`
	Phones  int     `json:"phones"`
	Slowest float64 `json:"slowest"`
}

func openPhone(t *testing.T, base, device, query string) *phone {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	h := http.Header{}
	if device != "" {
		h.Set("Cookie", "wiretalk_device="+device)
	}
	c, _, err := protocol.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws"+query, &protocol.DialOptions{Header: h})
	if err != nil {
		t.Fatal(err)
	}
	ph := &phone{conn: c, seen: map[string]int{}}
	go func() {
		for {
			_, b, err := c.Read(context.Background())
			ph.mu.Lock()
			if err != nil {
				ph.err = err
				ph.mu.Unlock()
				return
			}
			var m roomMsg
			json.Unmarshal(b, &m)
			ph.msgs = append(ph.msgs, m)
			ph.mu.Unlock()
		}
	}()
	t.Cleanup(func() { c.CloseNow() })
	return ph
}

func (ph *phone) send(t *testing.T, msg string) {
	t.Helper()
	if err := ph.conn.Write(context.Background(), protocol.OpText, []byte(msg)); err != nil {
		t.Fatal(err)
	}
}

// wait waits until the newest message of type typ is one for which ok
// holds, and returns it; later waits see only what came after it.
func (ph *phone) wait(t *testing.T, what, typ string, ok func(roomMsg) bool) roomMsg {
	t.Helper()
	var got roomMsg
	eventually(t, what, 10*time.Second, func() bool {
		ph.mu.Lock()
		defer ph.mu.Unlock()
		for i := len(ph.msgs) - 1; i >= ph.seen[typ]; i-- {
			if m := ph.msgs[i]; m.Type == typ {
				if ok == nil || ok(m) {
					got = m
					ph.seen[typ] = i + 1
					return true
				}
				return false // the newest of its kind is what counts
			}
		}
		return false
	})
	return got
}

// reply waits for a reply newer than the last one waited for.
func (ph *phone) reply(t *testing.T, what string) roomMsg {
	t.Helper()
	return ph.wait(t, what, "reply", nil)
}

const (
	devA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	devB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	devC = "cccccccccccccccccccccccccccccccc"
)

func vote(option int) string {
	return `{"type":"vote","poll":"name:opcodes","option":` + strconv.Itoa(option) + `}`
}

// TestVotesCrossTheRelay: a phone on each edge and one on the presenter's
// server vote: the presenter counts 3 of 3, the edges' phones get the
// aggregate; a device that changes its vote through another edge counts
// once, and its first tab sees the change at once.
func TestVotesCrossTheRelay(t *testing.T) {
	p, e1, e2 := startRoomTalk(t, "room", false)
	here := openPhone(t, p.http.URL, devA, "")
	on1 := openPhone(t, e1.http.URL, devB, "")
	on2 := openPhone(t, e2.http.URL, devC, "")
	for _, ph := range []*phone{on1, on2} {
		ph.wait(t, "the open poll on an edge", "polls", func(m roomMsg) bool { return len(m.Polls) == 1 && m.Polls[0].Status == "open" })
	}
	eventually(t, "the edges' audience at the presenter", 5*time.Second, func() bool {
		a := p.relay.Audience()
		return a["edge-1"] == 1 && a["edge-2"] == 1
	})

	here.send(t, vote(0))
	on1.send(t, vote(1))
	on2.send(t, vote(1))
	eventually(t, "3 votes of 3 devices at the presenter", 5*time.Second, func() bool {
		r := p.results()
		return r.voters == 3 && slices.Equal(r.counts, []int{1, 2, 0})
	})
	on1.wait(t, "devB's own vote", "mine", func(m roomMsg) bool { return m.Votes["name:opcodes"] == 1 })

	// devB's second tab is on edge 2: it changes devB's vote.
	tab2 := openPhone(t, e2.http.URL, devB, "")
	tab2.wait(t, "devB's vote on its second tab, asked of the presenter", "mine", func(m roomMsg) bool { return m.Votes["name:opcodes"] == 1 })
	tab2.send(t, vote(2))
	on1.wait(t, "devB's changed vote on its first tab, on the other edge", "mine", func(m roomMsg) bool { return m.Votes["name:opcodes"] == 2 })
	eventually(t, "the changed vote counted once", 5*time.Second, func() bool {
		r := p.results()
		return r.voters == 3 && slices.Equal(r.counts, []int{1, 1, 1})
	})

	// Refusals come back to the socket that sent them.
	sendPoll(t, p, "close")
	on2.wait(t, "the closed poll on edge 2", "polls", func(m roomMsg) bool { return m.Polls[0].Status == "closed" })
	on2.send(t, vote(0))
	if r := on2.reply(t, "a vote on a closed poll"); r.OK || r.Reason != "the poll is closed" {
		t.Errorf("a vote on a closed poll through an edge: %+v", r)
	}
	on2.send(t, `{"type":"vote","poll":"name:other","option":0}`)
	if r := on2.reply(t, "a vote on an unknown poll"); r.Reason != "no such poll" {
		t.Errorf("a vote on an unknown poll through an edge: %+v", r)
	}
	// Reveal: every phone gets the counts and the voters (before, a vote
	// changed nothing a phone shows, and phones were sent no counts).
	sendPoll(t, p, "reveal")
	for _, ph := range []*phone{here, on1, on2} {
		ph.wait(t, "the revealed counts on every phone", "polls", func(m roomMsg) bool {
			return m.Polls[0].Revealed && slices.Equal(m.Polls[0].Counts, []int{1, 1, 1}) && m.Polls[0].Voters == 3
		})
	}
}

// pollResult is the presenter's count of the poll.
type pollResult struct {
	voters int
	counts []int
}

func (p *presenter) results() pollResult {
	req, _ := http.NewRequest("GET", p.http.URL+"/api/results?key="+testKey, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return pollResult{}
	}
	defer resp.Body.Close()
	var res struct {
		Polls []struct {
			Voters  int `json:"voters"`
			Options []struct {
				Votes int `json:"votes"`
			} `json:"options"`
		} `json:"polls"`
	}
	json.NewDecoder(resp.Body).Decode(&res)
	if len(res.Polls) == 0 {
		return pollResult{}
	}
	r := pollResult{voters: res.Polls[0].Voters}
	for _, o := range res.Polls[0].Options {
		r.counts = append(r.counts, o.Votes)
	}
	return r
}

// presenterSocket opens the presenter's socket.
func presenterSocket(t *testing.T, p *presenter) *protocol.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, _, err := protocol.Dial(ctx, "ws"+strings.TrimPrefix(p.http.URL, "http")+"/ws/presenter?key="+testKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	go func() {
		for {
			if _, _, err := c.Read(context.Background()); err != nil {
				return
			}
		}
	}()
	return c
}

func sendPoll(t *testing.T, p *presenter, action string) {
	t.Helper()
	c := presenterSocket(t, p)
	if err := c.Write(t.Context(), protocol.OpText, []byte(`{"type":"poll","poll":"name:opcodes","action":"`+action+`"}`)); err != nil {
		t.Fatal(err)
	}
}

func sendQuestion(t *testing.T, p *presenter, id int, action string) {
	t.Helper()
	c := presenterSocket(t, p)
	if err := c.Write(t.Context(), protocol.OpText, []byte(`{"type":"question","question":`+strconv.Itoa(id)+`,"action":"`+action+`"}`)); err != nil {
		t.Fatal(err)
	}
}

// TestQuestionsAndReactionsCrossTheRelay: with -moderate, a question
// asked on edge 1 waits for approval, then shows on edge 2, where it is
// upvoted; taps on both edges reach the presenter's bursts and the
// projector on an edge; the heartbeat counts the edges' phones.
func TestQuestionsAndReactionsCrossTheRelay(t *testing.T) {
	p, e1, e2 := startRoomTalk(t, "qa", true)
	a := openPhone(t, e1.http.URL, devA, "")
	bb := openPhone(t, e2.http.URL, devB, "")
	proj := openPhone(t, e2.http.URL, "", "?projector")
	localProj := openPhone(t, p.http.URL, "", "?projector")

	a.send(t, `{"type":"ask","text":"<script>alert(1)</script> why mask?"}`)
	if r := a.reply(t, "the answer to a question"); !r.OK || r.To != "ask" {
		t.Fatalf("a question through an edge: %+v", r)
	}
	time.Sleep(300 * time.Millisecond) // a few flushes: the pending question must not show
	bb.mu.Lock()
	for _, m := range bb.msgs {
		if m.Type == "questions" && len(m.Questions) > 0 {
			t.Errorf("a question awaiting approval reached an edge's phone: %+v", m.Questions)
		}
	}
	bb.mu.Unlock()
	sendQuestion(t, p, 1, "approve")
	q := bb.wait(t, "the approved question on edge 2", "questions", func(m roomMsg) bool { return len(m.Questions) == 1 })
	if q.Questions[0].Text != "<script>alert(1)</script> why mask?" {
		t.Errorf("the question arrived as %q", q.Questions[0].Text)
	}
	bb.send(t, `{"type":"upvote","question":1}`)
	a.wait(t, "the upvote on edge 1", "questions", func(m roomMsg) bool { return len(m.Questions) == 1 && m.Questions[0].Votes == 1 })
	bb.wait(t, "devB's own upvote", "mine", func(m roomMsg) bool { return slices.Equal(m.Upvoted, []int{1}) })
	a.send(t, `{"type":"upvote","question":1}`)
	if r := a.reply(t, "an upvote of one's own question"); r.Reason != "you asked this question" {
		t.Errorf("an upvote of one's own question through an edge: %+v", r)
	}
	for range 2 {
		a.send(t, `{"type":"ask","text":"more"}`)
		a.reply(t, "a question")
	}
	a.send(t, `{"type":"ask","text":"a fourth"}`)
	if r := a.reply(t, "a fourth question"); r.OK || !strings.Contains(r.Reason, "3 questions a minute") {
		t.Errorf("a fourth question in a minute through an edge: %+v", r)
	}

	for range 3 {
		a.send(t, `{"type":"react","emoji":"👏"}`)
		bb.send(t, `{"type":"react","emoji":"👏"}`)
	}
	var seen int
	for _, pr := range []*phone{proj, localProj} {
		eventually(t, "six taps in the bursts", 5*time.Second, func() bool {
			pr.mu.Lock()
			defer pr.mu.Unlock()
			seen = 0
			for _, m := range pr.msgs {
				var c map[string]int
				if m.Type == "reactions" && json.Unmarshal(m.Counts, &c) == nil {
					seen += c["👏"]
				}
			}
			return seen == 6
		})
	}

	// The heartbeat: the presenter's deck has the slide; the edges report
	// their phones' round trips once it beats.
	eventually(t, "both edges' phones in the room's heartbeat", 15*time.Second, func() bool {
		proj.mu.Lock()
		defer proj.mu.Unlock()
		for i := len(proj.msgs) - 1; i >= 0; i-- {
			if m := proj.msgs[i]; m.Type == "heartbeat" {
				return m.Phones >= 2
			}
		}
		return false
	})
}

// TestBrokerLossRefusesTheRoomClearly: with the broker gone, a phone on
// an edge is told to try again, rather than its vote vanishing; once it
// is back the vote counts. With no presenter on the relay, the phone is
// told that too.
func TestBrokerLossRefusesTheRoomClearly(t *testing.T) {
	b := startBroker(t)
	o := Options{URL: b.url(), Talk: "outage-room"}
	p := roomPresenter(t, o, false)
	e := startEdgeWith(t, o, "edge-1", roomCfg)
	ph := openPhone(t, e.http.URL, devA, "")
	ph.wait(t, "the open poll", "polls", func(m roomMsg) bool { return len(m.Polls) == 1 && m.Polls[0].Status == "open" })

	b.stop()
	eventually(t, "the edge to notice", 10*time.Second, func() bool { return !e.relay.Connected() })
	ph.send(t, vote(1))
	if r := ph.reply(t, "a vote with the broker down"); r.OK || r.Reason != "the relay is down; try again" {
		t.Errorf("a vote with the broker down: %+v", r)
	}
	b.restart(false)
	eventually(t, "the edge and presenter back", 10*time.Second, func() bool { return e.relay.Connected() && p.relay.Connected() })
	ph.send(t, vote(1))
	eventually(t, "the vote counted after the broker's return", 5*time.Second, func() bool {
		return slices.Equal(p.results().counts, []int{0, 1, 0})
	})
	ph.wait(t, "the vote on the phone", "mine", func(m roomMsg) bool { return m.Votes["name:opcodes"] == 1 })

	p.stop() // the presenter's server is gone, the broker is not
	nc, err := nats.Connect(b.url())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	eventually(t, "the broker to forget the presenter's subscription", 5*time.Second, func() bool {
		_, err := nc.Request(eventSubject(o.Talk, "probe"), []byte("{}"), time.Second)
		return errors.Is(err, nats.ErrNoResponders)
	})
	ph.send(t, vote(2))
	if r := ph.reply(t, "a vote with no presenter"); r.OK || r.Reason != "the presenter's server is not on the relay; try again" {
		t.Errorf("a vote with no presenter on the relay: %+v", r)
	}

	// Something subscribes but never answers (a presenter that hangs):
	// the phone hears within answerWait and a bit.
	if _, err := nc.Subscribe(eventsSubject(o.Talk), func(*nats.Msg) {}); err != nil {
		t.Fatal(err)
	}
	nc.Flush()
	ph.send(t, vote(2))
	if r := ph.reply(t, "a vote that nobody answers"); r.OK || r.Reason != "the presenter's server did not answer; try again" {
		t.Errorf("a vote that nobody answers: %+v", r)
	}
}

// TestEventsOfAnotherProtocolAreRefused: an event with another protocol
// or talk in its header, or one on another edge's subject, is refused
// and answered so, never applied.
func TestEventsOfAnotherProtocolAreRefused(t *testing.T) {
	b := startBroker(t)
	o := Options{URL: b.url(), Talk: "proto"}
	p := roomPresenter(t, o, false)
	nc, err := nats.Connect(b.url())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	for name, ev := range map[string]struct{ subject, data string }{
		"protocol 2":              {eventSubject("proto", "x"), `{"proto":2,"talk":"proto","edge":"x","device":"` + devA + `","message":{"type":"vote","poll":"name:opcodes","option":1}}`},
		"another talk":            {eventSubject("proto", "x"), `{"proto":1,"talk":"other","edge":"x","device":"` + devA + `","message":{"type":"vote","poll":"name:opcodes","option":1}}`},
		"another subject":         {eventSubject("proto", "y"), `{"proto":1,"talk":"proto","edge":"x","device":"` + devA + `","message":{"type":"vote","poll":"name:opcodes","option":1}}`},
		"a forged device":         {eventSubject("proto", "x"), `{"proto":1,"talk":"proto","edge":"x","device":"../admin","message":{"type":"vote","poll":"name:opcodes","option":1}}`},
		"a reaction that is none": {eventSubject("proto", "x"), `{"proto":1,"talk":"proto","edge":"x","device":"","message":{"type":"reactions","counts":{"💩":5}}}`},
		"a negative tap count":    {eventSubject("proto", "x"), `{"proto":1,"talk":"proto","edge":"x","device":"","message":{"type":"reactions","counts":{"👏":-5}}}`},
		"not a phone's message":   {eventSubject("proto", "x"), `{"proto":1,"talk":"proto","edge":"x","device":"` + devA + `","message":{"type":"goto","index":1}}`},
	} {
		m, err := nc.Request(ev.subject, []byte(ev.data), 5*time.Second)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var a answerRecord
		json.Unmarshal(m.Data, &a)
		if a.Refused == "" {
			t.Errorf("%s: answered %s, want a refusal", name, m.Data)
		}
	}
	if r := p.results(); r.voters != 0 {
		t.Errorf("refused events were counted: %+v", r)
	}
}

// TestEdgeReportsRoundTripsBetweenSlowBeats: with beats 15 s apart (the
// default ping interval), an edge still counts as beating 10 s after the
// last, so the reports it sends between two beats carry its phones'
// round trips; it stopped at 5 s, and the histogram never had them.
func TestEdgeReportsRoundTripsBetweenSlowBeats(t *testing.T) {
	var r edgeRoom
	t0 := time.Now()
	if r.beating(t0) {
		t.Fatal("beating before any heartbeat")
	}
	r.heard(t0)
	if !r.beating(t0.Add(4 * time.Second)) {
		t.Error("not beating 4 s after the first heartbeat")
	}
	r.heard(t0.Add(15 * time.Second))
	if !r.beating(t0.Add(25 * time.Second)) {
		t.Error("not beating 10 s after a heartbeat, with beats 15 s apart")
	}
	if r.beating(t0.Add(46 * time.Second)) {
		t.Error("still beating 31 s after the last heartbeat, with beats 15 s apart")
	}
}
