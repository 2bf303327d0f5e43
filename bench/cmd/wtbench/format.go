package main

import (
	"fmt"
	"math"
	"strings"
)

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

// num formats x with prec decimals; "—" for NaN.
func num(x float64, prec int) string {
	if math.IsNaN(x) {
		return "—"
	}
	return fmt.Sprintf("%.*f", prec, x)
}

// ratio formats x as a ratio with 2 decimals ("1.25×"); "—" for NaN or
// an infinity.
func ratio(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "—"
	}
	return fmt.Sprintf("%.2f×", x)
}

// ratio3 is ratio with 3 decimals.
func ratio3(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "—"
	}
	return fmt.Sprintf("%.3f×", x)
}

// sizeLabel writes n bytes as "16 B", "1 KiB" or "1 MiB".
func sizeLabel(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// mark is a target's verdict.
func mark(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}
