package server

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"wiretalk/slides"
)

// pollDeck is a deck with a named quiz, an unnamed poll and a plain slide.
const pollDeck = `name: opcodes
poll: 0x9

# Which opcode is a ping?

- 0x1
- 0x9
- 0xA

---
poll:

# Enjoying it?

- yes
- no
---
The end
`

func parsePollDeck(t *testing.T, src string) *slides.Deck {
	t.Helper()
	d := slides.Parse("deck.md", []byte(src), nil)
	if len(d.Problems) > 0 {
		t.Fatalf("deck problems: %v", d.Problems)
	}
	return d
}

func isRefusal(err error) bool {
	var r *refusal
	return errors.As(err, &r)
}

func TestPollVotesOnePerDeviceChangeableWhileOpen(t *testing.T) {
	r := newRoom(false, nil, nil)
	r.setDeck(parsePollDeck(t, pollDeck))
	if err := r.vote("a", "name:opcodes", 1); !isRefusal(err) || !strings.Contains(err.Error(), "not opened") {
		t.Fatalf("vote before the talk reached the slide: %v, want a refusal", err)
	}
	r.reached("name:opcodes")
	for _, v := range []struct {
		dev string
		opt int
	}{{"a", 1}, {"b", 1}, {"c", 0}, {"a", 2}, {"a", 2}} {
		if err := r.vote(v.dev, "name:opcodes", v.opt); err != nil {
			t.Fatalf("vote %v: %v", v, err)
		}
	}
	got := r.pollViews(true)[0]
	if want := []int{1, 1, 1}; !equalInts(got.Counts, want) || got.Voters != 3 {
		t.Fatalf("counts %v voters %d, want %v and 3 (a changed its vote from 1 to 2)", got.Counts, got.Voters, want)
	}
	for _, bad := range []struct {
		id  string
		opt int
	}{{"name:nope", 0}, {"name:opcodes", 3}, {"name:opcodes", -1}} {
		if err := r.vote("d", bad.id, bad.opt); !isRefusal(err) {
			t.Errorf("vote %v: %v, want a refusal", bad, err)
		}
	}
	if err := r.pollCommand("name:opcodes", "close"); err != nil {
		t.Fatal(err)
	}
	if err := r.vote("a", "name:opcodes", 0); !isRefusal(err) || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("vote on a closed poll: %v", err)
	}
	r.pollCommand("name:opcodes", "reopen")
	if err := r.vote("a", "name:opcodes", 0); err != nil {
		t.Fatalf("vote after reopen: %v", err)
	}
	if got := r.votesOf("a"); got["name:opcodes"] != 0 || len(got) != 1 {
		t.Fatalf("votesOf(a) = %v", got)
	}
	r.pollCommand("name:opcodes", "reset")
	if got := r.pollViews(true)[0]; got.Voters != 0 || !equalInts(got.Counts, []int{0, 0, 0}) {
		t.Fatalf("after reset: %+v", got)
	}
}

func TestPollRevealShowsCountsAndAnswerToTheAudience(t *testing.T) {
	r := newRoom(false, nil, nil)
	r.setDeck(parsePollDeck(t, pollDeck))
	r.reached("name:opcodes")
	r.vote("a", "name:opcodes", 1)
	aud := r.pollViews(false)[0]
	if aud.Counts != nil || aud.Answer != nil {
		t.Fatalf("the audience sees counts %v or answer %v before the reveal", aud.Counts, aud.Answer)
	}
	if p := r.pollViews(true)[0]; p.Answer == nil || *p.Answer != 1 || p.Counts[1] != 1 {
		t.Fatalf("the presenter sees %+v, want answer 1 and the counts", p)
	}
	r.pollCommand("name:opcodes", "reveal")
	aud = r.pollViews(false)[0]
	if !aud.Revealed || aud.Answer == nil || *aud.Answer != 1 || !equalInts(aud.Counts, []int{0, 1, 0}) {
		t.Fatalf("after reveal the audience sees %+v", aud)
	}
	if p := r.pollViews(false)[1]; p.Answer != nil {
		t.Fatalf("a poll without an answer shows one: %+v", p)
	}
}

