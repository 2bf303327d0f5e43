package main

import (
	"fmt"
	"math"
)

// What the report says of the audience's workloads, computed from their
// results (results_interact.go).

// interval is a median with its 95 % confidence interval (medianCI).
type interval struct {
	Med, Lo, Hi float64
	N           int
}

func newInterval(xs []float64) interval {
	m, lo, hi, n := medianCI(xs)
	return interval{m, lo, hi, n}
}

// votesSummary is workload (a) in figures.
type votesSummary struct {
	Final          interval // ms from the last vote to the final counts at the presenter
	FinalMax       float64
	CPUPerVoteUS   interval // the server's CPU per vote, µs (a round's CPU over its votes)
	PresenterPolls float64  // median "polls" messages the presenter got in a round
	PhoneMessages  float64  // median messages a phone got in a round
	MemVotingB     float64  // heap and stacks per socket, halfway through the votes, minus idle
	MemVotedB      float64  // the same once every vote is held
	RSSVotingB     float64  // resident set per socket, halfway through the votes, minus idle
	IdleCPUShare   float64  // the server's CPU share holding the sockets idle (no pings)
}

func summarizeVotes(v *votesResult) votesSummary {
	var s votesSummary
	var final, cpu, polls, phone []float64
	for _, r := range v.Rounds {
		final = append(final, r.FinalMS)
		cpu = append(cpu, float64(r.ServerCPUNS)/float64(v.N)/1e3)
		polls = append(polls, float64(r.PresenterPolls))
		phone = append(phone, float64(r.PhoneMessages)/float64(v.N))
		s.FinalMax = max(s.FinalMax, r.FinalMS)
	}
	s.Final, s.CPUPerVoteUS = newInterval(final), newInterval(cpu)
	s.PresenterPolls, s.PhoneMessages = median(polls), median(phone)
	s.MemVotingB, s.RSSVotingB, _, _ = idleResult{N: v.N, Base: v.MemIdle, Mem: v.MemVoting}.perConn()
	s.MemVotedB, _, _, _ = idleResult{N: v.N, Base: v.MemIdle, Mem: v.MemVoted}.perConn()
	if v.WindowMS > 0 {
		s.IdleCPUShare = float64(v.IdleCPUNS) / (v.WindowMS * 1e6)
	}
	return s
}

// heapStackOf is the heap and stacks m holds.
func heapStackOf(m memStats) float64 { return float64(m.HeapInuse + m.StackInuse) }

// reactionsSummary is workload (b) in figures.
type reactionsSummary struct {
	Idle, Loaded  interval // ms, slide change to the last phone
	Ratio         interval // loaded / idle, pair by pair
	RatePerSock   float64  // reactions a second per socket, sent in the loaded rounds (median)
	IdleCPU       float64  // the server's CPU share in idle rounds (median)
	LoadedCPU     float64  // and in loaded ones
	CPUPerReactUS float64  // (loaded − idle CPU) over the reactions sent, µs
}

func summarizeReactions(r *reactionsResult) reactionsSummary {
	s := reactionsSummary{
		Idle:      newInterval(r.IdleMS),
		Loaded:    newInterval(r.LoadedMS),
		Ratio:     newInterval(pairRatios(r.LoadedMS, r.IdleMS)),
		IdleCPU:   median(r.IdleCPU) / 1e9,
		LoadedCPU: median(r.LoadedCPU) / 1e9,
	}
	sent := median(r.SentPerSec)
	if r.N > 0 {
		s.RatePerSock = sent / float64(r.N)
	}
	s.CPUPerReactUS = math.NaN()
	if sent > 0 {
		s.CPUPerReactUS = (median(r.LoadedCPU) - median(r.IdleCPU)) / sent / 1e3
	}
	return s
}

