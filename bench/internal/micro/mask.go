// Package micro holds the in-process benchmarks: masking throughput and
// the cost and allocations of one message read or written on one
// connection, for wiretalk's protocol package and each library. The same
// functions run under "go test -bench" (micro_test.go) and under
// "wtbench run", which takes medians with testing.Benchmark.
package micro

import (
	"strconv"
	"testing"

	"github.com/gobwas/ws"

	"wiretalk/protocol"
)

// Bench is one named benchmark.
type Bench struct {
	Name string // "group/subject/size"
	F    func(*testing.B)
}

// MaskSizes are the payload sizes of the masking benchmarks.
var MaskSizes = []int{64 << 10, 1 << 20}

var maskKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// maskFuncs are the masking functions that can be called from here.
// gorilla/websocket's maskBytes is unexported, coder/websocket's mask is
// unexported (and is its pure Go maskGo on every platform in v1.8.15:
// its assembly is commented out), and gws's MaskXOR is in its internal
// package: none of them can be measured from outside their module.
var maskFuncs = []struct {
	name string
	f    func(b []byte)
}{
	{WiretalkMaskName, func(b []byte) { protocol.Mask(b, maskKey, 0) }},
	{GobwasCipherName, func(b []byte) { ws.Cipher(b, maskKey, 0) }},
	{"byteloop", func(b []byte) {
		for i := range b {
			b[i] ^= maskKey[i&3]
		}
	}},
}

// MaskBenches returns the masking benchmarks: each function masks a
// buffer in place, and "copy" copies a buffer of the same size, the pace
// of memory itself.
func MaskBenches() []Bench {
	var out []Bench
	for _, size := range MaskSizes {
		for _, mf := range maskFuncs {
			out = append(out, Bench{"mask/" + mf.name + "/" + SizeName(size), func(b *testing.B) {
				buf := make([]byte, size)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					mf.f(buf)
				}
			}})
		}
		out = append(out, Bench{"mask/copy/" + SizeName(size), func(b *testing.B) {
			src, dst := make([]byte, size), make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				copy(dst, src)
			}
		}})
	}
	return out
}

// SizeName is how a benchmark's name gives a size: "16B", "64KiB", "1MiB".
func SizeName(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + "MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.Itoa(n>>10) + "KiB"
	}
	return strconv.Itoa(n) + "B"
}
