//go:build goexperiment.simd && amd64 && !go1.27

package protocol

import (
	"bytes"
	"testing"

	"simd/archsimd"
)

// TestMaskVectorTakesTheBulk checks that a GOEXPERIMENT=simd build does
// mask with vectors: maskVector itself must leave only the tail shorter
// than 128 bytes, masked nothing beyond what it reports, and matched the
// byte loop on what it did.
func TestMaskVectorTakesTheBulk(t *testing.T) {
	if !archsimd.X86.AVX2() {
		t.Skip("this CPU has no AVX2: Mask takes its scalar loop, which TestMaskEdgeCases covers")
	}
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	for _, n := range []int{256, 300, 1000, 64 << 10} {
		for pos := range 4 {
			b := make([]byte, n+1)
			for i := range b {
				b[i] = byte(i * 13)
			}
			orig := bytes.Clone(b)
			want := bytes.Clone(b[:n])
			maskBytes(want, key, pos)

			k32 := uint32(key[pos&3]) | uint32(key[(pos+1)&3])<<8 | uint32(key[(pos+2)&3])<<16 | uint32(key[(pos+3)&3])<<24
			tail := maskVector(b[:n], k32)
			done := n - len(tail)
			if len(tail) != n%128 {
				t.Fatalf("n %d: maskVector left %d bytes, want %d", n, len(tail), n%128)
			}
			if !bytes.Equal(b[:done], want[:done]) {
				t.Fatalf("n %d pos %d: the vectors' bytes differ from the byte loop", n, pos)
			}
			if !bytes.Equal(b[done:], orig[done:]) {
				t.Fatalf("n %d pos %d: maskVector touched bytes past what it reported", n, pos)
			}
		}
	}
}
