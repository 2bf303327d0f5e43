package protocol

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// viable is the reference for failing fast: it reports whether p can
// still be the start of valid UTF-8, that is, whether p is valid but for
// up to three trailing bytes that begin a code point without finishing it.
func viable(p []byte) bool {
	for k := 0; k <= 3 && k <= len(p); k++ {
		head, tail := p[:len(p)-k], p[len(p)-k:]
		// utf8.FullRune counts an invalid sequence as a full rune, so
		// !FullRune means tail is a proper prefix of some valid encoding.
		if utf8.Valid(head) && (k == 0 || !utf8.FullRune(tail)) {
			return true
		}
	}
	return false
}

// failAt returns the index of the first byte after which p is no longer
// viable, or -1 if it always is. Viability only ever goes from true to
// false as bytes are added, so a binary search finds it.
func failAt(p []byte) int {
	if viable(p) {
		return -1
	}
	lo, hi := 0, len(p)-1 // p[:hi+1] is not viable
	for lo < hi {
		mid := (lo + hi) / 2
		if viable(p[:mid+1]) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// checkValidator feeds p to a validator whole, split at split, and one
// byte at a time, and compares it with utf8.Valid and with failAt.
func checkValidator(t *testing.T, p []byte, split int) {
	t.Helper()
	valid := utf8.Valid(p)
	var v UTF8Validator
	if got := v.Write(p) && v.Complete(); got != valid {
		t.Fatalf("% x whole: Write+Complete = %v, utf8.Valid = %v", p, got, valid)
	}
	v.Reset()
	ok1 := v.Write(p[:split])
	ok2 := v.Write(p[split:])
	if got := ok1 && ok2 && v.Complete(); got != valid {
		t.Fatalf("% x split at %d: Write+Write+Complete = %v, utf8.Valid = %v", p, split, got, valid)
	}
	if !ok1 && ok2 {
		t.Fatalf("% x split at %d: Write returned true after having returned false", p, split)
	}
	v.Reset()
	fail := failAt(p)
	for i := range p {
		ok := v.Write(p[i : i+1])
		if want := fail < 0 || i < fail; ok != want {
			t.Fatalf("% x byte by byte: Write(p[%d]=%#x) = %v, want %v (first bad byte at %d)", p, i, p[i], ok, want, fail)
		}
	}
}

// TestUTF8ValidatorExhaustive compares the validator with utf8.Valid on
// every string of one, two and three bytes, each also fed in two pieces
// and one byte at a time.
func TestUTF8ValidatorExhaustive(t *testing.T) {
	if testing.Short() {
		t.Skip("16 million strings")
	}
	var p [3]byte
	for a := range 256 {
		p[0] = byte(a)
		checkValidator(t, p[:1], 0)
		for b := range 256 {
			p[1] = byte(b)
			checkValidator(t, p[:2], 1)
			for c := range 256 {
				p[2] = byte(c)
				// utf8.Valid alone on the bulk of them; the slower
				// split and byte-by-byte checks on those that start
				// with a non-ASCII byte, where the states are.
				var v UTF8Validator
				if got, want := v.Write(p[:]) && v.Complete(), utf8.Valid(p[:]); got != want {
					t.Fatalf("% x: Write+Complete = %v, utf8.Valid = %v", p, got, want)
				}
				if a >= 0x80 && c%7 == 0 || b >= 0x80 && c >= 0x80 {
					checkValidator(t, p[:], 1+c%2)
				}
			}
		}
	}
}

// TestUTF8ValidatorRandom compares with utf8.Valid on random 4-byte
// strings (drawn mostly from the bytes that matter at the boundaries of
// RFC 3629's table) and on longer random strings.
func TestUTF8ValidatorRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	interesting := []byte{0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf,
		0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf7, 0xf8, 0xfe, 0xff}
	pick := func() byte {
		if r.IntN(2) == 0 {
			return interesting[r.IntN(len(interesting))]
		}
		return byte(r.IntN(256))
	}
	n := 300000
	if testing.Short() {
		n = 20000
	}
	p := make([]byte, 4)
	for range n {
		for i := range p {
			p[i] = pick()
		}
		checkValidator(t, p, r.IntN(5))
	}
	// Longer strings: valid text with an occasional random byte, so that
	// the ASCII fast path and the state machine alternate.
	runes := []rune("aé€𝄞\u07ff\u0800\ud7ff\ue000\uffff\U00010000\U0010ffff")
	for range n / 100 {
		var b []byte
		for range r.IntN(100) {
			if r.IntN(3) == 0 {
				b = append(b, strings.Repeat("x", r.IntN(20))...)
			}
			b = utf8.AppendRune(b, runes[r.IntN(len(runes))])
			if r.IntN(40) == 0 {
				b = append(b, pick())
			}
		}
		checkValidator(t, b, r.IntN(len(b)+1))
	}
}

// Cases after the Autobahn TestSuite's section 6 (UTF-8 handling), with
// fail, the index of the byte at which a fail-fast validator must give
// up: -1 for valid text, -2 for text that is a valid prefix but ends in
// the middle of a code point.
var utf8Cases = []struct {
	name string
	in   string
	fail int
}{
	{"6.1 empty", "", -1},
	{"6.2 valid mixed", "Hello-\u00b5@\u00df\u00f6\u00e4\u00fc\u00e0\u00e1-UTF-8!!", -1},
	{"6.3.1 kosme", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", -1},
	{"6.3.2 kosme then surrogate fails at ED A0", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited", 12},
	{"6.4.1 kosme then F4 90 (above U+10FFFF) fails at 90", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80edited", 12},
	{"6.4.3 F4 90 alone fails at the second byte", "\xf4\x90", 1},
	{"6.6 kosme cut inside a code point", "\xce\xba\xe1\xbd", -2},
	{"6.7.1 first 1-byte U+0000", "\x00", -1},
	{"6.7.2 first 2-byte U+0080", "\xc2\x80", -1},
	{"6.7.3 first 3-byte U+0800", "\xe0\xa0\x80", -1},
	{"6.7.4 first 4-byte U+10000", "\xf0\x90\x80\x80", -1},
	{"6.8.1 5-byte sequence", "\xf8\x88\x80\x80\x80", 0},
	{"6.8.2 6-byte sequence", "\xfc\x84\x80\x80\x80\x80", 0},
	{"6.9.1 last 1-byte U+007F", "\x7f", -1},
	{"6.9.2 last 2-byte U+07FF", "\xdf\xbf", -1},
	{"6.9.3 last 3-byte U+FFFF", "\xef\xbf\xbf", -1},
	{"6.9.4 last 4-byte U+10FFFF", "\xf4\x8f\xbf\xbf", -1},
	{"6.10.1 U+1FFFFF", "\xf7\xbf\xbf\xbf", 0},
	{"6.10.2 5-byte U+3FFFFFF", "\xfb\xbf\xbf\xbf\xbf", 0},
	{"6.11.1 U+D7FF", "\xed\x9f\xbf", -1},
	{"6.11.2 U+E000", "\xee\x80\x80", -1},
	{"6.11.3 U+FFFD", "\xef\xbf\xbd", -1},
	{"6.11.5 U+110000", "\xf4\x90\x80\x80", 1},
	{"6.12.1 lone continuation 80", "\x80", 0},
	{"6.12.2 lone continuation BF", "\xbf", 0},
	{"6.12.3 continuation after ASCII", "ab\x80", 2},
	{"6.12.8 continuation after a complete rune", "\xc2\x80\x80", 2},
	{"6.13.1 C0 then space", "\xc0 ", 0},
	{"6.13.2 E0 then space", "\xe0 ", 1},
	{"6.13.3 F0 then space", "\xf0 ", 1},
	{"6.13.4 F8 then space", "\xf8 ", 0},
	{"6.13.5 C2 then space", "\xc2 ", 1},
	{"6.14.3 E0 80 (overlong) fails at 80", "\xe0\x80", 1},
	{"6.14.6 DF alone is incomplete", "\xdf", -2},
	{"6.14.7 EF BF is incomplete", "\xef\xbf", -2},
	{"6.14.8 F4 8F BF is incomplete", "\xf4\x8f\xbf", -2},
	{"6.14.9 F7 fails at once", "\xf7\xbf\xbf", 0},
	{"6.15 concatenated incomplete sequences", "\xe0\xa0\xc2", 2},
	{"6.16.1 FE", "\xfe", 0},
	{"6.16.2 FF", "\xff", 0},
	{"6.16.3 FE FE FF FF", "\xfe\xfe\xff\xff", 0},
	{"6.17.1 overlong / in 2 bytes", "\xc0\xaf", 0},
	{"6.17.2 overlong / in 3 bytes", "\xe0\x80\xaf", 1},
	{"6.17.3 overlong / in 4 bytes", "\xf0\x80\x80\xaf", 1},
	{"6.18.1 max overlong 2 bytes C1 BF", "\xc1\xbf", 0},
	{"6.18.2 max overlong 3 bytes E0 9F BF", "\xe0\x9f\xbf", 1},
	{"6.18.3 max overlong 4 bytes F0 8F BF BF", "\xf0\x8f\xbf\xbf", 1},
	{"6.19.1 overlong NUL C0 80", "\xc0\x80", 0},
	{"6.19.2 overlong NUL E0 80 80", "\xe0\x80\x80", 1},
	{"6.19.3 overlong NUL F0 80 80 80", "\xf0\x80\x80\x80", 1},
	{"6.20.1 surrogate U+D800", "\xed\xa0\x80", 1},
	{"6.20.7 surrogate U+DFFF", "\xed\xbf\xbf", 1},
	{"6.21.1 surrogate pair", "\xed\xa0\x80\xed\xb0\x80", 1},
	{"6.22.1 noncharacter U+FFFE is valid", "\xef\xbf\xbe", -1},
	{"6.22.2 noncharacter U+10FFFF is valid", "\xf4\x8f\xbf\xbf", -1},
	{"6.22.3 noncharacter U+FDD0 is valid", "\xef\xb7\x90", -1},
	{"6.23.1 U+FFFD", "\xef\xbf\xbd", -1},
	{"ASCII run then invalid past the 8-byte fast path", "0123456789abcdef\xff", 16},
	{"ASCII run then a 4-byte rune split over a word", "0123456\xf0\x9f\x98\x80789abcdef", -1},
}

func TestUTF8ValidatorAutobahnCases(t *testing.T) {
	for _, tc := range utf8Cases {
		t.Run(tc.name, func(t *testing.T) {
			p := []byte(tc.in)
			if want := tc.fail == -1; utf8.Valid(p) != want {
				t.Fatalf("bad case: utf8.Valid = %v", !want)
			}
			if f := failAt(p); f != max(tc.fail, -1) {
				t.Fatalf("bad case: reference fails at %d, case says %d", f, tc.fail)
			}
			// Split at every byte boundary into two Writes.
			for split := 0; split <= len(p); split++ {
				var v UTF8Validator
				ok1 := v.Write(p[:split])
				ok2 := v.Write(p[split:])
				switch {
				case tc.fail >= 0 && tc.fail < split:
					if ok1 || ok2 {
						t.Errorf("split %d: first Write = %v, second = %v; want false, false", split, ok1, ok2)
					}
				case tc.fail >= 0:
					if !ok1 || ok2 {
						t.Errorf("split %d: first Write = %v, second = %v; want true, false", split, ok1, ok2)
					}
				default:
					if !ok1 || !ok2 {
						t.Errorf("split %d: first Write = %v, second = %v; want true, true", split, ok1, ok2)
					}
					if got, want := v.Complete(), tc.fail == -1; got != want {
						t.Errorf("split %d: Complete = %v, want %v", split, got, want)
					}
				}
			}
			checkValidator(t, p, len(p)/2)
		})
	}
}

func TestUTF8ValidatorStaysFalse(t *testing.T) {
	var v UTF8Validator
	if v.Write([]byte("\xc0")) {
		t.Fatal("C0 accepted")
	}
	if v.Write([]byte("abc")) || v.Complete() {
		t.Fatal("validator recovered after an invalid byte")
	}
	v.Reset()
	if !v.Write([]byte("abc")) || !v.Complete() {
		t.Fatal("Reset did not clear the failure")
	}
	if !v.Write([]byte("\xe2\x82")) || v.Complete() {
		t.Fatal("incomplete € reported complete")
	}
	if !v.Write(nil) || !v.Write([]byte("\xac")) || !v.Complete() {
		t.Fatal("€ completed across Writes not accepted")
	}
}

func TestUTF8ValidatorAllocs(t *testing.T) {
	p := []byte("Hello, κόσμε, 𝄞 and more")
	var v UTF8Validator
	if n := testing.AllocsPerRun(100, func() { v.Reset(); v.Write(p) }); n != 0 {
		t.Errorf("Write allocates %v times", n)
	}
}
