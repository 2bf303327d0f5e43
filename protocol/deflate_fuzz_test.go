package protocol

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// The seed corpora are in testdata/fuzz/FuzzParseExtensions (browsers'
// and libraries' offers, every grammar error of the table tests) and
// testdata/fuzz/FuzzInflate (the RFC 7692 §7.2.3 examples and broken
// streams).

// FuzzParseExtensions checks that the extension-list parser never
// panics; that what it returns re-encodes to a list that parses to the
// same elements without error; and that a server's answer to it is one
// a client accepts.
func FuzzParseExtensions(f *testing.F) {
	f.Fuzz(func(t *testing.T, header string) {
		exts, _ := ParseExtensions(strings.Split(header, "\n"))
		var parts []string
		for _, e := range exts {
			if !isToken(e.Name) {
				t.Fatalf("extension name %q is not a token", e.Name)
			}
			for _, p := range e.Params {
				if !isToken(p.Name) || p.HasValue != (p.Value != "") || p.HasValue && !isToken(p.Value) {
					t.Fatalf("parameter %+v is not token [= token]", p)
				}
			}
			parts = append(parts, e.String())
		}
		again, err := ParseExtensions([]string{strings.Join(parts, ", ")})
		if err != nil || len(again) != len(exts) {
			t.Fatalf("re-encoded %q: %d elements, %v; want %d", parts, len(again), err, len(exts))
		}
		for i := range exts {
			if again[i].String() != exts[i].String() {
				t.Fatalf("element %d: %q became %q", i, exts[i], again[i])
			}
		}
		ans, cfg, ok := acceptDeflate(exts, &DeflateOptions{})
		if !ok {
			return
		}
		if cfg.sendMax != 0 && cfg.sendTakeover {
			t.Fatalf("a limited window with context takeover: %+v", cfg)
		}
		for _, e := range exts {
			if offer, err := ParseDeflateParams(e, true); err == nil {
				if _, _, err := checkDeflateAnswer([]string{ans.String()}, offer, &DeflateOptions{}); err != nil {
					t.Fatalf("answer %q to %q: a client says %v", ans, e, err)
				}
				break
			}
		}
	})
}

// FuzzInflate checks that inflating arbitrary bytes never panics and
// fails only with a 1007 or 1009 *ProtocolError, that the limit holds,
// that the streaming path (Begin/Read) agrees with Inflate, and that
// what inflates compresses back to something that inflates the same.
func FuzzInflate(f *testing.F) {
	const limit = 1 << 20
	f.Fuzz(func(t *testing.T, p []byte, takeover bool) {
		f1 := &Inflater{Takeover: takeover}
		got, err := f1.Inflate(nil, p, limit)
		if len(got) > limit+1 {
			t.Fatalf("inflated %d bytes past the %d limit", len(got), limit)
		}
		if err != nil {
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Code != StatusInvalidPayload && pe.Code != StatusMessageTooBig {
				t.Fatalf("error %v is not a 1007 or 1009 ProtocolError", err)
			}
			return
		}
		f2 := &Inflater{Takeover: takeover}
		f2.Begin(bytes.NewReader(p), nil)
		var streamed []byte
		buf := make([]byte, 333)
		for {
			n, err := f2.Read(buf)
			streamed = append(streamed, buf[:n]...)
			if err != nil {
				f2.End(false)
				if err.Error() != "EOF" {
					t.Fatalf("streaming: %v after %d bytes; Inflate gave %d", err, len(streamed), len(got))
				}
				break
			}
		}
		if !bytes.Equal(streamed, got) {
			t.Fatalf("streaming gave %d bytes, Inflate %d", len(streamed), len(got))
		}
		d := newDeflater(&deflateConfig{})
		back, err := new(Inflater).Inflate(nil, d.compress(nil, got), 0)
		if err != nil || !bytes.Equal(back, got) {
			t.Fatalf("round trip of %d bytes: %d back, %v", len(got), len(back), err)
		}
	})
}