func TestPollIsKeyedByNameOrContentNotIndex(t *testing.T) {
	r := newRoom(false, nil, nil)
	d := parsePollDeck(t, pollDeck)
	r.setDeck(d)
	unnamed := d.Slides[1].Poll.ID
	r.reached("name:opcodes")
	r.reached(unnamed)
	r.vote("a", "name:opcodes", 1)
	r.vote("a", unnamed, 0)
	// A slide added in front, the two polls swapped, the quiz's wording changed.
	moved := "# New first slide\n---\n" + strings.SplitN(pollDeck, "---\n", 3)[1] + "---\n" +
		strings.Replace(strings.SplitN(pollDeck, "---\n", 3)[0], "Which opcode", "What opcode", 1)
	r.setDeck(parsePollDeck(t, moved))
	views := r.pollViews(true)
	if len(views) != 2 || views[0].ID != unnamed || views[1].ID != "name:opcodes" {
		t.Fatalf("polls after the edit: %+v", views)
	}
	if views[0].Voters != 1 || views[1].Voters != 1 || views[1].Question != "What opcode is a ping?" {
		t.Fatalf("votes lost or question not updated: %+v", views)
	}
	// Changing an unnamed poll's options makes it another poll.
	r.setDeck(parsePollDeck(t, strings.Replace(pollDeck, "- no", "- not really", 1)))
	if v := r.pollViews(true); v[1].ID == unnamed || v[1].Voters != 0 || v[1].Status != pollWaiting {
		t.Fatalf("an unnamed poll with new options: %+v", v[1])
	}
	if res := r.results(); len(res.Polls) != 3 || res.Polls[2].InDeck || res.Polls[2].ID != unnamed {
		t.Fatalf("the old poll left the results: %+v", res.Polls)
	}
}

