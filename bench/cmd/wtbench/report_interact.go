package main

import (
	"fmt"
	"math"
	"os"
	"strings"
)

// Section 7 of the report, the audience talking back, is written by
// "wtbench interact" (interact.go) between these markers, and "wtbench
// run" keeps it as it is when it rewrites the rest. Within it, the notes
// between the second pair of markers are written by hand and kept by
// both.
const (
	interactBegin      = "<!-- section 7: written by wtbench interact, kept by wtbench run -->"
	interactEnd        = "<!-- end of section 7 -->"
	interactNotesBegin = "<!-- notes: written by hand, kept by wtbench interact -->"
	interactNotesEnd   = "<!-- end of notes -->"
)

// Issue 18's targets.
const (
	finalGoalMS    = 200.0 // the presenter's counts final after the last vote, p50
	slideGoalRatio = 2.0   // a slide change while reacting, over one with the audience idle
	beatGoalRatio  = 1.0   // the heartbeat's CPU over the pings'
)

// writeInteractSection writes section 7 of the report at path from res,
// keeping the rest of the file and the section's hand-written notes.
func writeInteractSection(path string, res *interactResults) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	notes, ok := between(string(old), interactNotesBegin, interactNotesEnd)
	if !ok {
		notes = "\n_No notes written yet._\n\n"
	}
	doc := spliceSection(string(old), interactSection(res, notes))
	return os.WriteFile(path, []byte(doc), 0o644)
}

// between returns the text between begin and end in s.
func between(s, begin, end string) (string, bool) {
	_, rest, ok := strings.Cut(s, begin)
	if !ok {
		return "", false
	}
	text, _, ok := strings.Cut(rest, end)
	return text, ok
}

// keptSection returns section 7 of the report doc, markers included, or
// "" if doc has none written by wtbench interact.
func keptSection(doc string) string {
	text, ok := between(doc, interactBegin, interactEnd)
	if !ok {
		return ""
	}
	return interactBegin + text + interactEnd + "\n"
}

// spliceSection puts section (markers included) in doc: in place of the
// section between the markers, or else of the one headed "## 7.", up to
// the next "## " heading; or else before "## Profile", or at the end.
func spliceSection(doc, section string) string {
	if i := strings.Index(doc, interactBegin); i >= 0 {
		if j := strings.Index(doc[i:], interactEnd); j >= 0 {
			rest := strings.TrimPrefix(doc[i+j+len(interactEnd):], "\n")
			return doc[:i] + section + rest
		}
	}
	if i := headingAt(doc, "## 7. ", 0); i >= 0 {
		j := headingAt(doc, "## ", i+1)
		if j < 0 {
			j = len(doc)
		}
		return doc[:i] + section + "\n" + doc[j:]
	}
	if i := headingAt(doc, "## Profile", 0); i >= 0 {
		return doc[:i] + section + "\n" + doc[i:]
	}
	return strings.TrimRight(doc, "\n") + "\n\n" + section
}

