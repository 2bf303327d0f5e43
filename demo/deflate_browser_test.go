package demo

import (
	"regexp"
	"strings"
	"testing"

	"wiretalk/internal/browsertest"
)

// TestBrowserInspectorDeflate: the compression switch reconnects the
// specimen with permessage-deflate; headless Chromium then sends its
// text compressed, and the inspector shows RSV1=1, the compressed bytes
// masked and unmasked, the message inflated with its ratio, the
// handshake's offer and answer parameter by parameter, and a step about
// the stripped tail. Switched off again, frames go uncompressed.
func TestBrowserInspectorDeflate(t *testing.T) {
	srv, _ := pageServer(t)
	ctx, _ := browsertest.New(t)
	p := tab{t, ctx}
	p.open(srv.URL + "/demo")

	p.click(`[data-act=deflate]`)
	p.poll("the compressed specimen's handshake", `[...document.querySelectorAll('.wti-hs')].length >= 2`)
	hs := p.show(p.poll("handshake item", `[...document.querySelectorAll('.wti-hs')][0].dataset.seq`))
	contains(t, "handshake", hs, "Extensions offered", "client_max_window_bits", "Extensions accepted", "permessage-deflate", "accepted permessage-deflate")

	msg := "Hello, compressed wiretalk! Hello, compressed wiretalk!"
	p.setMessage(msg)
	p.click(`[data-act=text]`)
	seq := p.item("in", `RSV1=1`)
	d := p.show(seq)
	contains(t, "browser's compressed frame", d, "RSV1=1", "RSV1 set: the message is compressed", "Compressed (permessage-deflate, RFC 7692)",
		"compressed bytes, unmasked", "as they crossed the wire, masked", "The message, inflated", msg, "00 00 ff ff")
	ratio := regexp.MustCompile(`(\d+) compressed bytes? on the wire → (\d+) bytes inflated: (\d+\.\d\d)×`).FindStringSubmatch(d)
	if ratio == nil || ratio[2] != "55" {
		t.Fatalf("no ratio for a 55-byte message:\n%s", d)
	}
	if strings.Contains(d, "Breaks RFC") {
		t.Errorf("a valid compressed frame shown as breaking a rule:\n%s", d)
	}
	if got := p.eval(`document.querySelector('.wti-deflate pre').textContent`); got != msg {
		t.Errorf("inflated %q, want %q", got, msg)
	}
	// The payload shown is the compressed bytes, in hex, not the text.
	if got := p.payload(); strings.Contains(got, "Hello") || !regexp.MustCompile(`^([0-9a-f]{2} )*[0-9a-f]{2}$`).MatchString(got) {
		t.Errorf("payload %q, want compressed bytes in hex", got)
	}
	// The step-through ends with the tail and the inflating.
	p.click(`[data-act=step]`)
	for range 200 {
		if p.eval(`String(document.querySelector('[data-act=next]').disabled)`) == "true" {
			break
		}
		p.click(`[data-act=next]`)
	}
	if last := p.eval(`document.querySelector('.wti-explain').textContent`); !strings.Contains(last, "inflates them") {
		t.Errorf("last step %q", last)
	}
	p.click(`[data-act=prev]`)
	if tail := p.eval(`document.querySelector('.wti-explain').textContent`); !strings.Contains(tail, "00 00 ff ff") {
		t.Errorf("tail step %q", tail)
	}
	p.click(`[data-act=step]`)

	out := p.show(p.item("out", `RSV1=1`))
	contains(t, "server's compressed echo", out, "server → browser", "RSV1=1", "The message, inflated", msg)

	// Off again: the next specimen declines the offer.
	p.click(`[data-act=deflate]`)
	p.poll("the plain specimen's handshake", `[...document.querySelectorAll('.wti-hs')].length >= 3`)
	p.setMessage("plain again")
	p.click(`[data-act=text]`)
	plain := p.show(p.item("in", `#\d+ text · 11 bytes`))
	contains(t, "plain frame", plain, "plain again")
	if strings.Contains(plain, "RSV1=1") || strings.Contains(plain, "Compressed (permessage-deflate") {
		t.Errorf("compression still on:\n%s", plain)
	}
}
