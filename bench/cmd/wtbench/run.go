package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"
)

// results is everything one "wtbench run" measured; it is saved as JSON
// and the report is written from it.
type results struct {
	Env       envInfo   `json:"env"`
	Started   time.Time `json:"started"`
	Finished  time.Time `json:"finished"`
	Quick     bool      `json:"quick,omitempty"`
	Runs      int       `json:"runs"`
	BcastRuns int       `json:"bcast_runs"`
	// EchoRuns is the echo's cycles (echo.go): run i of every library
	// is cycle i, all measured within a second or two.
	EchoRuns int    `json:"echo_runs"`
	Rounds   int    `json:"rounds"`
	EchoDur  string `json:"echo_dur"`

	Echo      map[string][][]echoResult      `json:"echo"`      // library → runs
	Broadcast map[string][][]broadcastResult `json:"broadcast"` // library (and "raw", "hub") → runs
	Idle      map[string][][]idleResult      `json:"idle"`      // library (and "raw", "hub") → runs
	Micro     map[string][]microResult       `json:"micro"`     // benchmark → runs
	Page      *pageResult                    `json:"page,omitempty"`
	Profile   string                         `json:"profile,omitempty"` // pprof top of our broadcast, when asked
	Failures  []string                       `json:"failures,omitempty"`
}

// envInfo describes the machine and the software measured.
type envInfo struct {
	CPU       string            `json:"cpu"`
	Cores     int               `json:"cores"`
	MemGiB    float64           `json:"mem_gib"`
	Kernel    string            `json:"kernel"`
	Go        string            `json:"go"`
	Libraries map[string]string `json:"libraries"` // module path → version
	Commit    string            `json:"commit"`    // wiretalk's commit, "+dirty" with changes in protocol/ or server/
}

// benchLibs are the libraries and floor of the cross-process workloads.
var (
	echoLibs  = []string{"wiretalk", "gorilla", "coder", "gobwas", "gws"}
	bcastLibs = []string{"wiretalk", "gorilla", "coder", "gobwas", "gws", "raw"}
	idleLibs  = []string{"wiretalk", "gorilla", "coder", "gobwas", "gws", "raw", "hub"}
)