// headingAt returns the offset, at or after from, of the first line of
// doc that starts with prefix; -1 if none.
func headingAt(doc, prefix string, from int) int {
	for i := from; i < len(doc); {
		if (i == 0 || doc[i-1] == '\n') && strings.HasPrefix(doc[i:], prefix) {
			return i
		}
		j := strings.IndexByte(doc[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1
	}
	return -1
}

// interactSection renders section 7 from res, with notes (the hand-written
// part) in place.
func interactSection(res *interactResults, notes string) string {
	var w strings.Builder
	f := func(format string, args ...any) { fmt.Fprintf(&w, format, args...) }
	title := "The audience talks back"
	if res.Votes == nil || res.Reactions == nil || res.Heartbeat == nil {
		title += " (partial)"
	}
	f("%s\n## 7. %s\n\n", interactBegin, title)
	f("Issue 18's targets at %s sockets, measured by `wtbench interact` against wiretalk's own server (`server.New`, as `wiretalk serve` builds it, on loopback) on %s UTC (took %v), wiretalk commit %s, on %s, %d cores, %s, Go %s. This section is written by that command (`cd bench && go run ./cmd/wtbench interact -n %d`; `-in bin/interact.json` writes it again from the saved results), and `wtbench run` keeps it as it is; only its notes are written by hand.\n\n",
		comma(float64(res.N)), res.Started.Format("2006-01-02 15:04"), res.Finished.Sub(res.Started).Round(1e9), res.Env.Commit, res.Env.CPU, res.Env.Cores, res.Env.Kernel, res.Env.Go, res.N)
	f("| target | goal | measured | |\n|---|---|---|---|\n")
	var vs votesSummary
	floor := math.NaN()
	if v := res.Votes; v != nil {
		vs = summarizeVotes(v)
		floor = vs.IdleCPUShare
		f("| votes: %s sockets each voting once within %s | the presenter's counts final ≤ %.0f ms after the last vote (p50 over rounds) | %.1f ms (95%% CI %.1f to %.1f ms, %d rounds; slowest %.1f ms) | %s |\n",
			comma(float64(v.N)), seconds(v.SpreadMS), finalGoalMS, vs.Final.Med, vs.Final.Lo, vs.Final.Hi, vs.Final.N, vs.FinalMax, verdict(vs.Final.Med <= finalGoalMS))
		f("| votes: aggregates | coalesced, latest-wins, never one message per vote | %s `polls` messages to the presenter a round of %s votes (median) | %s |\n",
			comma(vs.PresenterPolls), comma(float64(v.N)), verdict(vs.PresenterPolls*10 <= float64(v.N)))
	}
	var rs reactionsSummary
	if r := res.Reactions; r != nil {
		rs = summarizeReactions(r)
		f("| reactions: %s sockets reacting %g times a second each | a slide change reaches every phone within %g× its time with the audience idle | %.1f ms reacting vs %.1f ms idle: %.2f× pair by pair (95%% CI %.2f× to %.2f×, %d pairs); %.2f reactions a second a socket sent | %s |\n",
			comma(float64(r.N)), r.Rate, slideGoalRatio, rs.Loaded.Med, rs.Idle.Med, rs.Ratio.Med, rs.Ratio.Lo, rs.Ratio.Hi, rs.Ratio.N, rs.RatePerSock, verdict(rs.Ratio.Med <= slideGoalRatio))
	}
	var hs heartbeatSummary
	if h := res.Heartbeat; h != nil {
		hs = summarizeHeartbeat(h, floor)
		f("| heartbeat: the histogram over %s sockets, pings every %s | costs the server no more CPU than its pings | pings %s of a CPU above the idle floor; the heartbeat %s more: %.2f× the pings' cost window by window (95%% CI %.2f× to %.2f×, %d pairs) | %s |\n",
			comma(float64(h.N)), seconds(h.PingMS), pct(hs.PingsCost.Med), pct(hs.BeatCost.Med), hs.Ratio.Med, hs.Ratio.Lo, hs.Ratio.Hi, hs.Ratio.N, verdict(hs.Ratio.Med <= beatGoalRatio))
	}
	f("\n")
	if v := res.Votes; v != nil {
		f("**(a) Votes.** Every socket votes once per round (`{\"type\":\"vote\",\"poll\":\"name:vote\",\"option\":i%%3}`), socket after socket, evenly over %s; the presenter's socket reads its `polls` messages and the round ends at the first whose counts add up to every vote; the time is from the last vote's write to that message's receipt. The presenter then resets the poll for the next round. %d untimed round(s) first; an untimed last round reads the server's memory halfway through its votes.\n\n",
			seconds(v.SpreadMS), res.Warmup)
		f("| figure | value |\n|---|---:|\n")
		f("| server CPU per vote (the server process's user and system time over a round, over its votes; median of rounds) | %.1f µs (95%% CI %.1f to %.1f) |\n", vs.CPUPerVoteUS.Med, vs.CPUPerVoteUS.Lo, vs.CPUPerVoteUS.Hi)
		f("| memory per voting socket: heap and stacks halfway through a round's votes, minus the same sockets idle before any vote | %s B |\n", comma(vs.MemVotingB))
		f("| the same once every vote is held, the sockets idle again | %s B |\n", comma(vs.MemVotedB))
		f("| resident set per voting socket, halfway through, minus idle | %s B |\n", comma(vs.RSSVotingB))
		f("| heap and stacks with the %s sockets idle, before any vote | %s B (%s B a socket) |\n", comma(float64(v.N)), comma(heapStackOf(v.MemIdle)), comma(heapStackOf(v.MemIdle)/float64(v.N)))
		f("| stacks: idle, halfway through the votes, after | %s B, %s B, %s B |\n", comma(float64(v.MemIdle.StackInuse)), comma(float64(v.MemVoting.StackInuse)), comma(float64(v.MemVoted.StackInuse)))
		f("| messages a phone received in a round (its `mine` answer, and `polls`) | %.1f |\n", vs.PhoneMessages)
		f("| the server's CPU holding the idle sockets, no pings (%s window) | %s |\n", seconds(v.WindowMS), pct(vs.IdleCPUShare))
		f("\nRounds (ms from the last vote to the final counts): %s.\n\n", msList(v.Rounds))
	}
	if r := res.Reactions; r != nil {
		f("**(b) Reactions.** A slide change is timed as in section 2's hub: from the presenter's `goto` frame to the last phone's receipt of the new `state`. Rounds come in pairs, one with the audience idle and one while every socket sends `{\"type\":\"react\",\"emoji\":\"👏\"}` %g times a second (socket after socket, an even stream of %s a second), the order within a pair alternating; each round waits %s after the reactions start or stop. %d untimed pair(s) first. Reactions stay under the server's flood limit (20 at once, 10 a second per socket); no socket was closed.\n\n",
			r.Rate, comma(r.Rate*float64(r.N)), seconds(r.SettleMS), res.Warmup)
		f("| figure | idle | reacting |\n|---|---:|---:|\n")
		f("| slide change to the last phone, median (95%% CI) | %.1f ms (%.1f to %.1f) | %.1f ms (%.1f to %.1f) |\n", rs.Idle.Med, rs.Idle.Lo, rs.Idle.Hi, rs.Loaded.Med, rs.Loaded.Lo, rs.Loaded.Hi)
		f("| the server's CPU (share of one core, median of rounds) | %s | %s |\n", pct(rs.IdleCPU), pct(rs.LoadedCPU))
		f("| server CPU per reaction ((reacting − idle) over the reactions sent) | | %.1f µs |\n", rs.CPUPerReactUS)
		f("| `reactions` messages the presenter received in the whole run | | %s |\n\n", comma(float64(r.Presenter["reactions"])))
	}
	if h := res.Heartbeat; h != nil {
		f("**(c) Heartbeat.** The server pings every socket every %s and the sockets answer (as browsers do); the histogram goes out once per ping interval while the deck has a `![:heartbeat]()` slide, whichever slide is shown. So the deck is rewritten and reloaded (the control port calls `Server.Reload`, as the file watch would) before each window, in turn without and with that slide; each window starts %s after its reload, and the server's CPU is read over it (%s), in pairs with alternating order. The idle floor (the same number of sockets, no pings) is workload (a)'s idle window, in its own server process.\n\n",
			seconds(h.PingMS), seconds(h.SettleMS), seconds(h.WindowMS))
		f("| figure | pings alone | pings and heartbeat |\n|---|---:|---:|\n")
		f("| the server's CPU (share of one core, median of windows) | %s | %s |\n", pct(hs.PingsCPU), pct(hs.BeatCPU))
		f("| messages a phone received a second | %.2f | %.2f |\n", hs.PingsMsgs, hs.BeatMsgs)
		f("| pongs a socket sent a second (every window) | %.2f | |\n", hs.Pongs)
		f("| the histogram, as last sent in a window: phones, median and slowest round trip (medians of windows) | | %s phones, %.1f ms, %.1f ms |\n", comma(hs.Phones), hs.MedianRTT, hs.SlowestRTT)
		if !math.IsNaN(hs.FloorCPU) {
			f("| the idle floor: sockets held, no pings | %s | |\n", pct(hs.FloorCPU))
		}
		f("\n")
	}
	f("Conditions: the server process pinned to CPU %s and the clients process to CPU %s (`taskset -c`), on a machine shared with other work; load average (1, 5, 15 min) before and after each workload: %s. Each clients process holds every socket with a few epoll loops (`bench/internal/rawws`), and each socket is a phone of its own: its own `wiretalk_device` cookie and the page's `Origin` in its handshake.\n",
		orAll(res.ServerCPU), orAll(res.ClientsCPU), loads(res))
	if len(res.Failures) > 0 {
		f("\n**Failed:**\n\n")
		for _, m := range res.Failures {
			f("- %s\n", m)
		}
	}
	f("\n### Notes\n\n%s%s%s\n%s\n", interactNotesBegin, notes, interactNotesEnd, interactEnd)
	return w.String()
}

// loads describes the load average around each workload measured.
func loads(res *interactResults) string {
	var out []string
	for _, w := range []struct {
		name string
		ok   bool
		l    phaseLoad
	}{{"votes", res.Votes != nil, res.VotesLoad}, {"reactions", res.Reactions != nil, res.ReactionsLoad}, {"heartbeat", res.Heartbeat != nil, res.HeartbeatLoad}} {
		if !w.ok {
			continue
		}
		when := ""
		if !w.l.Start.IsZero() {
			when = fmt.Sprintf(" (%s to %s UTC)", w.l.Start.Format("15:04:05"), w.l.End.Format("15:04:05"))
		}
		out = append(out, fmt.Sprintf("%s%s %s → %s", w.name, when, w.l.Before, w.l.After))
	}
	return strings.Join(out, "; ")
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "**not met**"
}

// seconds writes a duration in ms as seconds or ms.
func seconds(msec float64) string {
	if msec >= 1000 {
		return fmt.Sprintf("%g s", msec/1000)
	}
	return fmt.Sprintf("%g ms", msec)
}

func pct(share float64) string { return fmt.Sprintf("%.1f %%", 100*share) }

func orAll(cpus string) string {
	if cpus == "" {
		return "any"
	}
	return cpus
}

func msList(rounds []voteRound) string {
	var s []string
	for _, r := range rounds {
		s = append(s, fmt.Sprintf("%.1f", r.FinalMS))
	}
	return strings.Join(s, ", ")
}
