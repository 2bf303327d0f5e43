package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"wiretalk/bench/internal/micro"
)

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
			hs, rss, g, st := ir.perConn()
			a, b, c, s = append(a, hs), append(b, rss), append(c, g), append(s, st)
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

// perConn returns what each idle connection of ir costs its server: the
// heap and stacks, the RSS, the goroutines and the stacks alone, each the
// growth since before the first connection divided by the connections.
func (ir idleResult) perConn() (heapStack, rss, goroutines, stack float64) {
	d := float64(ir.N)
	heapStack = (heapStackOf(ir.Mem) - heapStackOf(ir.Base)) / d
	rss = (float64(ir.Mem.RSS) - float64(ir.Base.RSS)) / d
	goroutines = float64(ir.Mem.Goroutines-ir.Base.Goroutines) / d
	stack = (float64(ir.Mem.StackInuse) - float64(ir.Base.StackInuse)) / d
	return heapStack, rss, goroutines, stack
}

// idleLine is the progress log's line for one idle run.
func idleLine(rs []idleResult) string {
	var b strings.Builder
	for _, ir := range rs {
		hs, rss, g, _ := ir.perConn()
		fmt.Fprintf(&b, " N=%d heap+stack %.0f B RSS %.0f B goroutines %.2f;", ir.N, hs, rss, g)
	}
	return b.String()
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
