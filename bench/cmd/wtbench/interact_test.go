package main

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"wiretalk/slides"
)

// The deck the server presents must have the poll and the heartbeat where
// the workloads expect them, and parse without problems either way.
func TestInteractDeckHasThePollAndTheHeartbeat(t *testing.T) {
	for _, beat := range []bool{true, false} {
		d := slides.Parse("deck.md", []byte(interactDeck(beat)), fstest.MapFS{})
		if len(d.Problems) > 0 {
			t.Fatalf("heartbeat %v: problems %v", beat, d.Problems)
		}
		if len(d.Slides) != 4 {
			t.Fatalf("heartbeat %v: %d steps, want 4", beat, len(d.Slides))
		}
		p := d.Slides[interactPollSlide].Poll
		if p == nil || p.ID != interactPoll || len(p.Options) != 3 {
			t.Fatalf("heartbeat %v: step %d's poll is %+v, want %s with 3 options", beat, interactPollSlide, p, interactPoll)
		}
		for i, s := range d.Slides {
			if i != interactPollSlide && s.Poll != nil {
				t.Errorf("step %d has a poll too", i)
			}
		}
		if got := slices.Contains(d.Slides[3].Macros, "heartbeat"); got != beat {
			t.Errorf("heartbeat %v: the last step's macros are %v", beat, d.Slides[3].Macros)
		}
	}
}

func TestInteractFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		ok   bool
	}{
		{nil, true},
		{[]string{"-n", "1000", "-only", "votes,heartbeat"}, true},
		{[]string{"-n", "0"}, false},
		{[]string{"-n", "20000"}, false},          // one clients process holds every socket
		{[]string{"-rate", "11"}, false},          // past the server's flood limit
		{[]string{"-only", "votes,polls"}, false}, // no such workload
		{[]string{"-pairs", "0"}, false},
		{[]string{"stray"}, false},
	} {
		cfg, err := newInteractConfig(tc.args)
		if (err == nil) != tc.ok {
			t.Errorf("%q: error %v, want ok %v", tc.args, err, tc.ok)
		}
		if err == nil && len(tc.args) == 0 {
			if cfg.n != 10000 || cfg.spread != 10*time.Second || cfg.rate != 2 || len(cfg.only) != 3 {
				t.Errorf("defaults: %+v", cfg)
			}
		}
	}
}

const report = `# Benchmarks

## 6. Audience page weight

six

## 7. The audience talks back (partial)

old seven

## Profile of wiretalk's broadcast

profile

## The relay

relay
`

// Section 7 replaces the hand-written one the first time, then itself,
// and leaves every other section as it was.
func TestSpliceSectionReplacesOnlySection7(t *testing.T) {
	sec := interactBegin + "\n## 7. The audience talks back\n\nnew\n" + interactEnd + "\n"
	once := spliceSection(report, sec)
	if strings.Contains(once, "old seven") || !strings.Contains(once, "\nnew\n") {
		t.Fatalf("first splice:\n%s", once)
	}
	for _, keep := range []string{"six", "## Profile of wiretalk's broadcast\n\nprofile", "## The relay\n\nrelay\n"} {
		if !strings.Contains(once, keep) {
			t.Errorf("first splice lost %q:\n%s", keep, once)
		}
	}
	sec2 := strings.Replace(sec, "new", "newer", 1)
	twice := spliceSection(once, sec2)
	if want := strings.Replace(once, "\nnew\n", "\nnewer\n", 1); twice != want {
		t.Errorf("second splice:\n%s\nwant:\n%s", twice, want)
	}
	if got := keptSection(twice); got != sec2 {
		t.Errorf("keptSection = %q, want %q", got, sec2)
	}
	if got := keptSection(report); got != "" {
		t.Errorf("keptSection of a report without markers = %q", got)
	}
	// Without a section 7, it goes before the profile.
	no7 := strings.Replace(report, "## 7. The audience talks back (partial)\n\nold seven\n\n", "", 1)
	if got := spliceSection(no7, sec); !strings.Contains(got, sec+"\n## Profile") {
		t.Errorf("without a section 7:\n%s", got)
	}
}

