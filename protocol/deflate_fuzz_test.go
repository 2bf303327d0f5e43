package protocol

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
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

// FuzzConnReadDeflate is FuzzConnRead for a server Conn that negotiated
// permessage-deflate, with or without context takeover: reads never
// panic nor hang, end with a *ProtocolError, the peer's *CloseError or an
// EOF, and every message they return is within the read limit and, for
// text, valid UTF-8 once inflated. The seeds, in
// testdata/fuzz/FuzzConnReadDeflate, are RFC 7692's examples as browser
// frames, whole, fragmented and broken.
func FuzzConnReadDeflate(f *testing.F) {
	const limit = 1 << 16
	f.Fuzz(func(t *testing.T, data []byte, streaming, takeover bool) {
		in, peerOut := net.Pipe()
		out, peerIn := net.Pipe()
		cfg := &deflateConfig{sendTakeover: takeover, recvTakeover: takeover}
		c := newConn(splitConn{in, out}, connConfig{role: RoleServer, readLimit: limit, closeTimeout: 50 * time.Millisecond,
			deflate: newConnDeflate(cfg, DeflateParams{}, false)})
		defer c.CloseNow()
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); io.Copy(io.Discard, peerIn) }()
		go func() { defer wg.Done(); peerOut.Write(data); peerOut.Close() }()
		defer wg.Wait()

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for {
			op, p, err := readMessage(ctx, c, streaming)
			if err != nil {
				describeEnd(t, data, err) // fails t unless the end is one of those
				return
			}
			if len(p) > limit || op == OpText && !utf8.Valid(p) {
				t.Fatalf("read a %s message of %d bytes (limit %d), valid UTF-8 %v", op, len(p), limit, utf8.Valid(p))
			}
		}
	})
}
