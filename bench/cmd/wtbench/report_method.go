package main

import (
	"slices"
	"strings"
)

// header writes the title, how to rerun the harness, and the table of
// the machine, the versions and the runs.
func (r *reporter) header() {
	e := r.res.Env
	r.f("# Benchmarks\n\n")
	r.f("wiretalk's `protocol/` against the best Go WebSocket libraries, measured in one run on one machine.\n")
	r.f("This file is rewritten by the harness in `bench/` (a module of its own, so that the product's go.mod stays lean):\n\n")
	r.f("```sh\ncd bench && go run ./cmd/wtbench run      # everything, under 10 minutes; rewrites this file\n")
	r.f("cd bench && go run ./cmd/wtbench run -quick   # a smoke test with tiny N, into bench/bin/BENCHMARKS-quick.md\n")
	r.f("cd bench && go test -bench . ./internal/micro  # the in-process benchmarks alone\n```\n\n")
	r.f("The section \"Analysis\" and the sections after the last generated one (from the relay on) are written by hand; the harness keeps them when it rewrites the rest, and keeps section 7 as `wtbench interact` wrote it.\n\n")
	if r.res.Quick {
		r.f("> **This is a smoke run (`-quick`): tiny N, short times, one run. Its figures are not measurements.**\n\n")
	}
	r.f("| | |\n|---|---|\n")
	r.f("| date | %s (took %s) |\n", r.res.Started.Format("2006-01-02 15:04 MST"), r.res.Finished.Sub(r.res.Started).Round(1e9))
	r.f("| machine | %s, %d cores, %.0f GiB, %s |\n", e.CPU, e.Cores, e.MemGiB, e.Kernel)
	r.f("| Go | %s |\n", e.Go)
	r.f("| wiretalk | commit %s |\n", e.Commit)
	keys := make([]string, 0, len(e.Libraries))
	for k := range e.Libraries {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		r.f("| %s | %s |\n", k, e.Libraries[k])
	}
	r.f("| runs | medians of %d runs of the broadcast, %d cycles of the echo, %d runs of every other workload |\n", r.bcastRuns(), r.res.EchoRuns, r.res.Runs)
	if r.res.Page != nil {
		r.f("| browser | %s |\n", r.res.Page.Browser)
	}
	r.f("\n")
}

// method writes "How it is measured".
func (r *reporter) method() {
	r.f("## How it is measured\n\n")
	r.f("- `wtbench run` starts, for every library and run, a server process (`wtbench server -lib L -mode M`, its own process so that its memory is its own) and a clients process (`wtbench clients`), and takes medians. Idle runs are interleaved (run 1 of every library, then run 2, …) so that a disturbance of the shared machine does not land on one library only, and the order of the libraries turns from run to run so that none is always the first after a pause or after another's 10,000 sockets closed. ")
	r.f("The echo and the broadcast run every server at once and measure them in turn, in a random order: the echo cycle by cycle, 150 ms each (section 1), the broadcast round by round in tournaments, each server with its own clients process (section 2).\n")
	r.f("- The clients are the same for every server: raw Linux sockets driven by syscalls (`bench/internal/rawws`), the handshake written by hand with a fixed key, frames masked once before the clock starts, and a minimal frame parser that only counts messages. Loopback only (127.0.0.1).\n")
	r.f("- Servers run on loopback TCP with the libraries' default options (permessage-deflate off everywhere: none of the clients offers it). wiretalk, gorilla and coder sit behind `net/http`; gobwas and gws use their own accept loops and HTTP parsers, their lean way.\n")
	r.f("- A clients process raises its open-file limit to the hard limit (`setrlimit`) and holds at most 10,000 sockets; the server holds the other ends. The hard limit here is 20,000 files a process, which is why every server in a tournament has a clients process of its own.\n")
	r.f("- One case at a time: `go run ./cmd/wtbench pair -lib L -mode M [-cpu 1] -- CLIENT FLAGS` runs one server and one clients process; `-prof FILE -prof-n N` among the client flags writes a CPU profile of the server during the broadcast rounds at N sockets, or during the echoes of N bytes. A server also answers `heap FILE` on its control port with a heap profile. ")
	r.f("`go run ./cmd/wtbench ab -a L1 -b L2 [-exe-b OLD-WTBENCH]` plays a broadcast tournament of two (100 timed rounds each per N by default) and prints the median round-by-round ratio with its 95%% confidence interval; with `-exe-b` the second server comes from another build, which compares a change with the commit before it. The profiles, syscall counts (`strace -c -f -p` of a server) and A/B runs in the analysis were made this way.\n")
	r.f("- No figure here is asserted by a test: the unit tests check behaviour, and this file records speed.\n\n")
}

// failures lists the workloads that failed, if any did.
func (r *reporter) failures() {
	if len(r.res.Failures) == 0 {
		return
	}
	r.f("## Failures in this run\n\n")
	for _, f := range r.res.Failures {
		r.f("- %s\n", strings.ReplaceAll(f, "\n", " "))
	}
	r.f("\n")
}
