package protocol

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

var benchSizes = []int{16, 1 << 10, 64 << 10, 1 << 20}

func sizeName(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// benchEachSize runs body as a sub-benchmark per size, named by
// sizeName, with a buffer of that size, the bytes per op set to it and
// allocations reported. body holds the b.Loop, so what it times is called
// directly, as it would be outside a benchmark.
func benchEachSize(b *testing.B, sizes []int, body func(b *testing.B, buf []byte)) {
	for _, n := range sizes {
		b.Run(sizeName(n), func(b *testing.B) {
			buf := make([]byte, n)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			body(b, buf)
		})
	}
}

// BenchmarkMask masks a buffer in place, as a reader unmasks a frame.
func BenchmarkMask(b *testing.B) {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	benchEachSize(b, benchSizes, func(b *testing.B, buf []byte) {
		for b.Loop() {
			Mask(buf, key, 1)
		}
	})
}

// BenchmarkMaskBytes is the byte-at-a-time loop Mask replaces.
func BenchmarkMaskBytes(b *testing.B) {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	benchEachSize(b, benchSizes, func(b *testing.B, buf []byte) {
		for b.Loop() {
			maskBytes(buf, key, 1)
		}
	})
}

// BenchmarkCopy copies a buffer of the same size: the memory bandwidth
// that masking in place can at best approach.
func BenchmarkCopy(b *testing.B) {
	benchEachSize(b, benchSizes[2:], func(b *testing.B, dst []byte) {
		src := make([]byte, len(dst))
		for b.Loop() {
			copy(dst, src)
		}
	})
}

var (
	benchASCII = []byte(strings.Repeat("The quick brown fox jumps over the lazy dog. ", 1500)[:64<<10])
	benchMixed = func() []byte {
		// Mostly ASCII with some 2-, 3- and 4-byte runes, like chat text.
		s := strings.Repeat("Grüße aus Köln — κόσμε 🙂 and some plain ASCII words. ", 1200)
		b := []byte(s)[:64<<10]
		for !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
		return b
	}()
)

func BenchmarkUTF8(b *testing.B) {
	for _, in := range []struct {
		name string
		p    []byte
	}{{"ASCII", benchASCII}, {"Mixed", benchMixed}} {
		b.Run("Validator/"+in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.p)))
			b.ReportAllocs()
			var v UTF8Validator
			for b.Loop() {
				v.Reset()
				if !v.Write(in.p) || !v.Complete() {
					b.Fatal("invalid")
				}
			}
		})
		b.Run("utf8.Valid/"+in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.p)))
			b.ReportAllocs()
			for b.Loop() {
				if !utf8.Valid(in.p) {
					b.Fatal("invalid")
				}
			}
		})
	}
}

var benchHeaders = []Header{
	{Fin: true, Opcode: OpText, Length: 5},
	{Fin: true, Opcode: OpBinary, Masked: true, Key: [4]byte{1, 2, 3, 4}, Length: 256},
	{Fin: true, Opcode: OpBinary, Masked: true, Key: [4]byte{1, 2, 3, 4}, Length: 1 << 20},
}

func BenchmarkHeader(b *testing.B) {
	b.Run("Append", func(b *testing.B) {
		buf := make([]byte, 0, MaxHeaderSize)
		b.ReportAllocs()
		for b.Loop() {
			for _, h := range benchHeaders {
				buf = AppendHeader(buf[:0], h)
			}
		}
	})
	var encoded [][]byte
	for _, h := range benchHeaders {
		encoded = append(encoded, AppendHeader(nil, h))
	}
	b.Run("Parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, p := range encoded {
				if _, _, err := ParseHeader(p); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
