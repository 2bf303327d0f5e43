package demo

import (
	"strings"
	"testing"
	"time"

	"wiretalk/protocol"
)

// frameOf builds an observed frame with payload p (unmasked), masked with
// a fixed key when in is set, as a browser sends it.
func frameOf(in bool, fin, rsv1 bool, op protocol.Opcode, p []byte) protocol.Frame {
	h := protocol.Header{Fin: fin, Rsv1: rsv1, Opcode: op, Length: int64(len(p))}
	f := protocol.Frame{Dir: protocol.Outbound, Header: h, Unmasked: p, Payload: p}
	if in {
		f.Dir = protocol.Inbound
		f.Header.Masked, f.Header.Key = true, [4]byte{0x37, 0xfa, 0x21, 0x3d}
		f.Payload = append([]byte(nil), p...)
		protocol.Mask(f.Payload, f.Header.Key, 0)
	}
	f.Raw = protocol.AppendHeader(nil, f.Header)
	return f
}

func annotate(d *Deflation, f protocol.Frame) *FrameRecord {
	rec := FromFrame(f, 1, time.Time{})
	d.Annotate(&rec, f)
	return rec.Frame
}

// TestDeflationRFC7692: the RFC 7692 §7.2.3 examples as the inspector
// shows them: RSV1's meaning, the compressed bytes in hex, and at the
// message's last frame the text inflated, the ratio and the tail.
func TestDeflationRFC7692(t *testing.T) {
	hello := []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}
	again := []byte{0xf2, 0x00, 0x11, 0x00, 0x00}
	d := NewDeflation(protocol.DeflateParams{})

	fr := annotate(d, frameOf(true, true, true, protocol.OpText, hello))
	dr := fr.Deflate
	if dr == nil || !dr.First || !dr.Final || dr.Inflated != "Hello" || dr.InflatedAs != "text" || dr.InflatedLen != 5 || dr.Compressed != 7 {
		t.Fatalf("Hello: %+v", dr)
	}
	if !strings.HasPrefix(dr.Meaning, "RSV1=1") || !strings.HasPrefix(dr.Tail, "00 00 ff ff") || !dr.Takeover {
		t.Errorf("meaning %q, tail %q, takeover %v", dr.Meaning, dr.Tail, dr.Takeover)
	}
	if len(fr.Violations) > 0 {
		t.Errorf("violations of a valid compressed frame: %+v", fr.Violations)
	}
	if fr.PayloadAs != "hex" || fr.Payload != "f2 48 cd c9 c9 07 00" || fr.UTF8Valid != nil {
		t.Errorf("the payload shown: %s %q (utf8 %v), want the compressed bytes in hex", fr.PayloadAs, fr.Payload, fr.UTF8Valid)
	}
	if dr.Masked == "" || dr.Masked == fr.Payload {
		t.Errorf("masked payload %q", dr.Masked)
	}
	if r := dr.Ratio; r < 0.71 || r > 0.72 {
		t.Errorf("ratio %v, want 5/7", r)
	}
	// §7.2.3.2: the same message again refers back into the window.
	if dr := annotate(d, frameOf(true, true, true, protocol.OpText, again)).Deflate; dr.Inflated != "Hello" {
		t.Errorf("Hello again with the context: %+v", dr)
	}
	// The other direction has its own window: the same bytes there,
	// without a "Hello" before them, do not inflate.
	if dr := annotate(d, frameOf(false, true, true, protocol.OpText, again)).Deflate; dr.Error == "" {
		t.Errorf("a back-reference with nothing behind it: %+v", dr)
	}
	// §7.2.3.1 in fragments, with a ping between them.
	first := annotate(d, frameOf(false, false, true, protocol.OpText, hello[:3])).Deflate
	ping := annotate(d, frameOf(false, true, false, protocol.OpPing, []byte("p")))
	last := annotate(d, frameOf(false, true, false, protocol.OpContinuation, hello[3:])).Deflate
	if first == nil || first.Final || !first.First || ping.Deflate != nil || last == nil || last.First || !last.Final || last.Inflated != "Hello" || last.Compressed != 7 {
		t.Errorf("fragments: first %+v, ping %+v, last %+v", first, ping.Deflate, last)
	}
	if !strings.Contains(last.Meaning, "continuation") {
		t.Errorf("continuation meaning %q", last.Meaning)
	}
	// An uncompressed message is left alone.
	if fr := annotate(d, frameOf(true, true, false, protocol.OpText, []byte("plain"))); fr.Deflate != nil || fr.Payload != "plain" {
		t.Errorf("uncompressed: %+v %q", fr.Deflate, fr.Payload)
	}
	// A binary message inflates to hex.
	stored := []byte{0x00, 0x03, 0x00, 0xfc, 0xff, 0x00, 0x01, 0x02, 0x00}
	if dr := annotate(d, frameOf(true, true, true, protocol.OpBinary, stored)).Deflate; dr.Inflated != "00 01 02" || dr.InflatedAs != "hex" {
		t.Errorf("binary: %+v", dr)
	}
}

func TestDeflationWithoutContext(t *testing.T) {
	d := NewDeflation(protocol.DeflateParams{ServerNoContextTakeover: true, ClientNoContextTakeover: true})
	hello := []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}
	annotate(d, frameOf(true, true, true, protocol.OpText, hello))
	dr := annotate(d, frameOf(true, true, true, protocol.OpText, []byte{0xf2, 0x00, 0x11, 0x00, 0x00})).Deflate
	if dr.Takeover || dr.Error == "" {
		t.Errorf("without context takeover a back-reference to the last message must fail: %+v", dr)
	}
}

func TestHandshakeExtensions(t *testing.T) {
	rec := FromHandshake(protocol.Handshake{
		Request:  []byte("GET /demo/specimen HTTP/1.1\r\nHost: x\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"),
		Response: []byte("HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n\r\n"),
	})
	x := rec.Handshake.Extensions
	if x == nil || len(x.Offer) != 1 || len(x.Answer) != 1 {
		t.Fatalf("extensions %+v", x)
	}
	o, a := x.Offer[0], x.Answer[0]
	if o.Name != "permessage-deflate" || len(o.Params) != 1 || o.Params[0].Name != "client_max_window_bits" || !strings.Contains(o.Params[0].Meaning, "can limit") {
		t.Errorf("offer %+v", o)
	}
	if len(a.Params) != 1 || a.Params[0].Name != "server_no_context_takeover" || !strings.Contains(a.Params[0].Meaning, "on its own") {
		t.Errorf("answer %+v", a)
	}
	if !strings.Contains(x.Summary, "accepted") {
		t.Errorf("summary %q", x.Summary)
	}
	declined := FromHandshake(protocol.Handshake{
		Request:  []byte("GET / HTTP/1.1\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"),
		Response: []byte("HTTP/1.1 101 Switching Protocols\r\n\r\n"),
	}).Handshake.Extensions
	if declined == nil || len(declined.Answer) != 0 || !strings.Contains(declined.Summary, "declined") {
		t.Errorf("declined: %+v", declined)
	}
	if none := FromHandshake(protocol.Handshake{Request: []byte("GET / HTTP/1.1\r\n\r\n")}).Handshake.Extensions; none != nil {
		t.Errorf("no extensions: %+v", none)
	}
}
