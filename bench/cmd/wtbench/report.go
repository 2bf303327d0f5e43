package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"wiretalk/bench/internal/micro"
)

// cmdReport writes the report again from saved results, keeping the
// hand-written analysis of the report it replaces.
func cmdReport(args []string) error {
	fs := flag.NewFlagSet("report", flag.ExitOnError)
	in := fs.String("in", "bin/results.json", "saved results")
	out := fs.String("out", "", "report to write (default: docs/BENCHMARKS.md of the repository)")
	fs.Parse(args)
	b, err := os.ReadFile(*in)
	if err != nil {
		return err
	}
	var res results
	if err := json.Unmarshal(b, &res); err != nil {
		return err
	}
	if *out == "" {
		dir, err := findBenchDir()
		if err != nil {
			return err
		}
		*out = filepath.Join(dir, "..", "docs", "BENCHMARKS.md")
	}
	return writeReport(*out, &res)
}

// The hand-written part of the report lies between these markers; a new
// run keeps it.
const (
	analysisBegin = "<!-- analysis: written by hand, kept by wtbench -->"
	analysisEnd   = "<!-- end of analysis -->"
)

func writeReport(path string, res *results) error {
	analysis := "\n_No analysis written yet._\n\n"
	if old, err := os.ReadFile(path); err == nil {
		if _, rest, ok := bytes.Cut(old, []byte(analysisBegin)); ok {
			if text, _, ok := bytes.Cut(rest, []byte(analysisEnd)); ok {
				analysis = string(text)
			}
		}
	}
	var w strings.Builder
	r := &reporter{w: &w, res: res}
	r.header()
	r.targets()
	w.WriteString("\n## Analysis\n\n" + analysisBegin + analysis + analysisEnd + "\n")
	r.echo()
	r.broadcast()
	r.memory()
	r.masking()
	r.allocs()
	r.page()
	r.profile()
	r.method()
	r.failures()
	return os.WriteFile(path, []byte(w.String()), 0o644)
}

type reporter struct {
	w   *strings.Builder
	res *results
}

func (r *reporter) f(format string, args ...any) { fmt.Fprintf(r.w, format, args...) }

// bcastRuns returns how many broadcast runs were made (of the
// protocol-level wiretalk server).
func (r *reporter) bcastRuns() int {
	if n := len(r.res.Broadcast["wiretalk"]); n > 0 {
		return n
	}
	return r.res.Runs
}

// peers are the libraries that wiretalk is compared with.
var peers = []string{"gorilla", "coder", "gobwas", "gws"}

var libTitle = map[string]string{
	"wiretalk": "wiretalk",
	"gorilla":  "gorilla",
	"coder":    "coder",
	"gobwas":   "gobwas",
	"gws":      "gws",
	"raw":      "raw floor",
	"hub":      "wiretalk hub",
}

func median(xs []float64) float64 {
	xs = slices.DeleteFunc(slices.Clone(xs), func(x float64) bool { return math.IsNaN(x) })
	if len(xs) == 0 {
		return math.NaN()
	}
	slices.Sort(xs)
	if n := len(xs); n%2 == 1 {
		return xs[n/2]
	} else {
		return (xs[n/2-1] + xs[n/2]) / 2
	}
}

// percentile returns the nearest-rank p-th percentile of xs.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

