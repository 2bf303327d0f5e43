package protocol

// Mask XORs b in place with the 4-byte masking key (RFC 6455 §5.3):
// byte i of the payload is XORed with key[(pos+i) mod 4], where pos is the
// payload offset of b[0]. It returns the offset after b, so a payload can
// be masked in pieces. Masking twice with the same key restores b.
func Mask(b []byte, key [4]byte, pos int) int {
	for i := range b {
		b[i] ^= key[(pos+i)&3]
	}
	return pos + len(b)
}
