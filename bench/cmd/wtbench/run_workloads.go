package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// echo measures the echo workload and logs each library's medians.
func (r *runner) echo() {
	cfg, res := r.cfg, r.res
	logf("[echo] %d servers in turn, %d cycles of %v per size each", len(cfg.libs.echo), cfg.echoRuns, cfg.echoDur)
	var servers []entrant
	for _, lib := range cfg.libs.echo {
		servers = append(servers, entrant{name: lib, lib: lib, exe: cfg.exe})
	}
	p := echoPlay{clients: cfg.exe, cpu: cfg.cpu, cycles: cfg.echoRuns, dur: cfg.echoDur}
	cycles, err := p.play(servers)
	if err != nil {
		r.fail("echo", err)
	}
	rep := &reporter{res: res}
	for i, lib := range cfg.libs.echo {
		if i < len(cycles) {
			res.Echo[lib] = cycles[i]
			var line strings.Builder
			for _, size := range rep.echoSizes() {
				fmt.Fprintf(&line, " %s %s/s", sizeLabel(size), comma(rep.echoRate(lib, size)))
			}
			logf("[echo] %-8s median%s", lib, line.String())
		}
	}
}

// idle measures every library holding idle connections, -runs times.
func (r *runner) idle() {
	cfg, res := r.cfg, r.res
	for run := range cfg.runs {
		for _, lib := range rotated(cfg.libs.idle, run) {
			ir, err := cfg.idleRun(lib)
			if err != nil {
				r.fail("idle "+lib, err)
				continue
			}
			res.Idle[lib] = append(res.Idle[lib], ir)
			logf("[idle %d/%d] %-8s %s", run+1, cfg.runs, lib, idleLine(ir))
		}
	}
}

// micro runs the in-process benchmarks, in this build and in the two
// others they compare.
func (r *runner) micro() {
	cfg, res := r.cfg, r.res
	logf("[micro] masking, read and write, %d run(s) of %s each", cfg.runs, cfg.benchtime)
	if err := cfg.microRun(cfg.exe, ".", res.Micro); err != nil {
		r.fail("micro", err)
	}
	logf("[micro] gobwas ws.Cipher built with -tags purego")
	if err := cfg.microBuild(res.Micro, "^mask/gobwas", nil, "-tags", "purego"); err != nil {
		r.fail("micro purego", err)
	}
	logf("[micro] wiretalk protocol.Mask built with GOEXPERIMENT=simd")
	if err := cfg.microBuild(res.Micro, "^mask/wiretalk", []string{"GOEXPERIMENT=simd"}); err != nil {
		r.fail("micro simd", err)
	}
}

// page measures the audience page's weight in headless Chromium.
func (r *runner) page() {
	cfg, res := r.cfg, r.res
	var p pageResult
	if err := runJSON(context.Background(), 2*time.Minute, &p, exec.Command(cfg.exe, "page", "-chromium", cfg.chromium)); err != nil {
		r.fail("page", err)
	} else {
		res.Page = &p
		logf("[page] %d bytes on the wire in %d responses", p.Total, len(p.Resources))
	}
}

// echoPlay is how the echo workload is played: a server process for
// each server and one clients process, all pinned to cpu, the clients
// measuring the servers in turn (runEchoCycles).
type echoPlay struct {
	clients string        // the wtbench binary of the clients process
	cpu     string        // taskset CPU list of every process
	cycles  int           // in each, every server gets dur at every size
	dur     time.Duration // per size, server and cycle, after a fifth of it to warm up
	sizes   string        // the clients' -sizes; "" for their default
}

// play measures servers and returns, for each in order, one
// []echoResult per cycle.
func (p echoPlay) play(servers []entrant) ([][][]echoResult, error) {
	var addrs []string
	for _, e := range servers {
		s, err := startServer(command(p.cpu, e.exe, "server", "-lib", e.lib, "-mode", "echo"))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.name, err)
		}
		defer s.stop()
		addrs = append(addrs, s.addrs.WS)
	}
	args := []string{"clients", "-mode", "echo-cycles", "-ws", strings.Join(addrs, ","), "-cycles", strconv.Itoa(p.cycles), "-dur", p.dur.String()}
	sizes := 3 // the clients' default
	if p.sizes != "" {
		args = append(args, "-sizes", p.sizes)
		sizes = strings.Count(p.sizes, ",") + 1
	}
	// Twice the time the cycles take, and never less than 6 minutes.
	timeout := max(6*time.Minute, 2*time.Duration(p.cycles*sizes*len(servers))*p.dur*6/5)
	var res clientsResult
	err := runJSON(context.Background(), timeout, &res, command(p.cpu, p.clients, args...))
	return res.EchoCycles, err
}

// idleRun measures lib holding idle connections, once.
func (cfg *runConfig) idleRun(lib string) ([]idleResult, error) {
	args := []string{"-mode", "idle", "-n", cfg.idleNs}
	if lib == "hub" {
		args = append(args, "-path", "/ws", "-initial", "2")
	}
	r, err := cfg.pair("", lib, "idle", args...)
	return r.Idle, err
}

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

// microRun runs the micro benchmarks of exe that match, cfg.runs times
// each, and adds their results to into.
func (cfg *runConfig) microRun(exe, match string, into map[string][]microResult) error {
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
	return cfg.microRun(exe, match, into)
}
