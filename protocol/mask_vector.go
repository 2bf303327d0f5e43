//go:build goexperiment.simd && amd64 && !go1.27

package protocol

import "simd/archsimd"

// Built with GOEXPERIMENT=simd, Mask hands the bulk of a large payload to
// maskVector, which XORs 32 bytes per load and store with AVX2 through
// the standard library's simd/archsimd package: Go, not assembly. A scalar
// loop can store at most 16 bytes a cycle (two 8-byte stores), about
// 42 GB/s at this project's machine's 2.6 GHz; the vectors mask 64 KiB at
// about 100 GB/s there (docs/BENCHMARKS.md, section 4).
//
// The package is an experiment of Go 1.26 whose API may change, so this
// file is built by Go 1.26 alone; any other Go, or a CPU without AVX2,
// takes the scalar loop, which gives the same bytes.
const maskVectorBuilt = true

// maskVectorMin is the shortest payload worth the vectors: below it the
// scalar loop alone is as fast (measured at 128 to 1,024 bytes: level at
// 256, the vectors 1.25x at 384 and 1.6x at 1 KiB).
const maskVectorMin = 256

// maskVector masks b 128 bytes at a time with k32, the key already
// rotated to b[0], and returns the tail it left, shorter than 128 bytes,
// or b itself on a CPU without AVX2. A 32-byte vector holds the key eight
// times, so, as in Mask's words, it never needs rotating.
func maskVector(b []byte, k32 uint32) []byte {
	if !archsimd.X86.AVX2() {
		return b
	}
	k := archsimd.BroadcastUint32x8(k32).AsUint8x32()
	for len(b) >= 128 {
		s := b[:128:128]
		archsimd.LoadUint8x32Slice(s[0:]).Xor(k).StoreSlice(s[0:])
		archsimd.LoadUint8x32Slice(s[32:]).Xor(k).StoreSlice(s[32:])
		archsimd.LoadUint8x32Slice(s[64:]).Xor(k).StoreSlice(s[64:])
		archsimd.LoadUint8x32Slice(s[96:]).Xor(k).StoreSlice(s[96:])
		b = b[128:]
	}
	// The rest of the program is SSE code (Go's calling convention keeps
	// zero in X15); on many x86 CPUs SSE after AVX with the upper halves
	// of the Y registers dirty pays a penalty, which VZEROUPPER avoids.
	archsimd.ClearAVXUpperBits()
	return b
}
