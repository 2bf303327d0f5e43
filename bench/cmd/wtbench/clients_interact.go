package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"
	"wiretalk/bench/internal/rawws"
)

// The audience talks back (issue 18): the clients' side of the three
// workloads of "wtbench interact" (interact.go), against wiretalk's own
// server presenting interactDeck. Every socket is a phone of its own: its
// own wiretalk_device cookie and the page's Origin (fleet.dial).

// The interact deck's steps and poll.
const (
	interactPoll      = "name:vote" // the poll's ID: its slide's name
	interactPollSlide = 2           // the poll's step; steps 0 and 1 are the slide changes'
)

// interactDeck is the deck of the audience benchmarks: two plain slides
// to move between, a poll, and the heartbeat's slide, or without
// heartbeat the same slide with text instead of the histogram.
func interactDeck(heartbeat bool) string {
	beat := "The room's round trips would show here."
	if heartbeat {
		beat = "![:heartbeat]()"
	}
	return `name: title

# wtbench interact

---

name: other

# Another slide

---

name: vote
poll: 0x9

# Which opcode is a ping?

- 0x1
- 0x9
- 0xA

---

name: heartbeat

# The room's heartbeat

` + beat + "\n"
}

// writeDeck replaces the deck's file, as an editor that saves by rename
// does, so that the server never reads half a deck.
func writeDeck(path string, heartbeat bool) error {
	tmp := filepath.Join(filepath.Dir(path), ".wtbench-deck.tmp")
	if err := os.WriteFile(tmp, []byte(interactDeck(heartbeat)), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// runVotes measures workload (a): rounds in which every socket votes once,
// spread evenly over cfg.spread, and the presenter waits for the counts
// to add up to every vote. Between rounds the presenter resets the poll.
func runVotes(cfg clientsConfig, maxFD int) (*votesResult, error) {
	f, n, took, err := grownFleet(cfg, maxFD)
	if err != nil {
		return nil, err
	}
	defer f.close()
	res := &votesResult{N: n, ConnectMS: ms(took), SpreadMS: ms(cfg.spread), WindowMS: ms(cfg.window)}
	// The server holding the idle sockets, without pings: the floor of
	// the heartbeat workload's comparison.
	if res.IdleCPUNS, err = f.cpuOver(cfg.window); err != nil {
		return nil, err
	}
	if res.MemIdle, err = f.ctl.mem(); err != nil {
		return nil, err
	}
	// The talk reaches the poll's slide, which opens the poll.
	if err := f.pres.send(fmt.Sprintf(`{"type":"goto","index":%d}`, interactPollSlide)); err != nil {
		return nil, err
	}
	time.Sleep(500 * time.Millisecond)
	if cfg.profFile != "" { // the server's CPU profile over the rounds
		if _, err := f.ctl.ask("prof start " + cfg.profFile); err != nil {
			return nil, err
		}
	}
	for i := range cfg.warmup + cfg.rounds + 1 {
		// The last round is untimed: the server's memory is read while
		// its votes come in.
		memRound := i == cfg.warmup+cfg.rounds
		r, mem, err := f.voteRound(n, i > 0, memRound)
		if err != nil {
			return nil, fmt.Errorf("round %d: %w", i, err)
		}
		switch {
		case memRound:
			res.MemVoting = mem
		case i >= cfg.warmup:
			res.Rounds = append(res.Rounds, r)
		}
	}
	if cfg.profFile != "" {
		if _, err := f.ctl.ask("prof stop"); err != nil {
			return nil, err
		}
	}
	if res.MemVoted, err = f.ctl.mem(); err != nil {
		return nil, err
	}
	res.Presenter = f.pres.kindCounts()
	return res, f.healthy()
}

// voteRound is one round of votes: every socket votes once, the i-th
// at cfg.spread·i/n. With reset, the presenter resets the poll first.
// With mem, the server's memory is read halfway through the votes, and
// the round is not timed.
func (f *fleet) voteRound(n int, reset, mem bool) (voteRound, memStats, error) {
	var r voteRound
	var m memStats
	if reset {
		zero := f.pres.expectTotal(interactPoll, 0)
		if err := f.pres.send(`{"type":"poll","poll":"` + interactPoll + `","action":"reset"}`); err != nil {
			return r, m, err
		}
		select {
		case <-zero:
		case <-time.After(10 * time.Second):
			return r, m, errors.New("the presenter was not told of the reset within 10 s")
		}
	}
	time.Sleep(300 * time.Millisecond) // the reset's aggregates reach the phones
	frames := [3][]byte{}
	for o := range frames {
		frames[o] = rawws.Frame(rawws.OpText, fmt.Appendf(nil, `{"type":"vote","poll":%q,"option":%d}`, interactPoll, o), true)
	}
	kinds0, recv0 := f.pres.kindCounts(), f.group.Received()
	cpu0, err := f.ctl.cpu()
	if err != nil {
		return r, m, err
	}
	final := f.pres.expectTotal(interactPoll, n)
	type memReply struct {
		m   memStats
		err error
	}
	memDone := make(chan memReply, 1)
	t0 := time.Now()
	for i := range n {
		if mem && i == n/2 {
			go func() {
				m, err := f.ctl.mem()
				memDone <- memReply{m, err}
			}()
		}
		if wait := time.Until(t0.Add(f.cfg.spread * time.Duration(i) / time.Duration(n))); wait > 0 {
			time.Sleep(wait)
		}
		if err := f.group.Send(i, frames[i%3]); err != nil {
			return r, m, fmt.Errorf("vote of socket %d: %w", i, err)
		}
	}
	last := time.Since(f.start)
	r.SendMS = ms(time.Since(t0))
	var at time.Duration
	select {
	case at = <-final:
	case <-time.After(30 * time.Second):
		return r, m, fmt.Errorf("30 s after the last vote the presenter's counts do not add up to %d", n)
	}
	if mem { // before the next command: the control connection takes one at a time
		reply := <-memDone
		if reply.err != nil {
			return r, m, reply.err
		}
		m = reply.m
	}
	cpu1, err := f.ctl.cpu()
	if err != nil {
		return r, m, err
	}
	kinds1 := f.pres.kindCounts()
	r.FinalMS = ms(at - last)
	r.ServerCPUNS = cpu1 - cpu0
	r.PresenterPolls = kinds1["polls"] - kinds0["polls"]
	r.PhoneMessages = f.group.Received() - recv0
	return r, m, nil
}

// runReactions measures workload (b): slide changes timed as in the hub's
// broadcast (fleet.round), in pairs of rounds, one with the audience idle
// and one while every socket sends cfg.rate reactions a second; the order
// within a pair alternates.
func runReactions(cfg clientsConfig, maxFD int) (*reactionsResult, error) {
	f, n, took, err := grownFleet(cfg, maxFD)
	if err != nil {
		return nil, err
	}
	defer f.close()
	res := &reactionsResult{N: n, ConnectMS: ms(took), Rate: cfg.rate, SettleMS: ms(cfg.settle)}
	s := newReactor(f, n, cfg.rate)
	defer s.stop()
	for i := range 2 * (cfg.warmup + cfg.rounds) {
		pair := i / 2
		loaded := (i%2 == 0) == (pair%2 == 1) // idle first in even pairs, loaded first in odd ones
		s.set(loaded)
		sent0 := s.sent.Load()
		cpu0, err := f.ctl.cpu()
		if err != nil {
			return nil, err
		}
		t0 := time.Now()
		time.Sleep(cfg.settle)
		d, err := f.round()
		if err != nil {
			return nil, fmt.Errorf("round %d (reactions %v): %w", i, loaded, err)
		}
		cpu1, err := f.ctl.cpu()
		if err != nil {
			return nil, err
		}
		if pair < cfg.warmup {
			continue
		}
		secs := time.Since(t0).Seconds()
		cps := float64(cpu1-cpu0) / secs // server CPU ns per second
		if loaded {
			res.LoadedMS = append(res.LoadedMS, ms(d))
			res.LoadedCPU = append(res.LoadedCPU, cps)
			res.SentPerSec = append(res.SentPerSec, float64(s.sent.Load()-sent0)/secs)
		} else {
			res.IdleMS = append(res.IdleMS, ms(d))
			res.IdleCPU = append(res.IdleCPU, cps)
		}
	}
	s.set(false)
	res.Presenter = f.pres.kindCounts()
	res.Sent = s.sent.Load()
	select {
	case err := <-s.errs:
		return res, fmt.Errorf("a reaction could not be sent: %w", err)
	default:
	}
	return res, f.healthy()
}

// reactor sends reactions from every socket at rate a second each, in
// an even stream (socket after socket), while it is on.
type reactor struct {
	on, quit atomic.Bool
	sent     atomic.Int64
	errs     chan error
	done     chan struct{}
}

func newReactor(f *fleet, n int, rate float64) *reactor {
	s := &reactor{errs: make(chan error, 1), done: make(chan struct{})}
	frame := rawws.Frame(rawws.OpText, []byte(`{"type":"react","emoji":"👏"}`), true)
	go func() {
		defer close(s.done)
		var base time.Time
		var k int64    // reactions due and tried since base
		var next int64 // the socket to send from, counted over all sockets
		for !s.quit.Load() {
			if !s.on.Load() {
				base = time.Time{}
				time.Sleep(5 * time.Millisecond)
				continue
			}
			if base.IsZero() {
				base, k = time.Now(), 0
			}
			due := int64(time.Since(base).Seconds() * rate * float64(n))
			for ; k < due; k++ {
				// Socket after socket, whether the last send failed or
				// not; only what was sent counts.
				if err := f.group.Send(int(next%int64(n)), frame); err != nil {
					select {
					case s.errs <- err:
					default:
					}
				} else {
					s.sent.Add(1)
				}
				next++
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	return s
}

func (s *reactor) set(on bool) { s.on.Store(on) }

func (s *reactor) stop() {
	s.quit.Store(true)
	<-s.done
}

// runHeartbeat measures workload (c): the server's CPU over windows of
// cfg.window, with the sockets answering pings every cfg.ping, the deck
// in turn with and without the heartbeat's slide (rewritten and reloaded
// before each window, cfg.settle before it starts); the order within a
// pair alternates.
func runHeartbeat(cfg clientsConfig, maxFD int) (*heartbeatResult, error) {
	if cfg.deck == "" {
		return nil, errors.New("heartbeat: -deck is needed")
	}
	f, n, took, err := grownFleet(cfg, maxFD)
	if err != nil {
		return nil, err
	}
	defer f.close()
	res := &heartbeatResult{N: n, ConnectMS: ms(took), WindowMS: ms(cfg.window), SettleMS: ms(cfg.settle)}
	for i := range 2 * (cfg.warmup + cfg.rounds) {
		pair := i / 2
		beat := (i%2 == 0) == (pair%2 == 1)
		if err := writeDeck(cfg.deck, beat); err != nil {
			return nil, err
		}
		if _, err := f.ctl.ask("reload"); err != nil {
			return nil, err
		}
		time.Sleep(cfg.settle)
		recv0, pongs0 := f.group.Received(), f.group.Pongs()
		cpu, err := f.cpuOver(cfg.window)
		if err != nil {
			return nil, err
		}
		if d, err := f.group.Dropped(); d > 0 {
			// A socket that missed a pong's deadline: the comparison
			// would be of fewer sockets.
			b := f.pres.lastBeat()
			return nil, fmt.Errorf("window %d (heartbeat %v): the server has dropped %d sockets: %v (its last histogram: %d phones, median %.1f ms, slowest %.1f ms)",
				i, beat, d, err, b.Phones, b.Median, b.Slowest)
		}
		if pair < cfg.warmup {
			continue
		}
		w := heartbeatWindow{CPUNS: cpu, PhoneMessages: f.group.Received() - recv0, Pongs: f.group.Pongs() - pongs0}
		if beat {
			w.Seen = f.pres.lastBeat()
		}
		if beat {
			res.Heartbeat = append(res.Heartbeat, w)
		} else {
			res.Pings = append(res.Pings, w)
		}
	}
	res.Presenter = f.pres.kindCounts()
	return res, f.healthy()
}

// cpuOver returns the server's CPU time over the next d.
func (f *fleet) cpuOver(d time.Duration) (int64, error) {
	c0, err := f.ctl.cpu()
	if err != nil {
		return 0, err
	}
	time.Sleep(d)
	c1, err := f.ctl.cpu()
	return c1 - c0, err
}

// healthy fails if the server dropped a socket or sent a malformed frame,
// or the presenter could not read a message.
func (f *fleet) healthy() error {
	if d, err := f.group.Dropped(); d > 0 {
		return fmt.Errorf("the server dropped %d sockets: %v", d, err)
	}
	if err := f.group.Malformed(); err != nil {
		return err
	}
	if f.pres != nil {
		return f.pres.readErr()
	}
	return nil
}

// grownFleet is a fleet holding the workload's cfg.ns[0] sockets, with how
// many that is and how long they took to open.
func grownFleet(cfg clientsConfig, maxFD int) (*fleet, int, time.Duration, error) {
	f, err := newFleet(cfg, maxFD)
	if err != nil {
		return nil, 0, 0, err
	}
	n := cfg.ns[0]
	took, err := f.grow(n)
	if err != nil {
		f.close()
		return nil, 0, 0, err
	}
	return f, n, took, nil
}
