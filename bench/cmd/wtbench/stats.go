package main

import (
	"math"
	"slices"
)

// median returns the median of xs, leaving out NaNs; NaN if none is left.
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