type runConfig struct {
	runs      int
	bcastRuns int
	echoRuns  int
	budget    time.Duration
	quick     bool
	only      map[string]bool
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
	if *libsFlag != "" {
		keep := strings.Split(*libsFlag, ",")
		in := func(l string) bool { return !slices.Contains(keep, l) }
		echoLibs = slices.DeleteFunc(echoLibs, in)
		bcastLibs = slices.DeleteFunc(bcastLibs, in)
		idleLibs = slices.DeleteFunc(idleLibs, in)
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
		logf("[echo] %d servers in turn, %d cycles of %v per size each", len(echoLibs), cfg.echoRuns, cfg.echoDur)
		cycles, err := cfg.echoCycles()
		if err != nil {
			fail("echo", err)
		}
		r := &reporter{res: res}
		for i, lib := range echoLibs {
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
		for _, lib := range bcastLibs {
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
			for _, lib := range rotated(idleLibs, run) {
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
	if err := writeReport(cfg.out, res); err != nil {
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

// serverProc is a running "wtbench server".
type serverProc struct {
	cmd   *exec.Cmd
	addrs serverAddrs
}

// command returns the command for exe args, pinned to cpus with taskset
// when cpus is not empty.
func command(cpus, exe string, args ...string) *exec.Cmd {
	if cpus != "" {
		return exec.Command("taskset", append([]string{"-c", cpus, exe}, args...)...)
	}
	return exec.Command(exe, args...)
}

func startServer(cmd *exec.Cmd) (*serverProc, error) {
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &serverProc{cmd: cmd}
	line := make(chan error, 1)
	go func() {
		l, err := bufio.NewReader(out).ReadBytes('\n')
		if err == nil {
			err = json.Unmarshal(l, &s.addrs)
		}
		line <- err
	}()
	select {
	case err = <-line:
	case <-time.After(30 * time.Second):
		err = errors.New("the server did not start within 30 s")
	}
	if err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// stop asks the server to quit and kills it if it does not.
func (s *serverProc) stop() {
	if s.addrs.Ctl != "" {
		if c, err := dialCtlString(s.addrs.Ctl); err == nil {
			c.send("quit")
			c.nc.Close()
		}
	}
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

func dialCtlString(addr string) (*ctlConn, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, err
	}
	return dialCtl(ap)
}

// runJSON runs cmd to completion within timeout and decodes its stdout.
func runJSON(ctx context.Context, timeout time.Duration, v any, cmd *exec.Cmd) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = io.MultiWriter(os.Stderr, &stderr)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%s: %w: %s", strings.Join(cmd.Args, " "), err, bytes.TrimSpace(stderr.Bytes()))
		}
	case <-ctx.Done():
		cmd.Process.Kill()
		<-done
		return fmt.Errorf("%s: no result within %v", strings.Join(cmd.Args, " "), timeout)
	}
	return json.Unmarshal(stdout.Bytes(), v)
}

// pair runs a server of lib in mode and a clients process against it.
func (cfg *runConfig) pair(cpus, lib, mode string, clientArgs ...string) (clientsResult, error) {
	var res clientsResult
	s, err := startServer(command(cpus, cfg.exe, "server", "-lib", lib, "-mode", mode))
	if err != nil {
		return res, err
	}
	defer s.stop()
	args := append([]string{"clients", "-ws", s.addrs.WS, "-ctl", s.addrs.Ctl}, clientArgs...)
	err = runJSON(context.Background(), 4*time.Minute, &res, command(cpus, cfg.exe, args...))
	return res, err
}

// echoCycles runs the echo workload: a server of every library in
// echoLibs and one clients process, all pinned to cfg.cpu, the clients
// measuring the servers in turn (runEchoCycles). It returns, for each
// library in order, one []echoResult per cycle.
func (cfg *runConfig) echoCycles() ([][][]echoResult, error) {
	var addrs []string
	for _, lib := range echoLibs {
		s, err := startServer(command(cfg.cpu, cfg.exe, "server", "-lib", lib, "-mode", "echo"))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", lib, err)
		}
		defer s.stop()
		addrs = append(addrs, s.addrs.WS)
	}
	var res clientsResult
	err := runJSON(context.Background(), 6*time.Minute, &res, command(cfg.cpu, cfg.exe, "clients", "-mode", "echo-cycles",
		"-ws", strings.Join(addrs, ","), "-cycles", strconv.Itoa(cfg.echoRuns), "-dur", cfg.echoDur.String()))
	return res.EchoCycles, err
}

func (cfg *runConfig) idle(lib string) ([]idleResult, error) {
	args := []string{"-mode", "idle", "-n", cfg.idleNs}
	if lib == "hub" {
		args = append(args, "-path", "/ws", "-initial", "2")
	}
	r, err := cfg.pair("", lib, "idle", args...)
	return r.Idle, err
}

func (cfg *runConfig) micro(exe, match string, into map[string][]microResult) error {
	var out map[string][]microResult
	cmd := exec.Command(exe, "micro", "-match", match, "-count", strconv.Itoa(cfg.runs), "-benchtime", cfg.benchtime)
	if err := runJSON(context.Background(), 5*time.Minute, &out, cmd); err != nil {
		return err
	}
	for k, v := range out {
		into[k] = v
	}
	return nil
}

// microBuild builds wtbench another way, with env added to go build's
// environment and flags to its arguments, and runs its micro benchmarks
// that match: with "-tags purego" gobwas's ws.Cipher is its Go loop
// instead of assembly; with GOEXPERIMENT=simd wiretalk's protocol.Mask
// uses vectors.
func (cfg *runConfig) microBuild(into map[string][]microResult, match string, env []string, flags ...string) error {
	dir, err := os.MkdirTemp("", "wtbench-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	exe := filepath.Join(dir, "wtbench")
	build := exec.Command("go", slices.Concat([]string{"build", "-o", exe}, flags, []string{"./cmd/wtbench"})...)
	build.Env = append(os.Environ(), env...)
	build.Dir = cfg.benchDir
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("%s go build %s: %v\n%s", strings.Join(env, " "), strings.Join(flags, " "), err, out)
	}
	return cfg.micro(exe, match, into)
}

func collectEnv(benchDir string) envInfo {
	e := envInfo{Cores: runtime.NumCPU(), Go: runtime.Version(), Libraries: map[string]string{}}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				e.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		e.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb float64
		fmt.Sscanf(string(b), "MemTotal: %f kB", &kb)
		e.MemGiB = kb / (1 << 20)
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			switch d.Path {
			case "github.com/gorilla/websocket", "github.com/coder/websocket", "github.com/gobwas/ws",
				"github.com/lxzan/gws", "github.com/chromedp/chromedp":
				e.Libraries[d.Path] = d.Version
			}
		}
	}
	root := filepath.Join(benchDir, "..")
	if out, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output(); err == nil {
		e.Commit = strings.TrimSpace(string(out))
		if st, err := exec.Command("git", "-C", root, "status", "--porcelain", "--", "protocol", "server").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
			e.Commit += "+dirty"
		}
	}
	return e
}

// cmdPair runs one server and one clients process, for a look at a single
// case: wtbench pair -lib L -mode M [-cpu 1] -- CLIENT FLAGS.
// rotated returns libs starting at the run-th: the order of the libraries
// turns from run to run, so that none is always the first after a pause
// or after the teardown of another's 10,000 sockets.
func rotated(libs []string, run int) []string {
	if len(libs) == 0 {
		return nil
	}
	k := run % len(libs)
	return append(slices.Clone(libs[k:]), libs[:k]...)
}

func cmdPair(args []string) error {
	fs := flag.NewFlagSet("pair", flag.ExitOnError)
	lib := fs.String("lib", "wiretalk", "library")
	mode := fs.String("mode", "broadcast", "server mode")
	cpu := fs.String("cpu", "", "pin both processes to these CPUs (taskset -c)")
	fs.Parse(args)
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cfg := &runConfig{exe: exe}
	res, err := cfg.pair(*cpu, *lib, *mode, fs.Args()...)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}
