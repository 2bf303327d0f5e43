package main

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"time"
)

// entrants returns the servers of the broadcast's tournaments: the
// libraries and the floor, and the hub, as -only and -libs name them.
func (r *runner) entrants() []entrant {
	cfg := r.cfg
	var entrants []entrant
	if cfg.only["broadcast"] {
		for _, lib := range cfg.libs.bcast {
			entrants = append(entrants, entrant{name: lib, lib: lib, exe: cfg.exe})
		}
	}
	if cfg.only["hub"] {
		entrants = append(entrants, entrant{name: "hub", lib: "hub", exe: cfg.exe})
	}
	return entrants
}

// broadcast plays the broadcast's tournament number run (from 0) of
// entrants, adds what each entrant measured to the results, and returns
// how long it took.
func (r *runner) broadcast(entrants []entrant, run int) time.Duration {
	t0 := time.Now()
	r.tournament(entrants, run)
	return time.Since(t0)
}

// tournament is broadcast without the clock.
func (r *runner) tournament(entrants []entrant, run int) {
	cfg, res := r.cfg, r.res
	logf("[broadcast %d/%d] a tournament of %d servers", run+1, cfg.bcastRuns, len(entrants))
	t := tournamentConfig{ns: cfg.counts, warmup: 3, rounds: cfg.rounds, gap: 20 * time.Millisecond,
		clients: cfg.exe, seed: uint64(res.Started.UnixNano()) + uint64(run), log: logf}
	if cfg.profile && run == cfg.runs-1 {
		f, err := os.CreateTemp("", "wtbench-*.pprof")
		if err == nil {
			f.Close()
			defer os.Remove(f.Name())
			t.profile, t.profName, t.profN = f.Name(), "wiretalk", slices.Max(cfg.counts)
		}
	}
	played, failed := t.play(entrants)
	for _, e := range entrants {
		if err, ok := failed[e.name]; ok {
			r.fail(fmt.Sprintf("broadcast %s (run %d)", e.name, run+1), err)
		}
		// A failed run is an empty one, so that run i of every
		// server stays at index i: the report pairs their rounds.
		res.Broadcast[e.name] = append(res.Broadcast[e.name], played[e.name])
	}
	if t.profile != "" {
		if out, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount=25", cfg.exe, t.profile).Output(); err == nil {
			res.Profile = string(out)
		}
	}
}