// A rewrite of the section keeps its hand-written notes.
func TestInteractSectionKeepsItsNotes(t *testing.T) {
	res := &interactResults{N: 10, Votes: &votesResult{N: 10, SpreadMS: 1000, WindowMS: 1000,
		Rounds: []voteRound{{FinalMS: 50, ServerCPUNS: 1e6, PresenterPolls: 2, PhoneMessages: 30}}}}
	sec := interactSection(res, "\nThe notes.\n")
	if !strings.Contains(sec, interactNotesBegin+"\nThe notes.\n"+interactNotesEnd) {
		t.Fatalf("notes lost:\n%s", sec)
	}
	if !strings.Contains(sec, "(partial)") {
		t.Error("a section without reactions and heartbeat is not marked partial")
	}
	notes, ok := between(spliceSection(report, sec), interactNotesBegin, interactNotesEnd)
	if !ok || notes != "\nThe notes.\n" {
		t.Errorf("notes read back: %q, %v", notes, ok)
	}
}

func TestSummarizeVotes(t *testing.T) {
	idle := memStats{HeapInuse: 1000, StackInuse: 2000, RSS: 10000}
	v := &votesResult{N: 10, WindowMS: 2000, IdleCPUNS: 20e6, MemIdle: idle,
		MemVoting: memStats{HeapInuse: 1500, StackInuse: 2500, RSS: 12000},
		MemVoted:  memStats{HeapInuse: 1100, StackInuse: 2400},
		Rounds: []voteRound{
			{FinalMS: 90, ServerCPUNS: 10e6, PresenterPolls: 100, PhoneMessages: 1000},
			{FinalMS: 50, ServerCPUNS: 30e6, PresenterPolls: 98, PhoneMessages: 900},
			{FinalMS: 70, ServerCPUNS: 20e6, PresenterPolls: 99, PhoneMessages: 1100},
		}}
	s := summarizeVotes(v)
	check := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("final p50", s.Final.Med, 70)
	check("slowest", s.FinalMax, 90)
	check("CPU per vote, µs", s.CPUPerVoteUS.Med, 2000) // 20 ms over 10 votes
	check("polls a round", s.PresenterPolls, 99)
	check("phone messages a round", s.PhoneMessages, 100)
	check("memory per voting socket", s.MemVotingB, 100) // (4000 − 3000) / 10
	check("memory per voted socket", s.MemVotedB, 50)    // (3500 − 3000) / 10
	check("RSS per voting socket", s.RSSVotingB, 200)    // (12000 − 10000) / 10
	check("idle CPU share", s.IdleCPUShare, 0.01)        // 20 ms in 2 s
}

func TestSummarizeReactionsPairsRounds(t *testing.T) {
	r := &reactionsResult{N: 100,
		IdleMS:     []float64{10, 20, 10},
		LoadedMS:   []float64{15, 20, 30},
		SentPerSec: []float64{200, 190, 210},
		IdleCPU:    []float64{0.1e9, 0.1e9, 0.1e9},
		LoadedCPU:  []float64{0.3e9, 0.3e9, 0.3e9}}
	s := summarizeReactions(r)
	if s.Ratio.Med != 1.5 || s.Ratio.N != 3 { // 1.5, 1, 3
		t.Errorf("ratio %+v, want median 1.5 of 3 pairs", s.Ratio)
	}
	if s.RatePerSock != 2 || s.IdleCPU != 0.1 || s.LoadedCPU != 0.3 {
		t.Errorf("rate %v, CPU %v and %v", s.RatePerSock, s.IdleCPU, s.LoadedCPU)
	}
	if math.Abs(s.CPUPerReactUS-1000) > 1e-9 { // 0.2 s a second over 200 reactions a second
		t.Errorf("CPU per reaction %v µs, want 1000", s.CPUPerReactUS)
	}
}

