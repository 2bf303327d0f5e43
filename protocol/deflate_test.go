package protocol

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// The examples of RFC 7692 §7.2.3, as payloads.
var (
	rfcHello        = []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}                                     // §7.2.3.1
	rfcHelloAgain   = []byte{0xf2, 0x00, 0x11, 0x00, 0x00}                                                 // §7.2.3.2
	rfcHelloStored  = []byte{0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00}             // §7.2.3.3
	rfcHelloBfinal  = []byte{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}                               // §7.2.3.4
	rfcHelloTwoBlks = []byte{0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00} // §7.2.3.5
)

func TestDeflateRFC7692HelloCompressed(t *testing.T) {
	// §7.2.3.1: "Hello" in one compressed block with fixed Huffman codes,
	// the 00 00 ff ff stripped. compress/flate writes exactly that at its
	// default level.
	d := newDeflater(&deflateConfig{level: flate.DefaultCompression, sendTakeover: true})
	if got := d.compress(nil, []byte("Hello")); !bytes.Equal(got, rfcHello) {
		t.Fatalf("Hello compressed = % x, want % x", got, rfcHello)
	}
	// §7.2.3.2: sent again with the context kept, the message is a
	// back-reference to the first. The RFC's encoder writes f2 00 11 00
	// 00; compress/flate writes another block as short, which must refer
	// back (it is shorter than "Hello" itself) and inflate with the
	// context, and only with it.
	again := d.compress(nil, []byte("Hello"))
	if len(again) > len(rfcHelloAgain) {
		t.Errorf("Hello again with context = % x, longer than the RFC's % x", again, rfcHelloAgain)
	}
	f := &Inflater{Takeover: true}
	for i, p := range [][]byte{rfcHello, again} {
		if got, err := f.Inflate(nil, p, 0); err != nil || string(got) != "Hello" {
			t.Fatalf("message %d inflated = %q, %v", i, got, err)
		}
	}
	if got, err := new(Inflater).Inflate(nil, again, 0); err == nil && string(got) == "Hello" {
		t.Errorf("% x inflated to Hello without the context: it is no back-reference", again)
	}
}

func TestDeflateRFC7692StoredBlockAtBestSpeed(t *testing.T) {
	// compress/flate at BestSpeed stores a 5-byte message as it is: the
	// §7.2.3.3 example byte for byte.
	d := newDeflater(&deflateConfig{level: flate.BestSpeed})
	if got := d.compress(nil, []byte("Hello")); !bytes.Equal(got, rfcHelloStored) {
		t.Fatalf("Hello at BestSpeed = % x, want % x", got, rfcHelloStored)
	}
}

// TestInflateRFC7692Examples inflates every example of §7.2.3.
func TestInflateRFC7692Examples(t *testing.T) {
	for _, tt := range []struct {
		name     string
		messages [][]byte
	}{
		{"7.2.3.1 one compressed block", [][]byte{rfcHello}},
		{"7.2.3.2 context takeover", [][]byte{rfcHello, rfcHelloAgain}},
		{"7.2.3.3 stored block", [][]byte{rfcHelloStored}},
		{"7.2.3.4 BFINAL set", [][]byte{rfcHelloBfinal}},
		{"7.2.3.5 two blocks in one message", [][]byte{rfcHelloTwoBlks}},
		{"7.2.3.4 then a message referring back past the final block", [][]byte{rfcHelloBfinal, rfcHelloAgain}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := &Inflater{Takeover: true}
			for i, p := range tt.messages {
				got, err := f.Inflate(nil, p, 0)
				if err != nil || string(got) != "Hello" {
					t.Fatalf("message %d: %q, %v; want Hello", i, got, err)
				}
			}
		})
	}
}

