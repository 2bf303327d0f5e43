package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// cmdRun runs the workloads that -only names, saves the results and
// writes the report.
func cmdRun(args []string) error {
	cfg, err := newRunConfig(args)
	if err != nil {
		return err
	}
	res := &results{
		Env:       collectEnv(cfg.benchDir),
		Started:   time.Now().UTC(),
		Quick:     cfg.quick,
		Runs:      cfg.runs,
		BcastRuns: cfg.bcastRuns,
		EchoRuns:  cfg.echoRuns,
		Rounds:    cfg.rounds,
		EchoDur:   cfg.echoDur.String(),
		Echo:      map[string][][]echoResult{},
		Broadcast: map[string][][]broadcastResult{},
		Idle:      map[string][][]idleResult{},
		Micro:     map[string][]microResult{},
	}
	r := &runner{cfg: cfg, res: res}
	logf("wtbench run: %d run(s) of %s; %s, Go %s", cfg.runs, cfg.workloads, res.Env.CPU, res.Env.Go)

	if cfg.only["echo"] {
		r.echo()
	}
	// The broadcast runs -runs times here, each run a tournament of every
	// library, the floor and the hub (tournament.go); its further runs (up
	// to -bcast-runs) come last, while the time budget lasts, so that a
	// busy machine cannot push the whole run over it.
	entrants := r.entrants()
	var bcastTime time.Duration // of one run, the longest so far
	if len(entrants) > 0 {
		for run := range min(cfg.runs, cfg.bcastRuns) {
			bcastTime = max(bcastTime, r.broadcast(entrants, run))
		}
	}
	if cfg.only["idle"] {
		r.idle()
	}
	if cfg.only["micro"] {
		r.micro()
	}
	if cfg.only["page"] {
		r.page()
	}
	if len(entrants) > 0 {
		for run := min(cfg.runs, cfg.bcastRuns); run < cfg.bcastRuns; run++ {
			if left := cfg.budget - time.Since(res.Started); left < bcastTime*5/4 {
				logf("[broadcast] no run %d: %v of the %v budget left, a run takes %v", run+1, left.Round(time.Second), cfg.budget, bcastTime.Round(time.Second))
				break
			}
			bcastTime = max(bcastTime, r.broadcast(entrants, run))
		}
	}
	res.Finished = time.Now().UTC()
	logf("measured in %v", res.Finished.Sub(res.Started).Round(time.Second))
	return r.save()
}

// runner is a "wtbench run" under way: how it measures, and what it has
// measured so far.
type runner struct {
	cfg *runConfig
	res *results
}

// fail records the failure of a workload, which the report lists; the
// run goes on.
func (r *runner) fail(what string, err error) {
	msg := fmt.Sprintf("%s: %v", what, err)
	logf("FAILED %s", msg)
	r.res.Failures = append(r.res.Failures, msg)
}

// saveJSON writes v, indented, to path, making its folder if need be:
// the results a run keeps for the report to be written again from.
func saveJSON(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// save writes the results and the report, and fails if a workload did.
func (r *runner) save() error {
	cfg, res := r.cfg, r.res
	if err := saveJSON(cfg.save, res); err != nil {
		return err
	}
	if err := writeReport(cfg.out, res, cfg.libs); err != nil {
		return err
	}
	logf("results in %s; report in %s", cfg.save, cfg.out)
	if len(res.Failures) > 0 {
		return fmt.Errorf("%d workload(s) failed; see the report", len(res.Failures))
	}
	return nil
}

// logf writes a line of progress, with the time, to stderr.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

// findBenchDir finds the bench module's folder from the working directory.
func findBenchDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && bytes.Contains(b, []byte("module wiretalk/bench\n")) {
			return d, nil
		}
		if b, err := os.ReadFile(filepath.Join(d, "bench", "go.mod")); err == nil && bytes.Contains(b, []byte("module wiretalk/bench\n")) {
			return filepath.Join(d, "bench"), nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no bench module above %s: run from the repository or bench/", dir)
		}
	}
}
