package main

import (
	"fmt"
	"math"
	"wiretalk/bench/internal/micro"
)

// target is one row of the targets table.
type target struct {
	what, goal, measured string
	met                  bool
	inside               bool // the 95 % confidence interval crosses the goal: met or missed, inside the noise
}

// targets writes the table of the targets, each met or missed.
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