// TestInflateRFC7692Fragments reads §7.2.3.1's fragmented example: the
// compressed payload split in two frames, read through Begin and Read as
// Conn's Reader does, one byte at a time.
func TestInflateRFC7692Fragments(t *testing.T) {
	frames := io.MultiReader(bytes.NewReader([]byte{0xf2, 0x48, 0xcd}), bytes.NewReader([]byte{0xc9, 0xc9, 0x07, 0x00}))
	var f Inflater
	f.Begin(iotest.OneByteReader(frames), nil)
	got, err := io.ReadAll(iotest.OneByteReader(&f))
	f.End(err == nil)
	if err != nil || string(got) != "Hello" {
		t.Fatalf("%q, %v; want Hello", got, err)
	}
}

// TestDeflateStreaming compresses a message in pieces as Writer does and
// checks that the pieces joined are a message that inflates.
func TestDeflateStreaming(t *testing.T) {
	text := strings.Repeat(`{"slide":12,"step":3,"title":"What a frame is"},`, 3000)
	for _, takeover := range []bool{false, true} {
		d := newDeflater(&deflateConfig{sendTakeover: takeover})
		f := &Inflater{Takeover: takeover}
		for msg := range 3 {
			var wire []byte
			d.begin(nil)
			for p := []byte(text); len(p) > 0; {
				n := min(len(p), 1000)
				wire = append(wire, d.write(p[:n])...)
				p = p[n:]
			}
			wire = append(wire, d.finish()...)
			if len(wire) > len(text)/10 {
				t.Errorf("takeover %v: %d bytes compressed to %d", takeover, len(text), len(wire))
			}
			got, err := f.Inflate(nil, wire, 0)
			if err != nil || string(got) != text {
				t.Fatalf("takeover %v message %d: %d bytes back, %v", takeover, msg, len(got), err)
			}
		}
		if takeover && d.w == nil {
			t.Error("with context takeover the compressor must be kept")
		}
		if !takeover && d.w != nil {
			t.Error("without context takeover the compressor must go back to its pool")
		}
	}
}

// TestDeflateRoundTrips sends messages of many sizes and kinds through a
// compressor and an inflater, with and without context takeover, and
// checks that the context is really kept (or not).
func TestDeflateRoundTrips(t *testing.T) {
	msgs := [][]byte{
		nil,
		[]byte("a"),
		[]byte("Hello"),
		[]byte(strings.Repeat("wiretalk ", 1000)),
		bytes.Repeat([]byte{0}, 100<<10),
		pseudoRandom(70 << 10),
		[]byte("Hello"),
	}
	for _, takeover := range []bool{false, true} {
		for _, level := range []int{flate.BestSpeed, flate.DefaultCompression, flate.BestCompression} {
			t.Run(fmt.Sprintf("takeover=%v/level=%d", takeover, level), func(t *testing.T) {
				d := newDeflater(&deflateConfig{level: level, sendTakeover: takeover})
				f := &Inflater{Takeover: takeover}
				for i, m := range msgs {
					wire := d.compress(nil, m)
					got, err := f.Inflate(nil, wire, 0)
					if err != nil || !bytes.Equal(got, m) {
						t.Fatalf("message %d (%d bytes): %d bytes back, %v", i, len(m), len(got), err)
					}
					if takeover && f.WindowLen() > windowSize {
						t.Fatalf("window of %d bytes", f.WindowLen())
					}
				}
				if !takeover && f.WindowLen() != 0 {
					t.Errorf("without takeover the inflater keeps %d bytes", f.WindowLen())
				}
			})
		}
	}
}

