package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

type runConfig struct {
	runs      int
	bcastRuns int
	echoRuns  int
	budget    time.Duration
	quick     bool
	only      map[string]bool
	libs      libSet
	counts    []int // of the broadcast
	idleNs    string
	rounds    int
	echoDur   time.Duration
	benchtime string
	chromium  string
	profile   bool
	save      string
	out       string
	exe       string
	benchDir  string
	cpu       string // taskset CPU list of the echo workload
}

func cmdRun(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	var cfg runConfig
	fs.IntVar(&cfg.runs, "runs", 3, "runs of every workload but the broadcast; the report gives medians")
	fs.IntVar(&cfg.bcastRuns, "bcast-runs", 5, "runs (tournaments) of the broadcast workload, the one most disturbed by a shared machine: those beyond -runs are made last, while -budget lasts")
	fs.IntVar(&cfg.echoRuns, "echo-cycles", 30, "cycles of the echo workload: in each, every server gets -echo-dur per size, in turn")
	fs.DurationVar(&cfg.budget, "budget", 9*time.Minute, "time after which no further broadcast run is started")
	fs.BoolVar(&cfg.quick, "quick", false, "a smoke test: tiny N, short times, one run (the report says so)")
	only := fs.String("only", "echo,broadcast,hub,idle,micro,page", "workloads to run")
	libsFlag := fs.String("libs", "", "libraries to run (default: all)")
	ns := fs.String("n", "1000,5000,10000", "broadcast socket counts (the hub's too)")
	fs.StringVar(&cfg.idleNs, "idle-n", "5000,10000", "idle-memory socket counts")
	fs.IntVar(&cfg.rounds, "rounds", 25, "timed broadcast rounds at each N")
	fs.DurationVar(&cfg.echoDur, "echo-dur", 150*time.Millisecond, "echo: time measured per size, server and cycle (after a fifth of it to warm up)")
	fs.StringVar(&cfg.benchtime, "benchtime", "200ms", "in-process benchmarks: time per run")
	fs.StringVar(&cfg.chromium, "chromium", "/usr/lib/chromium/chromium", "Chromium for the page weight")
	fs.BoolVar(&cfg.profile, "profile", true, "CPU-profile wiretalk's broadcast at the largest N (last run) and report its top")
	fs.StringVar(&cfg.cpu, "cpu", "1", "CPU that client and server of the echo workload share (taskset -c)")
	fs.StringVar(&cfg.save, "save", "", "where to save the raw results (default: bin/results.json; bin/results-quick.json with -quick)")
	fs.StringVar(&cfg.out, "out", "", "report to write (default: docs/BENCHMARKS.md of the repository; bin/BENCHMARKS-quick.md with -quick)")
	fs.Parse(args)
	if cfg.quick {
		cfg.runs, cfg.bcastRuns, cfg.echoRuns = 1, 1, 3
		*ns, cfg.idleNs = "50,200", "100,200"
		cfg.rounds = 5
		cfg.echoDur = 30 * time.Millisecond
		cfg.benchtime = "20ms"
	}
	cfg.libs = allLibs()
	if *libsFlag != "" {
		cfg.libs = cfg.libs.only(strings.Split(*libsFlag, ","))
	}
	cfg.only = map[string]bool{}
	for w := range strings.SplitSeq(*only, ",") {
		cfg.only[strings.TrimSpace(w)] = true
	}
	var err error
	if cfg.counts, err = intList(*ns); err != nil {
		return fmt.Errorf("-n: %w", err)
	}
	if cfg.exe, err = os.Executable(); err != nil {
		return err
	}
	if cfg.benchDir, err = findBenchDir(); err != nil {
		return err
	}
	switch {
	case cfg.out == "" && cfg.quick: // a smoke test must not replace the real report
		cfg.out = filepath.Join(cfg.benchDir, "bin", "BENCHMARKS-quick.md")
	case cfg.out == "":
		cfg.out = filepath.Join(cfg.benchDir, "..", "docs", "BENCHMARKS.md")
	}
	if cfg.save == "" {
		cfg.save = "bin/results.json"
		if cfg.quick {
			cfg.save = "bin/results-quick.json"
		}
	}
	if !filepath.IsAbs(cfg.save) {
		cfg.save = filepath.Join(cfg.benchDir, cfg.save)
	}
	if _, err := exec.LookPath("taskset"); err != nil && cfg.only["echo"] {
		return errors.New("taskset is needed for the echo workload (Debian: util-linux)")
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
	fail := func(what string, err error) {
		msg := fmt.Sprintf("%s: %v", what, err)
		logf("FAILED %s", msg)
		res.Failures = append(res.Failures, msg)
	}
	logf("wtbench run: %d run(s) of %s; %s, Go %s", cfg.runs, *only, res.Env.CPU, res.Env.Go)

	if cfg.only["echo"] {
		logf("[echo] %d servers in turn, %d cycles of %v per size each", len(cfg.libs.echo), cfg.echoRuns, cfg.echoDur)
		cycles, err := cfg.echoCycles()
		if err != nil {
			fail("echo", err)
		}
		r := &reporter{res: res}
		for i, lib := range cfg.libs.echo {
			if i < len(cycles) {
				res.Echo[lib] = cycles[i]
				var line strings.Builder
				for _, size := range r.echoSizes() {
					fmt.Fprintf(&line, " %s %s/s", sizeLabel(size), comma(r.echoRate(lib, size)))
				}
				logf("[echo] %-8s median%s", lib, line.String())
			}
		}
	}
	// The broadcast runs -runs times here, each run a tournament of every
	// library, the floor and the hub (tournament.go); its further runs (up
	// to -bcast-runs) come last, while the time budget lasts, so that a
	// busy machine cannot push the whole run over it.
	var entrants []entrant
	if cfg.only["broadcast"] {
		for _, lib := range cfg.libs.bcast {
			entrants = append(entrants, entrant{name: lib, lib: lib, exe: cfg.exe})
		}
	}
	if cfg.only["hub"] {
		entrants = append(entrants, entrant{name: "hub", lib: "hub", exe: cfg.exe})
	}
	bcastRun := func(run int) {
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
				fail(fmt.Sprintf("broadcast %s (run %d)", e.name, run+1), err)
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
	var bcastTime time.Duration // of one run, the longest so far
	if len(entrants) > 0 {
		for run := range min(cfg.runs, cfg.bcastRuns) {
			t0 := time.Now()
			bcastRun(run)
			bcastTime = max(bcastTime, time.Since(t0))
		}
	}
	if cfg.only["idle"] {
		for run := range cfg.runs {
			for _, lib := range rotated(cfg.libs.idle, run) {
				r, err := cfg.idle(lib)
				if err != nil {
					fail("idle "+lib, err)
					continue
				}
				res.Idle[lib] = append(res.Idle[lib], r)
				logf("[idle %d/%d] %-8s %s", run+1, cfg.runs, lib, idleLine(r))
			}
		}
	}
	if cfg.only["micro"] {
		logf("[micro] masking, read and write, %d run(s) of %s each", cfg.runs, cfg.benchtime)
		if err := cfg.micro(cfg.exe, ".", res.Micro); err != nil {
			fail("micro", err)
		}
		logf("[micro] gobwas ws.Cipher built with -tags purego")
		if err := cfg.microBuild(res.Micro, "^mask/gobwas", nil, "-tags", "purego"); err != nil {
			fail("micro purego", err)
		}
		logf("[micro] wiretalk protocol.Mask built with GOEXPERIMENT=simd")
		if err := cfg.microBuild(res.Micro, "^mask/wiretalk", []string{"GOEXPERIMENT=simd"}); err != nil {
			fail("micro simd", err)
		}
	}
	if cfg.only["page"] {
		var p pageResult
		if err := runJSON(context.Background(), 2*time.Minute, &p, exec.Command(cfg.exe, "page", "-chromium", cfg.chromium)); err != nil {
			fail("page", err)
		} else {
			res.Page = &p
			logf("[page] %d bytes on the wire in %d responses", p.Total, len(p.Resources))
		}
	}
	if len(entrants) > 0 {
		for run := min(cfg.runs, cfg.bcastRuns); run < cfg.bcastRuns; run++ {
			if left := cfg.budget - time.Since(res.Started); left < bcastTime*5/4 {
				logf("[broadcast] no run %d: %v of the %v budget left, a run takes %v", run+1, left.Round(time.Second), cfg.budget, bcastTime.Round(time.Second))
				break
			}
			t0 := time.Now()
			bcastRun(run)
			bcastTime = max(bcastTime, time.Since(t0))
		}
	}
	res.Finished = time.Now().UTC()
	logf("measured in %v", res.Finished.Sub(res.Started).Round(time.Second))

	if err := os.MkdirAll(filepath.Dir(cfg.save), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(res, "", " ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(cfg.save, b, 0o644); err != nil {
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