// heartbeatSummary is workload (c) in figures.
type heartbeatSummary struct {
	PingsCPU, BeatCPU float64  // the server's CPU share, pings alone and with the heartbeat (medians)
	FloorCPU          float64  // with the sockets idle and no pings (workload (a)'s idle window); NaN if not measured
	PingsCost         interval // the pings' CPU share above the floor, window by window
	BeatCost          interval // the heartbeat's above the pings alone, pair by pair
	Ratio             interval // the heartbeat's cost over the pings', pair by pair
	PingsMsgs         float64  // messages a phone got a second, pings alone (medians)
	BeatMsgs          float64  // with the heartbeat
	Pongs             float64  // pongs a socket sent a second (median, every window)
	// The last histogram the presenter got in each heartbeat window
	// (medians): phones counted, their median and slowest round trip.
	Phones, MedianRTT, SlowestRTT float64
}

// summarizeHeartbeat computes (c); floorShare is the server's CPU share
// with the sockets idle and no pings, NaN if unknown (then the pings'
// cost is taken as all of their windows' CPU).
func summarizeHeartbeat(h *heartbeatResult, floorShare float64) heartbeatSummary {
	s := heartbeatSummary{FloorCPU: floorShare}
	floor := floorShare
	if math.IsNaN(floor) {
		floor = 0
	}
	win := h.WindowMS / 1e3 // seconds
	share := func(w heartbeatWindow) float64 { return float64(w.CPUNS) / (win * 1e9) }
	var pings, beats, pingCost, beatCost, pm, bm, pongs []float64
	for i, p := range h.Pings {
		pings = append(pings, share(p))
		pingCost = append(pingCost, share(p)-floor)
		pm = append(pm, float64(p.PhoneMessages)/float64(h.N)/win)
		pongs = append(pongs, float64(p.Pongs)/float64(h.N)/win)
		if i < len(h.Heartbeat) {
			beatCost = append(beatCost, share(h.Heartbeat[i])-share(p))
		}
	}
	ratio := pairRatios(beatCost, pingCost) // the heartbeat's cost over the pings', window by window
	var phones, med, slow []float64
	for _, b := range h.Heartbeat {
		phones, med, slow = append(phones, float64(b.Seen.Phones)), append(med, b.Seen.Median), append(slow, b.Seen.Slowest)
		beats = append(beats, share(b))
		bm = append(bm, float64(b.PhoneMessages)/float64(h.N)/win)
		pongs = append(pongs, float64(b.Pongs)/float64(h.N)/win)
	}
	s.PingsCPU, s.BeatCPU = median(pings), median(beats)
	s.PingsCost, s.BeatCost, s.Ratio = newInterval(pingCost), newInterval(beatCost), newInterval(ratio)
	s.PingsMsgs, s.BeatMsgs, s.Pongs = median(pm), median(bm), median(pongs)
	s.Phones, s.MedianRTT, s.SlowestRTT = median(phones), median(med), median(slow)
	return s
}

// summaryLine is one line of progress about workload w.
func summaryLine(res *interactResults, w string) string {
	switch {
	case w == "votes" && res.Votes != nil:
		s := summarizeVotes(res.Votes)
		return fmt.Sprintf("final counts %.1f ms after the last vote (p50; max %.1f), %.1f µs CPU a vote, %.0f polls messages to the presenter a round, %.0f B per voting socket",
			s.Final.Med, s.FinalMax, s.CPUPerVoteUS.Med, s.PresenterPolls, s.MemVotingB)
	case w == "reactions" && res.Reactions != nil:
		s := summarizeReactions(res.Reactions)
		return fmt.Sprintf("slide change %.1f ms idle, %.1f ms reacting (%.2f reactions/s a socket): %.2f× pair by pair (95%% CI %.2f× to %.2f×)",
			s.Idle.Med, s.Loaded.Med, s.RatePerSock, s.Ratio.Med, s.Ratio.Lo, s.Ratio.Hi)
	case w == "heartbeat" && res.Heartbeat != nil:
		s := summarizeHeartbeat(res.Heartbeat, math.NaN())
		return fmt.Sprintf("server CPU %.1f%% with pings alone, %.1f%% with the heartbeat (%.2f and %.2f messages a phone a second)",
			100*s.PingsCPU, 100*s.BeatCPU, s.PingsMsgs, s.BeatMsgs)
	}
	return "no result"
}