func pseudoRandom(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func TestInflateLimit(t *testing.T) {
	d := newDeflater(&deflateConfig{})
	zeros := make([]byte, 1<<20)
	wire := d.compress(nil, zeros)
	var f Inflater
	got, err := f.Inflate(nil, wire, 1<<20)
	if err != nil || len(got) != 1<<20 {
		t.Fatalf("at the limit: %d bytes, %v", len(got), err)
	}
	got, err = f.Inflate(nil, wire, 1<<20-1)
	var pe *ProtocolError
	if !errors.As(err, &pe) || pe.Code != StatusMessageTooBig {
		t.Fatalf("over the limit: %v, want a 1009 ProtocolError", err)
	}
	if len(got) > 1<<20 {
		t.Errorf("inflated %d bytes past a limit of %d", len(got), 1<<20-1)
	}
}

func TestInflateZipBombBounded(t *testing.T) {
	// 256 MiB of zeros in about 260 KiB: a 1 MiB limit must stop the
	// inflater after 1 MiB, not after 256.
	wire := zipBomb(256)
	var f Inflater
	got, err := f.Inflate(make([]byte, 0, 64<<10), wire, 1<<20)
	var pe *ProtocolError
	if !errors.As(err, &pe) || pe.Code != StatusMessageTooBig {
		t.Fatalf("%d compressed bytes: %v, want 1009", len(wire), err)
	}
	if len(got) > 1<<20+1 {
		t.Errorf("inflated %d bytes", len(got))
	}
}

// zipBomb returns a compressed message (tail stripped) of mib MiB of
// zeros: one MiB compressed on its own and sync-flushed, repeated. Each
// copy refers to nothing before it, so the copies joined are one valid
// DEFLATE stream.
func zipBomb(mib int) []byte {
	var out appendWriter
	fw, _ := flate.NewWriter(&out, flate.BestCompression)
	fw.Write(make([]byte, 1<<20))
	fw.Flush()
	return bytes.TrimSuffix(bytes.Repeat(out.b, mib), deflateTail)
}

func TestInflateCorrupt(t *testing.T) {
	for _, tt := range []struct {
		name string
		p    []byte
	}{
		{"reserved block type 11", []byte{0x07, 0x00}},
		{"stored block with a bad NLEN", []byte{0x00, 0x05, 0x00, 0x00, 0x00, 'H', 'e', 'l', 'l', 'o', 0x00}},
		{"cut short inside a block", rfcHello[:3]},
		{"stored block cut short", rfcHelloStored[:7]},
		{"distance before the start, no context", rfcHelloAgain},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := new(Inflater).Inflate(nil, tt.p, 0)
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Code != StatusInvalidPayload {
				t.Fatalf("% x: %v, want a 1007 ProtocolError", tt.p, err)
			}
		})
	}
}

// TestInflateReaderError: an error from Begin's reader (the connection
// failing mid-message) is what Read returns, not a 1007.
func TestInflateReaderError(t *testing.T) {
	boom := errors.New("boom")
	var f Inflater
	f.Begin(io.MultiReader(bytes.NewReader(rfcHello[:3]), iotest.ErrReader(boom)), nil)
	_, err := io.ReadAll(&f)
	f.End(false)
	if err != boom {
		t.Fatalf("err = %v, want boom", err)
	}
}

func TestDeflaterPooledWithoutTakeover(t *testing.T) {
	d := newDeflater(&deflateConfig{})
	d.compress(nil, []byte("Hello"))
	if d.w != nil {
		t.Fatal("the writer is kept after the message")
	}
	// Steady state: compressing a small message allocates only the
	// output, the writer coming from the pool. (Under -race sync.Pool
	// drops items at random, so this is only checked without.)
	if raceEnabled {
		t.Skip("sync.Pool is randomized under -race")
	}
	buf, msg := make([]byte, 0, 64), []byte("Hello, Hello, Hello")
	allocs := testing.AllocsPerRun(100, func() { d.compress(buf[:0], msg) })
	if allocs > 0 {
		t.Errorf("%v allocations per message", allocs)
	}
}

func TestInflaterSteadyStateAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool is randomized under -race")
	}
	d := newDeflater(&deflateConfig{})
	wire := d.compress(nil, []byte(strings.Repeat("Hello ", 100)))
	var f Inflater
	buf := make([]byte, 0, 1024)
	f.Inflate(buf, wire, 0)
	allocs := testing.AllocsPerRun(100, func() { f.Inflate(buf[:0], wire, 0) })
	if allocs > 0 {
		t.Errorf("%v allocations per message", allocs)
	}
}
