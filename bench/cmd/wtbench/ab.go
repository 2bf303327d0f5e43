package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

// cmdAB compares two servers side by side: two libraries, or one library
// from two builds of wtbench (-exe-b), which is how a change to protocol/
// or server/ is measured before it is committed:
//
//	git stash; go build -o /tmp/wtbench-old ./cmd/wtbench; git stash pop
//	go run ./cmd/wtbench ab -a wiretalk -b wiretalk -exe-b /tmp/wtbench-old
//
// With -mode broadcast (the default) the two play a broadcast tournament,
// round by round (tournament.go); -a hub -b hub times a key press to the
// last phone. With -mode echo they echo messages over one connection
// each, cycle by cycle, as the report's echo does: the read path of a
// server, and the write of its echo.
func cmdAB(args []string) error {
	fs := flag.NewFlagSet("ab", flag.ExitOnError)
	mode := fs.String("mode", "broadcast", "broadcast (one message to N sockets, round by round) or echo (round trips over one connection, cycle by cycle)")
	a := fs.String("a", "wiretalk", "first server (a library; with -mode broadcast also raw or hub)")
	b := fs.String("b", "gobwas", "second server")
	exeB := fs.String("exe-b", "", "take the second server from this wtbench binary (default: this one)")
	ns := fs.String("n", "1000,5000", "broadcast: socket counts")
	rounds := fs.Int("rounds", 100, "broadcast: timed rounds of each server at each N")
	gap := fs.Duration("gap", 20*time.Millisecond, "broadcast: pause after each round")
	sizes := fs.String("sizes", "16,1024,65536", "echo: message sizes")
	cycles := fs.Int("cycles", 30, "echo: cycles; in each, both servers get -dur at every size")
	dur := fs.Duration("dur", 150*time.Millisecond, "echo: time measured per size, server and cycle (after a fifth of it to warm up)")
	cpu := fs.String("cpu", "1", "echo: the CPU that the servers and the clients share (taskset -c)")
	fs.Parse(args)
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	ea, eb := entrant{name: *a, lib: *a, exe: exe}, entrant{name: *b, lib: *b, exe: exe}
	if *exeB != "" {
		eb.exe = *exeB
	}
	if ea.name == eb.name {
		ea.name, eb.name = *a+"(A)", *b+"(B)"
	}
	switch *mode {
	case "broadcast":
		counts, err := intList(*ns)
		if err != nil {
			return fmt.Errorf("-n: %w", err)
		}
		cfg := tournamentConfig{ns: counts, warmup: 3, rounds: *rounds, gap: *gap, clients: exe,
			seed: uint64(time.Now().UnixNano()), log: logf}
		return abBroadcast(cfg, ea, eb)
	case "echo":
		if _, err := intList(*sizes); err != nil {
			return fmt.Errorf("-sizes: %w", err)
		}
		return abEcho(echoPlay{clients: exe, cpu: *cpu, cycles: *cycles, dur: *dur, sizes: *sizes}, ea, eb)
	}
	fmt.Fprintf(os.Stderr, "wtbench ab: -mode %q: want broadcast or echo\n", *mode)
	fs.Usage()
	os.Exit(2)
	return nil
}

// abBroadcast plays a tournament of a and b and prints a line for each N.
func abBroadcast(cfg tournamentConfig, a, b entrant) error {
	res, failed := cfg.play([]entrant{a, b})
	for name, err := range failed {
		return fmt.Errorf("%s: %w", name, err)
	}
	for i, n := range cfg.ns {
		ra, rb := res[a.name][i].RoundsMS, res[b.name][i].RoundsMS
		ms := func(xs []float64) string { return fmt.Sprintf("p50 %.2f ms", median(xs)) }
		abLine(fmt.Sprintf("N=%d", n), a.name, b.name, ra, rb, ms, "round by round", lower)
	}
	return nil
}

// abEcho measures the echoes of a and b in turn and prints a line for
// each size.
func abEcho(p echoPlay, a, b entrant) error {
	for _, e := range []entrant{a, b} {
		if e.lib == "hub" || e.lib == "raw" {
			return fmt.Errorf("%s has no echo", e.lib)
		}
	}
	cycles, err := p.play([]entrant{a, b})
	if err != nil {
		return err
	}
	if len(cycles) != 2 {
		return fmt.Errorf("echo results for %d servers, want 2", len(cycles))
	}
	r := &reporter{res: &results{Echo: map[string][][]echoResult{a.name: cycles[0], b.name: cycles[1]}}}
	for _, size := range r.echoSizes() {
		rate := func(xs []float64) string { return comma(median(xs)) + "/s" }
		abLine(sizeLabel(size), a.name, b.name, r.echoByRun(a.name, size), r.echoByRun(b.name, size), rate, "cycle by cycle", higher)
	}
	return nil
}

// abLine prints one line of the comparison of a's figures xa with b's
// xb, measured in pairs (xa[i] beside xb[i]): what is compared, each
// one's median as fig writes it, the median of the ratios xa[i]/xb[i]
// with its 95 % confidence interval, and in how many pairs a was the
// better by better (faster).
func abLine(what, a, b string, xa, xb []float64, fig func([]float64) string, by string, better func(x, y float64) bool) {
	med, lo, hi, k := medianCI(pairRatios(xa, xb))
	faster := 0
	for j := range min(len(xa), len(xb)) {
		if better(xa[j], xb[j]) {
			faster++
		}
	}
	fmt.Printf("%s: %s %s, %s %s; %s ÷ %s %s: median %.3f, 95%% CI %.3f to %.3f (%d pairs); %s faster in %d\n",
		what, a, fig(xa), b, fig(xb), a, b, by, med, lo, hi, k, a, faster)
}
