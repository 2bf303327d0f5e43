package protocol

import (
	"encoding/binary"
	"math/bits"
)

// Mask XORs b in place with the 4-byte masking key (RFC 6455 §5.3):
// byte i of the payload is XORed with key[(pos+i) mod 4], where pos is the
// payload offset of b[0]. It returns the offset after b, so a payload can
// be masked in pieces. Masking twice with the same key restores b.
//
// RFC 6455 §5.3: "octet i of the transformed data is the XOR of octet i
// of the original data with octet at index i modulo 4 of the masking key."
//
// Rather than XOR one byte at a time, Mask builds a 64-bit word holding
// the key twice, rotated so that its first byte lines up with b[0], and
// XORs eight bytes per load and store. Since 8 is a multiple of 4 the word
// never needs rotating again; encoding/binary's little-endian loads and
// stores compile to single moves, so no unsafe is needed. Built with
// GOEXPERIMENT=simd (Go 1.26, amd64), payloads of 256 bytes and more go
// 32 bytes at a time first (mask_vector.go).
func Mask(b []byte, key [4]byte, pos int) int {
	end := pos + len(b)
	// In a little-endian word the lowest byte comes first in memory, so
	// rotating right by 8*(pos mod 4) bits brings key[pos mod 4] to the front.
	k32 := bits.RotateLeft32(binary.LittleEndian.Uint32(key[:]), -8*(pos&3))
	if maskVectorBuilt && len(b) >= maskVectorMin {
		b = maskVector(b, k32) // GOEXPERIMENT=simd only: mask_vector.go
	}
	k := uint64(k32)<<32 | uint64(k32)

	// 128 bytes per iteration, then at most one 64- and one 32-byte
	// chunk. Slicing to the chunk's exact size first lets the compiler
	// drop the bounds checks on the constant offsets, and each load, XOR
	// and store fuses into one XORQ to memory. (128 measured some 10%
	// faster than 64 per iteration: less loop overhead per byte.)
	for len(b) >= 128 {
		s := b[:128:128]
		binary.LittleEndian.PutUint64(s[0:], binary.LittleEndian.Uint64(s[0:])^k)
		binary.LittleEndian.PutUint64(s[8:], binary.LittleEndian.Uint64(s[8:])^k)
		binary.LittleEndian.PutUint64(s[16:], binary.LittleEndian.Uint64(s[16:])^k)
		binary.LittleEndian.PutUint64(s[24:], binary.LittleEndian.Uint64(s[24:])^k)
		binary.LittleEndian.PutUint64(s[32:], binary.LittleEndian.Uint64(s[32:])^k)
		binary.LittleEndian.PutUint64(s[40:], binary.LittleEndian.Uint64(s[40:])^k)
		binary.LittleEndian.PutUint64(s[48:], binary.LittleEndian.Uint64(s[48:])^k)
		binary.LittleEndian.PutUint64(s[56:], binary.LittleEndian.Uint64(s[56:])^k)
		binary.LittleEndian.PutUint64(s[64:], binary.LittleEndian.Uint64(s[64:])^k)
		binary.LittleEndian.PutUint64(s[72:], binary.LittleEndian.Uint64(s[72:])^k)
		binary.LittleEndian.PutUint64(s[80:], binary.LittleEndian.Uint64(s[80:])^k)
		binary.LittleEndian.PutUint64(s[88:], binary.LittleEndian.Uint64(s[88:])^k)
		binary.LittleEndian.PutUint64(s[96:], binary.LittleEndian.Uint64(s[96:])^k)
		binary.LittleEndian.PutUint64(s[104:], binary.LittleEndian.Uint64(s[104:])^k)
		binary.LittleEndian.PutUint64(s[112:], binary.LittleEndian.Uint64(s[112:])^k)
		binary.LittleEndian.PutUint64(s[120:], binary.LittleEndian.Uint64(s[120:])^k)
		b = b[128:]
	}
	if len(b) >= 64 {
		s := b[:64:64]
		binary.LittleEndian.PutUint64(s[0:], binary.LittleEndian.Uint64(s[0:])^k)
		binary.LittleEndian.PutUint64(s[8:], binary.LittleEndian.Uint64(s[8:])^k)
		binary.LittleEndian.PutUint64(s[16:], binary.LittleEndian.Uint64(s[16:])^k)
		binary.LittleEndian.PutUint64(s[24:], binary.LittleEndian.Uint64(s[24:])^k)
		binary.LittleEndian.PutUint64(s[32:], binary.LittleEndian.Uint64(s[32:])^k)
		binary.LittleEndian.PutUint64(s[40:], binary.LittleEndian.Uint64(s[40:])^k)
		binary.LittleEndian.PutUint64(s[48:], binary.LittleEndian.Uint64(s[48:])^k)
		binary.LittleEndian.PutUint64(s[56:], binary.LittleEndian.Uint64(s[56:])^k)
		b = b[64:]
	}
	if len(b) >= 32 {
		s := b[:32:32]
		binary.LittleEndian.PutUint64(s[0:], binary.LittleEndian.Uint64(s[0:])^k)
		binary.LittleEndian.PutUint64(s[8:], binary.LittleEndian.Uint64(s[8:])^k)
		binary.LittleEndian.PutUint64(s[16:], binary.LittleEndian.Uint64(s[16:])^k)
		binary.LittleEndian.PutUint64(s[24:], binary.LittleEndian.Uint64(s[24:])^k)
		b = b[32:]
	}
	for len(b) >= 8 {
		binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^k)
		b = b[8:]
	}
	// Fewer than 8 bytes left: the low bytes of k are the key from here on.
	for i := range b {
		b[i] ^= byte(k >> (8 * (i & 3)))
	}
	return end
}
