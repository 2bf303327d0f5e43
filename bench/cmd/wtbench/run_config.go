package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// runConfig is how "wtbench run" measures, from its flags.
type runConfig struct {
	runs      int
	bcastRuns int
	echoRuns  int
	budget    time.Duration
	quick     bool
	workloads string          // -only, as given
	only      map[string]bool // -only
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

// newRunConfig parses the flags of "wtbench run", applies -quick and finds
// the files the run writes.
func newRunConfig(args []string) (*runConfig, error) {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	cfg := &runConfig{}
	fs.IntVar(&cfg.runs, "runs", 3, "runs of every workload but the broadcast; the report gives medians")
	fs.IntVar(&cfg.bcastRuns, "bcast-runs", 5, "runs (tournaments) of the broadcast workload, the one most disturbed by a shared machine: those beyond -runs are made last, while -budget lasts")
	fs.IntVar(&cfg.echoRuns, "echo-cycles", 30, "cycles of the echo workload: in each, every server gets -echo-dur per size, in turn")
	fs.DurationVar(&cfg.budget, "budget", 9*time.Minute, "time after which no further broadcast run is started")
	fs.BoolVar(&cfg.quick, "quick", false, "a smoke test: tiny N, short times, one run (the report says so)")
	fs.StringVar(&cfg.workloads, "only", "echo,broadcast,hub,idle,micro,page", "workloads to run")
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
	for w := range strings.SplitSeq(cfg.workloads, ",") {
		cfg.only[strings.TrimSpace(w)] = true
	}
	var err error
	if cfg.counts, err = intList(*ns); err != nil {
		return nil, fmt.Errorf("-n: %w", err)
	}
	if cfg.exe, err = os.Executable(); err != nil {
		return nil, err
	}
	if cfg.benchDir, err = findBenchDir(); err != nil {
		return nil, err
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
		return nil, errors.New("taskset is needed for the echo workload (Debian: util-linux)")
	}
	return cfg, nil
}