func TestAggregatesAreCoalescedNotOnePerVote(t *testing.T) {
	var mu sync.Mutex
	var sends int
	var last []int
	r := newRoom(false, func(what whatChanged, r *room) {
		if what&changedPolls == 0 {
			return
		}
		mu.Lock()
		sends++
		last = r.pollViews(true)[0].Counts
		mu.Unlock()
	}, nil)
	r.setDeck(parsePollDeck(t, pollDeck))
	r.reached("name:opcodes")
	for i := range 1000 {
		if err := r.vote(string(rune('a'+i%26))+string(rune(i)), "name:opcodes", i%3); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		done := last != nil && last[0]+last[1]+last[2] == 1000
		n := sends
		mu.Unlock()
		if done {
			if n > 5 {
				t.Fatalf("%d aggregate messages for 1000 votes made at once; want a handful", n)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the counts never reached 1000: %v after %d sends", last, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestQuestionsLimitsUpvotesAndModeration(t *testing.T) {
	clock := time.Unix(1_700_000_000, 0)
	r := newRoom(true, nil, nil)
	r.now = func() time.Time { return clock }
	for _, bad := range []string{"", "   ", strings.Repeat("é", 281), "bell\x07"} {
		if _, err := r.ask("a", bad); !isRefusal(err) {
			t.Errorf("ask %.20q: %v, want a refusal", bad, err)
		}
	}
	script := `<script>alert(1)</script> & <b>bold</b>?`
	id1, err := r.ask("a", script)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.ask("a", strings.Repeat("é", 280)); err != nil {
		t.Fatalf("280 characters: %v", err)
	}
	id3, _ := r.ask("a", "third")
	if _, err := r.ask("a", "fourth"); !isRefusal(err) || !strings.Contains(err.Error(), "3 questions a minute") {
		t.Fatalf("a fourth question within the minute: %v", err)
	}
	if _, err := r.ask("b", "another device"); err != nil {
		t.Fatalf("another device is not limited by a's questions: %v", err)
	}
	clock = clock.Add(askWindow)
	if _, err := r.ask("a", "a minute later"); err != nil {
		t.Fatalf("a minute later: %v", err)
	}
	if got := r.questionViews(false); len(got) != 0 {
		t.Fatalf("moderated questions shown to the audience before approval: %+v", got)
	}
	if err := r.upvote("b", id1); !isRefusal(err) {
		t.Fatalf("upvote of a pending question: %v", err)
	}
	r.questionCommand(id1, "approve")
	r.questionCommand(id3, "approve")
	aud := r.questionViews(false)
	if len(aud) != 2 || aud[0].Text != script {
		t.Fatalf("the audience sees %+v, want the two approved questions, text as written", aud)
	}
	if err := r.upvote("a", id3); !isRefusal(err) {
		t.Fatalf("upvoting one's own question: %v", err)
	}
	for range 3 {
		if err := r.upvote("b", id3); err != nil {
			t.Fatal(err)
		}
	}
	r.upvote("c", id3)
	if got := r.questionViews(true); got[0].ID != id3 || got[0].Votes != 2 {
		t.Fatalf("presenter's list %+v: want question %d first with 2 votes (b once, c)", got, id3)
	}
	if got := r.upvotedBy("b"); len(got) != 1 || got[0] != id3 {
		t.Fatalf("upvotedBy(b) = %v", got)
	}
	r.questionCommand(id3, "answer")
	r.questionCommand(id1, "hide")
	aud = r.questionViews(false)
	if len(aud) != 1 || aud[0].ID != id3 || aud[0].State != questionAnswered {
		t.Fatalf("after answer and hide the audience sees %+v", aud)
	}
	if err := r.questionCommand(99, "answer"); !isRefusal(err) {
		t.Fatalf("unknown question: %v", err)
	}
}

func TestReactionsAreCountedAndOthersRefused(t *testing.T) {
	r := newRoom(false, nil, nil)
	for range 3 {
		if err := r.fromAudience("a", []byte(`{"type":"react","emoji":"👏"}`)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.fromAudience("a", []byte(`{"type":"react","emoji":"<img>"}`)); !isRefusal(err) {
		t.Fatalf("unknown reaction: %v", err)
	}
	if got := r.takeReactions(); got["👏"] != 3 || len(got) != 1 {
		t.Fatalf("reactions %v", got)
	}
	if got := r.takeReactions(); len(got) != 0 {
		t.Fatalf("taken twice: %v", got)
	}
}

func TestMalformedAudienceMessagesAreErrorsNotRefusals(t *testing.T) {
	r := newRoom(false, nil, nil)
	for _, m := range []string{`not json`, `{"type":"goto","index":3}`, `[]`, `{"type":"hello"}`} {
		if err := r.fromAudience("a", []byte(m)); err == nil || isRefusal(err) {
			t.Errorf("%s: %v, want an error that closes the socket", m, err)
		}
	}
	if err := r.fromAudience("a", []byte(`{"type":"vote","poll":"x"}`)); !isRefusal(err) {
		t.Errorf("a vote without an option: %v, want a refusal", err)
	}
}

func TestFloodGate(t *testing.T) {
	var g floodGate
	now := time.Unix(0, 0)
	for i := range floodBurst {
		if !g.allow(now) {
			t.Fatalf("message %d of a burst refused", i+1)
		}
	}
	if g.allow(now) {
		t.Fatal("message past the burst allowed")
	}
	now = now.Add(time.Second)
	for i := range floodRate {
		if !g.allow(now) {
			t.Fatalf("message %d a second later refused", i+1)
		}
	}
	if g.allow(now) {
		t.Fatal("more than the rate allowed")
	}
}

func TestResultsSurviveASnapshotAndRestore(t *testing.T) {
	d := parsePollDeck(t, pollDeck)
	r := newRoom(false, nil, nil)
	r.setDeck(d)
	r.reached("name:opcodes")
	r.vote("a", "name:opcodes", 1)
	r.vote("b", "name:opcodes", 2)
	r.pollCommand("name:opcodes", "reveal")
	q, _ := r.ask("a", "=HYPERLINK(\"x\")")
	r.upvote("b", q)

	r2 := newRoom(false, nil, nil)
	if err := r2.restore(r.snapshot()); err != nil {
		t.Fatal(err)
	}
	r2.setDeck(d)
	if got, want := mustJSON(t, r2.results()), mustJSON(t, r.results()); got != want {
		t.Fatalf("results after restore:\n%s\nwant\n%s", got, want)
	}
	if err := r2.vote("a", "name:opcodes", 1); err != nil || r2.votesOf("a")["name:opcodes"] != 1 {
		t.Fatalf("device a's vote after restore: %v %v", r2.votesOf("a"), err)
	}
	if r2.upvote("b", q); r2.questionViews(true)[0].Votes != 1 {
		t.Fatal("b's upvote counted twice after restore")
	}
	csv := string(resultsCSV(r2.results()))
	for _, want := range []string{"poll,name:opcodes,Which opcode is a ping?,0x9,1,correct\n", `question,1,,"'=HYPERLINK(""x"")",1,open`} {
		if !strings.Contains(csv, want) {
			t.Errorf("CSV lacks %q:\n%s", want, csv)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestHeartbeatHistogram(t *testing.T) {
	m := histogram([]float64{3, 7, 7.5, 60, 2400})
	if m.Phones != 5 || m.Median != 7.5 || m.Slowest != 2400 {
		t.Fatalf("phones %d median %v slowest %v", m.Phones, m.Median, m.Slowest)
	}
	//                    ≤5 ≤10 ≤20 ≤50 ≤100 ≤200 ≤500 ≤1000 more
	if want := []int{1, 2, 0, 0, 1, 0, 0, 0, 1}; !equalInts(m.Counts, want) {
		t.Fatalf("counts %v, want %v", m.Counts, want)
	}
	if m := histogram([]float64{10, 20}); m.Median != 15 || m.Counts[1] != 1 || m.Counts[2] != 1 {
		t.Fatalf("two phones: %+v (a bucket's bound belongs to it)", m)
	}
	if m := histogram(nil); m.Phones != 0 || len(m.Counts) != len(m.Bounds)+1 {
		t.Fatalf("no phones: %+v", m)
	}
}

// BenchmarkRoomVote is the room's cost of one vote (a device changing its
// vote among three options), without the sockets: the aggregate it marks
// goes out at most every flushEvery, whatever the number of votes.
func BenchmarkRoomVote(b *testing.B) {
	d := slides.Parse("deck.md", []byte(pollDeck), nil)
	r := newRoom(false, func(whatChanged, *room) {}, nil)
	r.setDeck(d)
	r.reached("name:opcodes")
	devices := make([]string, 10000)
	for i := range devices {
		devices[i] = newDeviceID()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := r.vote(devices[i%len(devices)], "name:opcodes", i%3); err != nil {
			b.Fatal(err)
		}
	}
}
