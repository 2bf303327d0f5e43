package micro

import "testing"

// go test -bench . ./internal/micro (add -tags purego for gobwas's Go
// masking loop, GOEXPERIMENT=simd for wiretalk's vectors).
func BenchmarkMicro(b *testing.B) {
	for _, bm := range append(MaskBenches(), ConnBenches()...) {
		b.Run(bm.Name, bm.F)
	}
}
