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

// echoCycles runs the echo workload: a server of every library in
// cfg.libs.echo and one clients process, all pinned to cfg.cpu, the clients
// measuring the servers in turn (runEchoCycles). It returns, for each
// library in order, one []echoResult per cycle.
func (cfg *runConfig) echoCycles() ([][][]echoResult, error) {
	var addrs []string
	for _, lib := range cfg.libs.echo {
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