// comma formats n with thousands separators.
func comma(n float64) string {
	if math.IsNaN(n) {
		return "—"
	}
	s := fmt.Sprintf("%.0f", n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func num(x float64, prec int) string {
	if math.IsNaN(x) {
		return "—"
	}
	return fmt.Sprintf("%.*f", prec, x)
}

func ratio(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "—"
	}
	return fmt.Sprintf("%.2f×", x)
}

func (r *reporter) header() {
	e := r.res.Env
	r.f("# Benchmarks\n\n")
	r.f("wiretalk's `protocol/` against the best Go WebSocket libraries, measured in one run on one machine.\n")
	r.f("This file is rewritten by the harness in `bench/` (a module of its own, so that the product's go.mod stays lean):\n\n")
	r.f("```sh\ncd bench && go run ./cmd/wtbench run      # everything, under 10 minutes; rewrites this file\n")
	r.f("cd bench && go run ./cmd/wtbench run -quick   # a smoke test with tiny N, into bench/bin/BENCHMARKS-quick.md\n")
	r.f("cd bench && go test -bench . ./internal/micro  # the in-process benchmarks alone\n```\n\n")
	r.f("Only the section \"Analysis\" is written by hand; the harness keeps it when it rewrites the rest.\n\n")
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

// Derived figures, shared by the tables and the targets.

// echoRate returns the median round trips per second of lib at size.
func (r *reporter) echoRate(lib string, size int) float64 {
	return median(r.echoByRun(lib, size)) // median skips the runs without it
}

// echoByRun returns lib's round trips per second at size, one per run in
// the order run (NaN for a run without it).
func (r *reporter) echoByRun(lib string, size int) []float64 {
	var xs []float64
	for _, run := range r.res.Echo[lib] {
		x := math.NaN()
		for _, e := range run {
			if e.Size == size && e.Seconds > 0 {
				x = float64(e.RoundTrips) / e.Seconds
			}
		}
		xs = append(xs, x)
	}
	return xs
}

// bcastByRun returns the pct percentile of lib's broadcast rounds at n
// sockets, one per run in the order run (NaN for a run without it).
func (r *reporter) bcastByRun(lib string, n int, pct float64) []float64 {
	var xs []float64
	for _, run := range r.res.Broadcast[lib] {
		x := math.NaN()
		for _, br := range run {
			if br.N == n {
				x = percentile(br.RoundsMS, pct)
			}
		}
		xs = append(xs, x)
	}
	return xs
}

// pairRatios returns a[i]/b[i] for every i both have.
func pairRatios(a, b []float64) []float64 {
	var rs []float64
	for i := range min(len(a), len(b)) {
		if b[i] > 0 && !math.IsNaN(a[i]) {
			rs = append(rs, a[i]/b[i])
		}
	}
	return rs
}

// medianCI returns the median of xs and a distribution-free 95 %
// confidence interval for it: the order statistics whose ranks the
// binomial distribution of "how many xs lie below the true median" puts
// 1.96 standard deviations either side of n/2 (the normal approximation,
// good from about 20 values). With fewer than 6 values the interval is
// the whole range. It also returns how many values there were.
func medianCI(xs []float64) (med, lo, hi float64, n int) {
	n = len(xs)
	if n == 0 {
		return math.NaN(), math.NaN(), math.NaN(), 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	half := 1.96 * math.Sqrt(float64(n)) / 2
	l := int(math.Floor(float64(n)/2-half)) - 1 // ranks from 0: the 1-based ranks are ⌊n/2 − h⌋ and ⌈n/2 + 1 + h⌉
	h := int(math.Ceil(float64(n)/2 + half))
	return median(s), s[max(l, 0)], s[min(h, n-1)], n
}

// comparison is one library's figure against another's: the median of
// ratios of pairs measured side by side, and its 95 % confidence interval.
type comparison struct {
	med, lo, hi float64
	pairs       int    // how many ratios
	by          string // what was paired: "round by round", "cycle by cycle"
}

// bcastCmp compares lib's broadcast with other's at n sockets. Every run
// is a tournament, in which round i of one was measured in the same cycle
// as round i of the other: the ratio is the median of those round-by-round
// ratios, pooled over the runs.
func (r *reporter) bcastCmp(lib, other string, n int) comparison {
	a, b := r.res.Broadcast[lib], r.res.Broadcast[other]
	var rs []float64
	for run := range min(len(a), len(b)) {
		for _, x := range a[run] {
			for _, y := range b[run] {
				if x.N == n && y.N == n {
					rs = append(rs, pairRatios(x.RoundsMS, y.RoundsMS)...)
				}
			}
		}
	}
	med, lo, hi, k := medianCI(rs)
	return comparison{med: med, lo: lo, hi: hi, pairs: k, by: "round by round"}
}

// echoCmp compares lib's echo rate with other's at size: the median of
// the cycle-by-cycle ratios (echo.go's cycles are the echo's runs).
func (r *reporter) echoCmp(lib, other string, size int) comparison {
	med, lo, hi, k := medianCI(pairRatios(r.echoByRun(lib, size), r.echoByRun(other, size)))
	return comparison{med: med, lo: lo, hi: hi, pairs: k, by: "cycle by cycle"}
}

// text is the comparison as the targets table shows it.
func (c comparison) text() string {
	return fmt.Sprintf("%s %s (95%% CI %s to %s, %d pairs)", ratio3(c.med), c.by, ratio3(c.lo), ratio3(c.hi), c.pairs)
}

// verdict judges the comparison against goal, better telling which side
// of it is good (lower or higher): met when the median is at the goal or
// on its good side; inside when the confidence interval reaches across
// the goal.
func (c comparison) verdict(goal float64, better func(a, b float64) bool) (met, inside bool) {
	good, bad := c.lo, c.hi
	if better(c.hi, c.lo) {
		good, bad = c.hi, c.lo
	}
	if !better(goal, c.med) {
		return true, better(goal, bad)
	}
	return false, !better(goal, good)
}

func ratio3(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "—"
	}
	return fmt.Sprintf("%.3f×", x)
}

// addKeys adds to set the key of every result of every run that set does
// not hold yet.
func addKeys[R any](set []int, runs [][]R, key func(R) int) []int {
	for _, run := range runs {
		for _, x := range run {
			if k := key(x); !slices.Contains(set, k) {
				set = append(set, k)
			}
		}
	}
	return set
}

// echoSizes returns the message sizes of the echo results, in order.
func (r *reporter) echoSizes() []int {
	var sizes []int
	for _, runs := range r.res.Echo {
		sizes = addKeys(sizes, runs, func(e echoResult) int { return e.Size })
	}
	slices.Sort(sizes)
	return sizes
}

// bcast returns the medians over runs of the p50 and p99 of lib's
// broadcast rounds at n sockets.
func (r *reporter) bcast(lib string, n int) (p50, p99 float64) {
	return median(r.bcastByRun(lib, n, 50)), median(r.bcastByRun(lib, n, 99))
}

// bcastNs returns the socket counts of the broadcast results of libs, in
// order.
func (r *reporter) bcastNs(libs ...string) []int {
	var ns []int
	for _, lib := range libs {
		ns = addKeys(ns, r.res.Broadcast[lib], func(br broadcastResult) int { return br.N })
	}
	slices.Sort(ns)
	return ns
}

// idleMem returns the medians over runs of the heap and stacks, the RSS
// and the goroutines per idle connection of lib at n sockets.
func (r *reporter) idleMem(lib string, n int) (heapStack, rss, goroutines float64) {
	heapStack, rss, goroutines, _ = r.idleMemStack(lib, n)
	return
}

// idleMemStack is idleMem with the stacks' share of heapStack.
func (r *reporter) idleMemStack(lib string, n int) (heapStack, rss, goroutines, stack float64) {
	var a, b, c, s []float64
	for _, run := range r.res.Idle[lib] {
		for _, ir := range run {
			if ir.N != n {
				continue
			}
			d := float64(ir.N)
			a = append(a, (float64(ir.Mem.HeapInuse+ir.Mem.StackInuse)-float64(ir.Base.HeapInuse+ir.Base.StackInuse))/d)
			b = append(b, (float64(ir.Mem.RSS)-float64(ir.Base.RSS))/d)
			c = append(c, float64(ir.Mem.Goroutines-ir.Base.Goroutines)/d)
			s = append(s, (float64(ir.Mem.StackInuse)-float64(ir.Base.StackInuse))/d)
		}
	}
	return median(a), median(b), median(c), median(s)
}

// idleNs returns the socket counts of the idle results, in order.
func (r *reporter) idleNs() []int {
	var ns []int
	for _, runs := range r.res.Idle {
		ns = addKeys(ns, runs, func(ir idleResult) int { return ir.N })
	}
	slices.Sort(ns)
	return ns
}

// microMedian returns the medians of one in-process benchmark.
func (r *reporter) microMedian(name string) (ns, allocs, gbps float64, ok bool) {
	rs, ok := r.res.Micro[name]
	if !ok {
		return math.NaN(), math.NaN(), math.NaN(), false
	}
	var a, b, c []float64
	for _, m := range rs {
		a = append(a, m.NsPerOp)
		b = append(b, m.AllocsPerOp)
		c = append(c, m.MBPerS/1000)
	}
	return median(a), median(b), median(c), true
}

// microGBps is the median throughput of the masking benchmark of fn
// ("wiretalk", "copy", ...) at size, in GB/s; NaN if it was not run.
func (r *reporter) microGBps(fn string, size int) float64 {
	_, _, gbps, _ := r.microMedian("mask/" + fn + "/" + micro.SizeName(size))
	return gbps
}

func sizeLabel(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// best returns the peer with the best value, by better(a, b) = a beats b.
func best(vals map[string]float64, better func(a, b float64) bool) (string, float64) {
	name, v := "", math.NaN()
	for _, p := range peers {
		x, ok := vals[p]
		if !ok || math.IsNaN(x) {
			continue
		}
		if math.IsNaN(v) || better(x, v) {
			name, v = p, x
		}
	}
	return name, v
}

func higher(a, b float64) bool { return a > b }
func lower(a, b float64) bool  { return a < b }

func mark(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

// target is one row of the targets table.
type target struct {
	what, goal, measured string
	met                  bool
	inside               bool // the 95 % confidence interval crosses the goal: met or missed, inside the noise
}

func (r *reporter) targets() {
	var ts []target
	// Broadcast.
	for _, n := range r.bcastNs("wiretalk") {
		vals := map[string]float64{}
		for _, lib := range peers {
			vals[lib], _ = r.bcast(lib, n)
		}
		ours, _ := r.bcast("wiretalk", n)
		floor, _ := r.bcast("raw", n)
		bn, bv := best(vals, lower)
		if !math.IsNaN(bv) && !math.IsNaN(ours) {
			c := r.bcastCmp("wiretalk", bn, n)
			met, inside := c.verdict(1, lower)
			ts = append(ts, target{what: fmt.Sprintf("broadcast p50, N=%s", comma(float64(n))), goal: "≤ best library",
				measured: fmt.Sprintf("%s ms vs %s %s ms: %s", num(ours, 1), bn, num(bv, 1), c.text()), met: met, inside: inside})
		}
		if !math.IsNaN(floor) && !math.IsNaN(ours) {
			c := r.bcastCmp("wiretalk", "raw", n)
			met, inside := c.verdict(1.3, lower)
			ts = append(ts, target{what: fmt.Sprintf("broadcast p50, N=%s", comma(float64(n))), goal: "≤ 1.3× raw-write floor",
				measured: fmt.Sprintf("%s ms vs floor %s ms: %s", num(ours, 1), num(floor, 1), c.text()), met: met, inside: inside})
		}
	}
	// Memory.
	for _, n := range r.idleNs() {
		hs, _, _ := r.idleMem("wiretalk", n)
		if !math.IsNaN(hs) {
			ts = append(ts, target{what: fmt.Sprintf("idle connection, N=%s", comma(float64(n))), goal: "≤ 8 KiB heap + stack",
				measured: fmt.Sprintf("%s B (%.2f KiB)", comma(hs), hs/1024), met: hs <= 8192})
		}
	}
	// Masking: the default build, and the build with GOEXPERIMENT=simd.
	for _, size := range micro.MaskSizes {
		for _, build := range []struct{ key, label string }{
			{"wiretalk", "default build"},
			{"wiretalk-simd", "GOEXPERIMENT=simd"},
		} {
			gbps := r.microGBps(build.key, size)
			if math.IsNaN(gbps) {
				continue
			}
			measured := num(gbps, 1) + " GB/s"
			if build.key == "wiretalk" {
				// The machine's own pace, which the absolute goal depends on.
				if cp := r.microGBps("copy", size); !math.IsNaN(cp) {
					measured += fmt.Sprintf("; `copy` of the same buffer %s GB/s", num(cp, 1))
				}
				if bl := r.microGBps("byteloop", size); !math.IsNaN(bl) {
					measured += fmt.Sprintf(", a byte loop %s", num(bl, 1))
				}
			}
			ts = append(ts, target{what: "masking in place, " + sizeLabel(size) + ", " + build.label, goal: "≥ 50 GB/s, pure Go",
				measured: measured, met: gbps >= 50})
		}
	}
	// Echo.
	for _, size := range r.echoSizes() {
		vals := map[string]float64{}
		for _, lib := range peers {
			vals[lib] = r.echoRate(lib, size)
		}
		ours := r.echoRate("wiretalk", size)
		bn, bv := best(vals, higher)
		if !math.IsNaN(bv) && !math.IsNaN(ours) {
			c := r.echoCmp("wiretalk", bn, size)
			met, inside := c.verdict(1, higher)
			ts = append(ts, target{what: "echo round trips/s, " + sizeLabel(size), goal: "≥ best library",
				measured: fmt.Sprintf("%s vs %s %s: %s", comma(ours), bn, comma(bv), c.text()), met: met, inside: inside})
		}
	}
	// Allocations.
	for _, dir := range []string{"read", "write"} {
		worst, any := 0.0, false
		for _, size := range micro.MessageSizes {
			if _, a, _, ok := r.microMedian(dir + "/wiretalk/" + micro.SizeName(size)); ok {
				worst, any = max(worst, a), true
			}
		}
		if any {
			// Below one allocation per 100 messages is steady-state zero:
			// the rare allocation is a pool refilled after a GC.
			ts = append(ts, target{what: "allocations per message, " + dir, goal: "0 in steady state",
				measured: fmt.Sprintf("at most %s per message (16 B to 64 KiB)", num(worst, 3)), met: worst < 0.01})
		}
	}
	// Page.
	if p := r.res.Page; p != nil {
		ts = append(ts, target{what: "audience page, first slide", goal: "≤ 25 KB on the wire",
			measured: fmt.Sprintf("%s B (%.1f KB)", comma(float64(p.Total)), float64(p.Total)/1000), met: p.Total <= 25000})
	}
	r.f("## Targets\n\n")
	if len(ts) == 0 {
		r.f("Nothing measured.\n\n")
		return
	}
	r.f("Figures are medians over runs. A ratio to a peer or to the floor is the median of paired ratios, which cancels the swings of the shared machine that a ratio of two medians keeps. ")
	r.f("For the echo the pairs are cycles: the servers take turns, every one measured at each size in every cycle (section 1). ")
	r.f("For the broadcast they are rounds: every run is a tournament in which the servers take turns round by round, so that round i of wiretalk and round i of the other were measured within a second of each other (section 2); the ratios of all runs are pooled. ")
	r.f("The 95%% confidence interval of the median shows how sure the verdict is; the verdict is on the median.\n\n")
	r.f("| target | goal | measured | |\n|---|---|---|---|\n")
	for _, t := range ts {
		verdict := mark(t.met)
		if t.inside {
			verdict += " (inside the noise: the 95% CI crosses the goal)"
		}
		r.f("| %s | %s | %s | %s |\n", t.what, t.goal, t.measured, verdict)
	}
	r.f("\n")
}

func (r *reporter) echo() {
	sizes := r.echoSizes()
	if len(sizes) == 0 {
		return
	}
	r.f("## 1. Echo round trips over one connection\n\n")
	r.f("One connection, the raw client sends a pre-masked binary message and waits for the echo, for %s per size after a warm-up. ", r.res.EchoDur)
	r.f("Client and server run pinned to the same CPU (`taskset -c 1`), so the figure is software cost, not the cost of waking another CPU. ")
	r.f("The servers of all the libraries run at once, pinned to that CPU too, and one clients process holding a connection to each measures them in turn: %d cycles, in each of which every server gets its %s at each size, in a fresh random order (`bench/cmd/wtbench/echo.go`), so that cycle i of every server is measured within a second or two of the others'. ", r.res.EchoRuns, r.res.EchoDur)
	r.f("Round trips per second, median over the cycles; the ratio is the median of the cycle-by-cycle ratios, with its 95%% confidence interval; higher is better.\n\n")
	r.head("size", append(titles(echoLibs, ""), "wiretalk ÷ best peer (cycle by cycle, median and 95% CI)"), "---:")
	for _, size := range sizes {
		r.f("| %s |", sizeLabel(size))
		vals := map[string]float64{}
		for _, lib := range echoLibs {
			vals[lib] = r.echoRate(lib, size)
			r.f(" %s |", comma(vals[lib]))
		}
		bn, _ := best(vals, higher)
		r.f(" %s (%s) |\n", r.echoCmp("wiretalk", bn, size).short(), bn)
	}
	r.f("\n")
}

func (r *reporter) broadcast() {
	ns := r.bcastNs(bcastLibs...)
	if len(ns) > 0 {
		r.f("## 2. Broadcast: one 200-byte text message to N connections\n\n")
		r.f("Raw clients hold the connections, in a process of their own per server (one epoll loop per core). For each round the clients process sends `b` on the server's control port and times, on its own monotonic clock, from just before that write to the receipt of the message by the last of the N sockets; %d timed rounds after 3 of warm-up, each followed by a 20 ms pause. ", r.res.Rounds)
		r.f("Every run is a tournament (`bench/cmd/wtbench/tournament.go`): the servers of all the libraries, the floor and the hub run at once, each with its N sockets open, and take turns round by round, in a fresh random order each cycle, so that round i of every server is measured within a second of the others'. ")
		r.f("p50 and p99 (nearest rank: with %d rounds the p99 is the slowest round) of the rounds of a run, then the median over %d runs (%d first, then more, up to %d, at the end of the whole run while its time budget lasts); milliseconds, lower is better. ", r.res.Rounds, r.bcastRuns(), r.res.Runs, max(r.res.BcastRuns, r.res.Runs))
		r.f("Each library broadcasts the way its users would do it best: wiretalk one `Prepared` frame written as `server/hub.go` does it, by one goroutine per P (2 here), the writers taking the connections 32 at a time from a shared counter, each write a `TryWritePrepared`, a socket that cannot take it at once getting a goroutine of its own; gorilla one `PreparedMessage`, a goroutine per connection; coder `Conn.Write` from a goroutine per connection; gobwas one `ws.CompileFrame` frame written by two writer goroutines (one per P), each over its half of the connections, with plain `Write` calls, as issue #5 describes it; gws its `Broadcaster`. ")
		r.f("The floor writes the same bytes to the same kind of sockets (upgraded by hand) with plain `conn.Write` calls, split among the writers as wiretalk's are.\n\n")
		how := "round by round, median and 95% CI"
		r.head("N", append(titles(bcastLibs, " p50 / p99"), "wiretalk ÷ best peer ("+how+")", "wiretalk ÷ floor ("+how+")"), "---:")
		for _, n := range ns {
			r.f("| %s |", comma(float64(n)))
			vals := map[string]float64{}
			for _, lib := range bcastLibs {
				p50, p99 := r.bcast(lib, n)
				vals[lib] = p50
				r.f(" %s / %s |", num(p50, 1), num(p99, 1))
			}
			bn, _ := best(vals, lower)
			r.f(" %s (%s) | %s |\n", r.bcastCmp("wiretalk", bn, n).short(), bn, r.bcastCmp("wiretalk", "raw", n).short())
		}
		r.f("\nThe p50 of every run, in the order run, shows how much the shared machine moves the figures:\n\n")
		r.head("N", titles(bcastLibs, ""), "---")
		for _, n := range ns {
			r.f("| %s |", comma(float64(n)))
			for _, lib := range bcastLibs {
				var xs []string
				for _, x := range r.bcastByRun(lib, n, 50) {
					xs = append(xs, num(x, 0))
				}
				r.f(" %s |", strings.Join(xs, " "))
			}
			r.f("\n")
		}
		r.f("\n")
		r.bcastCPU(ns)
	}
	if hns := r.bcastNs("hub"); len(hns) > 0 {
		r.f("### The wiretalk hub\n\n")
		r.f("The same measurement through wiretalk's real server (`server/`, the embedded talk, `server.New` as `wiretalk serve` builds it): a raw presenter socket sends the `{\"type\":\"goto\"}` frame the presenter page sends on a key press, and the round ends when the last audience socket at `/ws` has the new `state` message (about 70 bytes of JSON). This adds the presenter socket's read, the JSON command, the position change and the state message's encoding to the broadcast itself.")
		r.f(" The hub plays in the same tournaments as the libraries.\n\nMedian of %d runs.\n\n", len(r.res.Broadcast["hub"]))
		r.f("| N | hub p50 | hub p99 | hub ÷ protocol-level wiretalk | hub ÷ floor |\n|---|---:|---:|---:|---:|\n")
		for _, n := range hns {
			p50, p99 := r.bcast("hub", n)
			r.f("| %s | %s | %s | %s | %s |\n", comma(float64(n)), num(p50, 1), num(p99, 1), r.bcastCmp("hub", "wiretalk", n).short(), r.bcastCmp("hub", "raw", n).short())
		}
		r.f("\n")
	}
}

// head writes a table's header: the first column's title, then cols,
// the latter aligned as align says ("---:" right, "---" left).
func (r *reporter) head(first string, cols []string, align string) {
	r.f("| %s |", first)
	for _, c := range cols {
		r.f(" %s |", c)
	}
	r.f("\n|---|%s\n", strings.Repeat(align+"|", len(cols)))
}

// titles returns the libraries' titles, each with suffix.
func titles(libs []string, suffix string) []string {
	out := make([]string, len(libs))
	for i, lib := range libs {
		out[i] = libTitle[lib] + suffix
	}
	return out
}

// short is the comparison in a table cell.
func (c comparison) short() string {
	return fmt.Sprintf("%s [%s–%s]", ratio3(c.med), num(c.lo, 3), num(c.hi, 3))
}

// bcastCPU reports the servers' own CPU time per round: what the round
// cost the server, the clients' share and the waiting left out.
func (r *reporter) bcastCPU(ns []int) {
	libs := slices.DeleteFunc(slices.Clone(append(bcastLibs, "hub")), func(lib string) bool { return len(r.res.Broadcast[lib]) == 0 })
	if len(libs) == 0 {
		return
	}
	r.f("The server's CPU time (user and system, from `getrusage`) over the timed rounds at each N, divided by the rounds, in µs per socket; median over runs. It counts the kernel's work for each `write` or `send` on loopback, which includes delivering the segment to the receiving socket, and leaves out the clients' work.\n\n")
	r.head("N", titles(libs, ""), "---:")
	for _, n := range ns {
		r.f("| %s |", comma(float64(n)))
		for _, lib := range libs {
			var xs []float64
			for _, run := range r.res.Broadcast[lib] {
				for _, br := range run {
					if br.N == n && len(br.RoundsMS) > 0 {
						xs = append(xs, float64(br.ServerCPUNS)/1e3/float64(len(br.RoundsMS))/float64(n))
					}
				}
			}
			r.f(" %s |", num(median(xs), 2))
		}
		r.f("\n")
	}
	r.f("\n")
}

func (r *reporter) memory() {
	ns := r.idleNs()
	if len(ns) == 0 {
		return
	}
	r.f("## 3. Memory per idle connection\n\n")
	r.f("A server process of its own per library holds N connections that have done the handshake and nothing else, each in the library's normal reading model: a goroutine per connection for wiretalk, gorilla, coder and gws (its own server); an epoll loop and no goroutine for gobwas and the raw floor, as gobwas is used to be lean. ")
	r.f("After `runtime.GC()` and `debug.FreeOSMemory()`: (HeapInuse + StackInuse) and RSS, minus the same before the first connection, divided by N; median of %d runs. ", r.res.Runs)
	r.f("The wiretalk hub row is `server/` itself, whose audience sockets have also received `hello` and `state`. Lower is better.\n\n")
	r.f("| library |")
	for _, n := range ns {
		r.f(" heap+stack N=%s | RSS N=%s |", comma(float64(n)), comma(float64(n)))
	}
	r.f(" of which stacks, N=%s | goroutines per connection |\n|---|", comma(float64(ns[len(ns)-1])))
	for range ns {
		r.f("---:|---:|")
	}
	r.f("---:|---:|\n")
	for _, lib := range idleLibs {
		if len(r.res.Idle[lib]) == 0 {
			continue
		}
		r.f("| %s |", libTitle[lib])
		var g, st float64
		for _, n := range ns {
			hs, rss, gr, stack := r.idleMemStack(lib, n)
			g, st = gr, stack
			r.f(" %s B | %s B |", comma(hs), comma(rss))
		}
		r.f(" %s B | %s |\n", comma(st), num(g, 2))
	}
	if len(ns) > 0 {
		n := ns[len(ns)-1]
		vals := map[string]float64{}
		for _, lib := range peers {
			vals[lib], _, _ = r.idleMem(lib, n)
		}
		ours, _, _ := r.idleMem("wiretalk", n)
		bn, bv := best(vals, lower)
		r.f("\nAt N=%s wiretalk holds an idle connection in %s of the best peer's heap and stack (%s).\n", comma(float64(n)), ratio(ours/bv), bn)
	}
	r.f("\n")
}

func (r *reporter) masking() {
	if _, _, _, ok := r.microMedian("mask/wiretalk/64KiB"); !ok {
		return
	}
	r.f("## 4. Masking throughput, in place\n\n")
	r.f("XOR with a 4-byte key over a buffer that stays in cache (64 KiB) and one that mostly does too (1 MiB), in GB/s (10⁹ bytes/s), median of %d runs; `copy` is `copy(dst, src)` of the same size, the pace of memory itself. ", r.res.Runs)
	r.f("wiretalk's `protocol.Mask` is measured twice: as built by default (a scalar loop, 8 bytes per load and store) and built with Go 1.26's `GOEXPERIMENT=simd` (AVX2 vectors through the standard library's `simd/archsimd`, `protocol/mask_vector.go`). ")
	r.f("gobwas's `ws.Cipher` is measured twice: as built by default (AVX2/SSE2 assembly) and with `-tags purego` (its Go loop). ")
	r.f("gorilla's `maskBytes` and coder's `mask` are unexported and gws's `MaskXOR` is in its `internal` package, so none of the three can be called from outside its module (coder v1.8.15 uses its pure Go `maskGo` on every platform: its assembly is commented out).\n\n")
	r.f("| function |")
	for _, size := range micro.MaskSizes {
		r.f(" %s |", sizeLabel(size))
	}
	r.f("\n|---|")
	for range micro.MaskSizes {
		r.f("---:|")
	}
	r.f("\n")
	for _, fn := range []struct{ key, title string }{
		{"wiretalk", "wiretalk `protocol.Mask`, default build (pure Go, scalar)"},
		{"wiretalk-simd", "wiretalk `protocol.Mask`, `GOEXPERIMENT=simd` (Go with `simd/archsimd`, no assembly)"},
		{"gobwas-purego", "gobwas `ws.Cipher`, `-tags purego` (pure Go)"},
		{"gobwas-asm", "gobwas `ws.Cipher`, default build (assembly)"},
		{"byteloop", "byte loop"},
		{"copy", "`copy`"},
	} {
		r.f("| %s |", fn.title)
		for _, size := range micro.MaskSizes {
			r.f(" %s |", num(r.microGBps(fn.key, size), 1))
		}
		r.f("\n")
	}
	r.f("\n")
}

func (r *reporter) allocs() {
	if _, _, _, ok := r.microMedian("read/wiretalk/16B"); !ok {
		return
	}
	r.f("## 5. Allocations per message, steady state\n\n")
	r.f("One server connection on loopback TCP reads messages that a raw client streams to it pre-masked, or writes messages that a raw client drains; `testing.Benchmark` with `ReportAllocs`, %d runs, medians. ", r.res.Runs)
	r.f("Each library uses its cheapest API for a whole message in memory it owns: wiretalk `Read`/`Write`; gorilla `NextReader` into a reused buffer and `WriteMessage`; coder `Reader` into a reused buffer and `Write`; gobwas `ReadHeaderBuffer` + `io.ReadFull` + `Cipher` and `WriteHeaderBuffer` + `Write` through bufio; gws `ReadMessage` + `Message.Close` and `WriteMessage`. ")
	r.f("Allocations per message are shown unrounded (0.002 is one allocation per 500 messages). The ns/op include the feeding or draining goroutine on the other core and are a rough guide only; the echo table is the speed comparison.\n\n")
	r.f("| operation |")
	for _, lib := range micro.Libs {
		r.f(" %s allocs | %s ns |", libTitle[lib], libTitle[lib])
	}
	r.f("\n|---|")
	for range micro.Libs {
		r.f("---:|---:|")
	}
	r.f("\n")
	for _, dir := range []string{"read", "write"} {
		for _, size := range micro.MessageSizes {
			r.f("| %s %s |", dir, sizeLabel(size))
			for _, lib := range micro.Libs {
				ns, a, _, _ := r.microMedian(dir + "/" + lib + "/" + micro.SizeName(size))
				r.f(" %s | %s |", num(a, 3), comma(ns))
			}
			r.f("\n")
		}
	}
	r.f("\n")
}

func (r *reporter) page() {
	p := r.res.Page
	if p == nil {
		return
	}
	r.f("## 6. Audience page weight\n\n")
	r.f("wiretalk's server with the embedded talk, its audience page (`/`) opened in a fresh headless Chromium with the cache disabled until the first slide is on screen (plus one second). The sum of `encodedDataLength` of every `Network.loadingFinished`: response headers and bodies as they crossed the wire (compressed when they were). The WebSocket's frames are not counted. Total: **%s bytes (%.1f KB)**.\n\n", comma(float64(p.Total)), float64(p.Total)/1000)
	r.f("| resource | type | encoding | bytes on the wire |\n|---|---|---|---:|\n")
	for _, res := range p.Resources {
		u := res.URL
		if i := strings.Index(u, "//"); i >= 0 {
			if j := strings.Index(u[i+2:], "/"); j >= 0 {
				u = u[i+2+j:]
			}
		}
		enc := res.Encoding
		if enc == "" {
			enc = "none"
		}
		r.f("| `%s` | %s | %s | %s |\n", u, res.MIME, enc, comma(float64(res.Bytes)))
	}
	r.f("\n")
}

func (r *reporter) profile() {
	if r.res.Profile == "" {
		return
	}
	r.f("## Profile of wiretalk's broadcast\n\n")
	r.f("CPU profile of the wiretalk server process during the timed rounds at the largest N (`wtbench run` does it in its last broadcast run), `go tool pprof -top`:\n\n```\n%s```\n\n", r.res.Profile)
}

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

// Lines for the progress log.

func idleLine(rs []idleResult) string {
	var b strings.Builder
	for _, ir := range rs {
		d := float64(ir.N)
		fmt.Fprintf(&b, " N=%d heap+stack %.0f B RSS %.0f B goroutines %.2f;", ir.N,
			(float64(ir.Mem.HeapInuse+ir.Mem.StackInuse)-float64(ir.Base.HeapInuse+ir.Base.StackInuse))/d,
			(float64(ir.Mem.RSS)-float64(ir.Base.RSS))/d, float64(ir.Mem.Goroutines-ir.Base.Goroutines)/d)
	}
	return b.String()
}
