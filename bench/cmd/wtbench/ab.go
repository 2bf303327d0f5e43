package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

// cmdAB compares the broadcasts of two servers in a tournament of two:
// two libraries, or one library from two builds of wtbench (-exe-b),
// which is how a change to protocol/ is measured before it is committed:
//
//	git stash; go build -o /tmp/wtbench-old ./cmd/wtbench; git stash pop
//	go run ./cmd/wtbench ab -a wiretalk -b wiretalk -exe-b /tmp/wtbench-old
func cmdAB(args []string) error {
	fs := flag.NewFlagSet("ab", flag.ExitOnError)
	a := fs.String("a", "wiretalk", "first server (a library, raw or hub)")
	b := fs.String("b", "gobwas", "second server")
	exeB := fs.String("exe-b", "", "take the second server from this wtbench binary (default: this one)")
	ns := fs.String("n", "1000,5000", "socket counts")
	rounds := fs.Int("rounds", 100, "timed rounds of each server at each N")
	gap := fs.Duration("gap", 20*time.Millisecond, "pause after each round")
	fs.Parse(args)
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	counts, err := intList(*ns)
	if err != nil {
		return fmt.Errorf("-n: %w", err)
	}
	ea, eb := entrant{name: *a, lib: *a, exe: exe}, entrant{name: *b, lib: *b, exe: exe}
	if *exeB != "" {
		eb.exe = *exeB
	}
	if ea.name == eb.name {
		ea.name, eb.name = *a+"(A)", *b+"(B)"
	}
	cfg := tournamentConfig{ns: counts, warmup: 3, rounds: *rounds, gap: *gap, clients: exe,
		seed: uint64(time.Now().UnixNano()), log: logf}
	res, failed := cfg.play([]entrant{ea, eb})
	for name, err := range failed {
		return fmt.Errorf("%s: %w", name, err)
	}
	for i, n := range counts {
		ra, rb := res[ea.name][i].RoundsMS, res[eb.name][i].RoundsMS
		med, lo, hi, k := medianCI(pairRatios(ra, rb))
		faster := 0
		for j := range min(len(ra), len(rb)) {
			if ra[j] < rb[j] {
				faster++
			}
		}
		fmt.Printf("N=%d: %s p50 %.2f ms, %s p50 %.2f ms; %s ÷ %s round by round: median %.3f, 95%% CI %.3f to %.3f (%d pairs); %s faster in %d\n",
			n, ea.name, median(ra), eb.name, median(rb), ea.name, eb.name, med, lo, hi, k, ea.name, faster)
	}
	return nil
}
