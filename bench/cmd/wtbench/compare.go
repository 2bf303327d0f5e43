package main

import (
	"fmt"
	"math"
)

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

// short is the comparison in a table cell.
func (c comparison) short() string {
	return fmt.Sprintf("%s [%s–%s]", ratio3(c.med), num(c.lo, 3), num(c.hi, 3))
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

func lower(a, b float64) bool { return a < b }