func TestSummarizeHeartbeatComparesCostsAboveTheFloor(t *testing.T) {
	h := &heartbeatResult{N: 10, WindowMS: 1000,
		Pings: []heartbeatWindow{{CPUNS: 110e6, Pongs: 10}, {CPUNS: 210e6, Pongs: 10}},
		Heartbeat: []heartbeatWindow{{CPUNS: 160e6, PhoneMessages: 10, Pongs: 10, Seen: heartbeatSeen{Phones: 10, Median: 4, Slowest: 30}},
			{CPUNS: 260e6, PhoneMessages: 10, Pongs: 10, Seen: heartbeatSeen{Phones: 8, Median: 6, Slowest: 50}}}}
	s := summarizeHeartbeat(h, 0.01)
	// Pings cost 0.10 and 0.20 above the floor; the heartbeat 0.05 more in both.
	if math.Abs(s.BeatCost.Med-0.05) > 1e-9 || math.Abs(s.PingsCost.Med-0.15) > 1e-9 {
		t.Errorf("costs %+v and %+v", s.BeatCost, s.PingsCost)
	}
	if math.Abs(s.Ratio.Med-0.375) > 1e-9 { // (0.5 + 0.25) / 2
		t.Errorf("ratio %+v, want 0.375", s.Ratio)
	}
	if s.BeatMsgs != 1 || s.PingsMsgs != 0 || s.Pongs != 1 {
		t.Errorf("messages %v and %v, pongs %v", s.PingsMsgs, s.BeatMsgs, s.Pongs)
	}
	if s.Phones != 9 || s.MedianRTT != 5 || s.SlowestRTT != 40 {
		t.Errorf("histogram seen: %v phones, %v and %v ms", s.Phones, s.MedianRTT, s.SlowestRTT)
	}
	// Without a floor, the pings' whole CPU is their cost.
	if s := summarizeHeartbeat(h, math.NaN()); math.Abs(s.PingsCost.Med-0.16) > 1e-9 {
		t.Errorf("without a floor the pings cost %+v, want 0.16", s.PingsCost)
	}
}

// "wtbench run" rewrites the report but keeps section 7 as "wtbench
// interact" wrote it, after section 6.
func TestWriteReportKeepsSection7(t *testing.T) {
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	sec := interactSection(&interactResults{N: 10}, "\nhand-written\n")
	if err := os.WriteFile(path, []byte(spliceSection(report, sec)), 0o644); err != nil {
		t.Fatal(err)
	}
	res := emptyResults()
	if err := writeReport(path, res, allLibs()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	if keptSection(doc) != sec {
		t.Fatalf("section 7 not kept as it was:\n%s", doc)
	}
	if i, j := strings.Index(doc, "## 6. "), strings.Index(doc, interactBegin); i < 0 || j < i {
		t.Errorf("section 7 at %d, section 6 at %d: want it after", j, i)
	}
}

// "wtbench run" keeps the hand-written appendix (the relay's figures),
// once, at the end, after what it generates.
func TestWriteReportKeepsTheAppendix(t *testing.T) {
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	appendix := appendixBegin + "\n\n## The relay\n\nmeasured by hand\n"
	if err := os.WriteFile(path, []byte(report+"\n"+appendix), 0o644); err != nil {
		t.Fatal(err)
	}
	res := emptyResults()
	for range 2 {
		if err := writeReport(path, res, allLibs()); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	if !strings.HasSuffix(doc, appendix) || strings.Count(doc, appendixBegin) != 1 {
		t.Fatalf("the appendix is not kept once at the end:\n%s", doc)
	}
	if i := strings.Index(doc, "## How it is measured"); i < 0 || i > strings.Index(doc, appendixBegin) {
		t.Errorf("the generated method section is at %d, the appendix at %d: want the appendix after", i, strings.Index(doc, appendixBegin))
	}
}

// emptyResults is a run with no figures, for the report's tests.
func emptyResults() *results {
	return &results{Echo: map[string][][]echoResult{}, Broadcast: map[string][][]broadcastResult{},
		Idle: map[string][][]idleResult{}, Micro: map[string][]microResult{}, Page: &pageResult{Total: 1}}
}
