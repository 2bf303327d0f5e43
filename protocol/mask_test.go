package protocol

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// maskBytes is the reference: RFC 6455 §5.3 one byte at a time.
func maskBytes(b []byte, key [4]byte, pos int) int {
	for i := range b {
		b[i] ^= key[(pos+i)&3]
	}
	return pos + len(b)
}

func TestMaskRFC6455Example(t *testing.T) {
	// RFC 6455 §5.7: a masked text frame "Hello" with key 37 fa 21 3d
	// carries the payload 7f 9f 4d 51 58.
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	b := []byte("Hello")
	if n := Mask(b, key, 0); n != 5 {
		t.Errorf("Mask returned %d, want 5", n)
	}
	if want := []byte{0x7f, 0x9f, 0x4d, 0x51, 0x58}; !bytes.Equal(b, want) {
		t.Errorf("masked Hello = % x, want % x", b, want)
	}
	Mask(b, key, 0)
	if string(b) != "Hello" {
		t.Errorf("masking twice gave %q, want Hello", b)
	}
}

func TestMaskEdgeCases(t *testing.T) {
	key := [4]byte{1, 2, 3, 4}
	if n := Mask(nil, key, 7); n != 7 {
		t.Errorf("Mask(nil, pos 7) = %d, want 7", n)
	}
	// Every pos mod 4 for every length up to a few chunks of 128, so each
	// branch of the unrolled loop and every tail length is taken, in the
	// scalar loop and, built with GOEXPERIMENT=simd, after the vectors.
	for pos := range 8 {
		for n := range 4*128 + 8 {
			got := make([]byte, n)
			want := make([]byte, n)
			for i := range got {
				got[i] = byte(i * 7)
				want[i] = got[i]
			}
			gp, wp := Mask(got, key, pos), maskBytes(want, key, pos)
			if gp != wp || !bytes.Equal(got, want) {
				t.Fatalf("pos %d len %d: got % x (pos %d), want % x (pos %d)", pos, n, got, gp, want, wp)
			}
		}
	}
}

// TestMaskChops masks random payloads at random alignments in random
// pieces, chaining the returned offset, and checks the result against the
// byte loop over the whole payload (after gobwas's TestCipherChops).
func TestMaskChops(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for iter := range 2000 {
		var key [4]byte
		for i := range key {
			key[i] = byte(r.IntN(256))
		}
		n := r.IntN(3000)
		if iter%10 == 0 {
			n = r.IntN(1 << 17)
		}
		align := r.IntN(16) // start b at a random offset in its backing array
		backing := make([]byte, align+n)
		for i := range backing {
			backing[i] = byte(r.IntN(256))
		}
		want := bytes.Clone(backing[align:])
		start := r.IntN(1000) // the payload offset of the first piece
		maskBytes(want, key, start)

		got := backing[align:]
		pos := start
		for rest := got; len(rest) > 0; {
			k := 1 + r.IntN(min(len(rest), 1+r.IntN(300)))
			if p := Mask(rest[:k], key, pos); p != pos+k {
				t.Fatalf("Mask returned %d, want %d", p, pos+k)
			}
			pos += k
			rest = rest[k:]
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("iter %d: len %d align %d start %d: chopped masking differs from the byte loop", iter, n, align, start)
		}
	}
}

func TestMaskDoesNotTouchOutside(t *testing.T) {
	backing := make([]byte, 100)
	Mask(backing[10:90], [4]byte{0xff, 0xff, 0xff, 0xff}, 0)
	for i, c := range backing {
		inside := i >= 10 && i < 90
		if inside != (c == 0xff) {
			t.Fatalf("byte %d = %#x after masking [10:90]", i, c)
		}
	}
}
