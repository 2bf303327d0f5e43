package protocol

import (
	"encoding/binary"
	"unicode/utf8"
)

// ValidUTF8 reports whether b is entirely valid UTF-8 (RFC 3629, as RFC
// 6455 §8.1 requires for text): no overlong forms, no surrogates, nothing
// above U+10FFFF.
func ValidUTF8(b []byte) bool { return utf8.Valid(b) }

// UTF8Validator validates a text message incrementally across fragments
// and fails fast: Write returns false at the first byte after which the
// message can no longer be valid UTF-8, even if that byte is in the middle
// of a code point and the message's later fragments are still to come.
//
// RFC 6455 §8.1: "When an endpoint is to interpret a byte stream as UTF-8
// but finds that the byte stream is not, in fact, a valid UTF-8 stream,
// that endpoint MUST _Fail the WebSocket Connection_." Failing fast means
// a peer cannot make us buffer a long message that is already known to be
// invalid (Autobahn cases 6.4.x test exactly this).
//
// The zero value is ready to use: it expects the start of a message. It
// holds four bytes of state and never allocates.
type UTF8Validator struct {
	need   uint8 // continuation bytes still expected in the current code point
	lo, hi uint8 // the range the next continuation byte must fall in, when need > 0
	bad    bool  // an invalid byte was seen; sticky until Reset
}

// The well-formed byte sequences of RFC 3629 §4, as the state machine uses
// them: the first byte says how many continuation bytes follow and narrows
// the range of the first of them (to forbid overlong forms, surrogates and
// code points above U+10FFFF); the others are always 80..BF.
//
//	U+0000..U+007F     00..7F
//	U+0080..U+07FF     C2..DF 80..BF
//	U+0800..U+0FFF     E0     A0..BF 80..BF
//	U+1000..U+CFFF     E1..EC 80..BF 80..BF
//	U+D000..U+D7FF     ED     80..9F 80..BF
//	U+E000..U+FFFF     EE..EF 80..BF 80..BF
//	U+10000..U+3FFFF   F0     90..BF 80..BF 80..BF
//	U+40000..U+FFFFF   F1..F3 80..BF 80..BF 80..BF
//	U+100000..U+10FFFF F4     80..8F 80..BF 80..BF
const (
	contLo = 0x80
	contHi = 0xBF
)

// leadByte returns, for the first byte c of a multi-byte sequence, how
// many continuation bytes follow and the range the first of them must be
// in. need is 0 for a byte that cannot start a sequence: a continuation
// byte, C0/C1 (only ever overlong) or F5..FF (above U+10FFFF).
func leadByte(c byte) (need, lo, hi uint8) {
	switch {
	case c < 0xC2:
		return 0, 0, 0
	case c < 0xE0:
		return 1, contLo, contHi
	case c == 0xE0:
		return 2, 0xA0, contHi // below A0 would be overlong
	case c == 0xED:
		return 2, contLo, 0x9F // above 9F would be a surrogate, D800..DFFF
	case c < 0xF0:
		return 2, contLo, contHi
	case c == 0xF0:
		return 3, 0x90, contHi // below 90 would be overlong
	case c < 0xF4:
		return 3, contLo, contHi
	case c == 0xF4:
		return 3, contLo, 0x8F // above 8F would be above U+10FFFF
	}
	return 0, 0, 0
}

// Write feeds the next bytes of the message to v. It returns false as soon
// as the bytes so far can no longer be the start of valid UTF-8, and from
// then on until Reset. A code point may be split across Write calls.
func (v *UTF8Validator) Write(p []byte) bool {
	if v.bad {
		return false
	}
	p = p[:len(p):len(p)] // spares the slicing below from recomputing the capacity
	need, lo, hi := v.need, v.lo, v.hi
	for {
		// Continuation bytes of the current code point.
		for ; need > 0; need-- {
			if len(p) == 0 {
				v.need, v.lo, v.hi = need, lo, hi
				return true
			}
			if c := p[0]; c < lo || c > hi {
				v.bad = true
				return false
			}
			lo, hi = contLo, contHi
			p = p[1:]
		}
		// ASCII: 8 bytes at a time while no byte has its top bit set, and
		// 32 at a time once 8 were (in text with non-ASCII every few bytes
		// a 32-byte test fails too often to pay), then byte by byte up to
		// the next non-ASCII byte.
		if len(p) >= 8 && le64(p)&asciiMask == 0 {
			p = p[8:]
			for len(p) >= 32 {
				s := p[:32:32]
				if (le64(s[0:])|le64(s[8:])|le64(s[16:])|le64(s[24:]))&asciiMask != 0 {
					break
				}
				p = p[32:]
			}
			for len(p) >= 8 && le64(p)&asciiMask == 0 {
				p = p[8:]
			}
		}
		for len(p) > 0 && p[0] < utf8.RuneSelf {
			p = p[1:]
		}
		if len(p) == 0 {
			v.need = 0
			return true
		}
		if need, lo, hi = leadByte(p[0]); need == 0 {
			v.bad = true
			return false
		}
		p = p[1:]
	}
}

// asciiMask has the top bit of each byte of a word set: a word of ASCII
// bytes ANDed with it is zero.
const asciiMask = 0x8080808080808080

func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// Complete reports whether the bytes written since the last Reset are
// valid UTF-8 and end at a code point boundary. Call it after the final
// fragment of a message: a message may not end inside a code point.
func (v *UTF8Validator) Complete() bool { return !v.bad && v.need == 0 }

// Reset makes v ready for a new message.
func (v *UTF8Validator) Reset() { *v = UTF8Validator{} }
