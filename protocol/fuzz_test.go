package protocol

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// The seed corpora are in testdata/fuzz/<FuzzName>/: the RFC 6455 §5.7
// examples, each length encoding at its edges, and each length error.

// FuzzParseHeader checks that ParseHeader never panics, that what it
// accepts re-encodes to the very same bytes (only minimal encodings are
// accepted, so there is one encoding per header), and that ReadHeader
// over the same bytes gives the same answer.
func FuzzParseHeader(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		h, n, err := ParseHeader(data)
		rh, rerr := ReadHeader(iotest.OneByteReader(bytes.NewReader(data)), make([]byte, MaxHeaderSize))

		if err == ErrShortHeader {
			if n != 0 {
				t.Fatalf("ErrShortHeader with n = %d", n)
			}
			if len(data) >= 2 && len(data) >= HeaderSize(data[1]) {
				t.Fatalf("ErrShortHeader for %d bytes; the header takes %d", len(data), HeaderSize(data[1]))
			}
			want := io.ErrUnexpectedEOF
			if len(data) == 0 {
				want = io.EOF
			}
			if rerr != want {
				t.Fatalf("ParseHeader: short header; ReadHeader: %v, want %v", rerr, want)
			}
			return
		}
		if n != HeaderSize(data[1]) || n > MaxHeaderSize {
			t.Fatalf("ParseHeader took %d bytes; HeaderSize says %d", n, HeaderSize(data[1]))
		}
		if h.Length < 0 {
			t.Fatalf("negative length %d", h.Length)
		}
		reencoded := AppendHeader(nil, h)
		if err != nil {
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Code != StatusProtocolError {
				t.Fatalf("ParseHeader error %v is not a 1002 ProtocolError", err)
			}
			if rerr == nil || rerr.Error() != err.Error() {
				t.Fatalf("ParseHeader: %v; ReadHeader: %v", err, rerr)
			}
			if bytes.Equal(reencoded, data[:n]) {
				t.Fatalf("% x rejected (%v) but it is how AppendHeader encodes %v", data[:n], err, h)
			}
			return
		}
		if !bytes.Equal(reencoded, data[:n]) {
			t.Fatalf("% x parsed as %v, which encodes as % x", data[:n], h, reencoded)
		}
		if h.Size() != n {
			t.Fatalf("Size() = %d, header took %d", h.Size(), n)
		}
		if rerr != nil || rh != h {
			t.Fatalf("ParseHeader: %v; ReadHeader: %v, %v", h, rh, rerr)
		}
		// Check must not panic, whatever the header.
		_ = h.Check(RoleServer, 0)
		_ = h.Check(RoleClient, 0x70)
	})
}

// FuzzUTF8Validator compares UTF8Validator with utf8.Valid for the whole
// input, the input split in two at a fuzzed point, and one byte at a time
// against the reference for failing fast.
func FuzzUTF8Validator(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, split uint) {
		if len(data) > 1<<12 {
			return // failAt is quadratic-ish; long inputs add nothing
		}
		checkValidator(t, data, int(split%uint(len(data)+1)))
	})
}

// FuzzMask compares Mask, applied in two pieces at a fuzzed split from a
// fuzzed offset, with the byte loop.
func FuzzMask(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, key32 uint32, pos, split uint) {
		var key [4]byte
		binary.LittleEndian.PutUint32(key[:], key32)
		p, s := int(pos%1024), int(split%uint(len(data)+1))
		want := bytes.Clone(data)
		maskBytes(want, key, p)
		got := bytes.Clone(data)
		if end := Mask(got[s:], key, Mask(got[:s], key, p)); end != p+len(data) {
			t.Fatalf("Mask returned %d, want %d", end, p+len(data))
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("Mask(% x, %x, pos %d, split %d) = % x, want % x", data, key, p, s, got, want)
		}
	})
}

// FuzzParseClosePayload checks that a close payload that parses is the
// one AppendClosePayload builds, and that errors carry 1002 or 1007.
func FuzzParseClosePayload(f *testing.F) {
	f.Fuzz(func(t *testing.T, p []byte) {
		ce, err := ParseClosePayload(p)
		if err != nil {
			var pe *ProtocolError
			if !errors.As(err, &pe) || (pe.Code != StatusProtocolError && pe.Code != StatusInvalidPayload) {
				t.Fatalf("error %v is not a 1002 or 1007 ProtocolError", err)
			}
			if pe.Code == StatusInvalidPayload && utf8.Valid(p[2:]) {
				t.Fatalf("1007 for the valid reason %q", p[2:])
			}
			return
		}
		if len(p) > 0 && !ce.Code.ValidOnWire() {
			t.Fatalf("accepted code %d", ce.Code)
		}
		if len(p) <= MaxControlPayload {
			if got := AppendClosePayload(nil, ce.Code, ce.Reason); !bytes.Equal(got, p) {
				t.Fatalf("parsed % x as %+v, which encodes as % x", p, ce, got)
			}
		}
	})
}
