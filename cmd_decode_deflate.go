package main

import (
	"bytes"
	"fmt"

	"wiretalk/demo"
	"wiretalk/protocol"
)

// decode -deflate: the frames of a connection that negotiated
// permessage-deflate (RFC 7692). The protocol's Decoder then takes RSV1
// on a message's first frame as "compressed" and judges the RSV1 rules of
// RFC 7692 §6.1; demo.Deflation, as in the inspector, joins the frames'
// payloads, puts back the 00 00 ff ff the sender stripped and inflates.
// Each direction (masked frames are the client's, unmasked ones the
// server's) keeps its own window of earlier messages, as with context
// takeover, which both ends negotiate unless one asks otherwise; messages
// compressed each on its own inflate the same way.

const decodeDeflateDescription = `

With -deflate the frames are read as permessage-deflate (RFC 7692) was
negotiated: RSV1 on a message's first frame says it is compressed, and
its message is inflated and printed once its last frame is decoded.
RSV1 on a continuation or control frame then breaks a rule; a text
message's UTF-8 is checked once inflated.`

func (d *frameDecoder) useDeflate() {
	d.dec.Deflate = true
	d.deflation = demo.NewDeflation(protocol.DeflateParams{})
}

// annotate adds to r what compression did to frame f's message, with
// -deflate.
func (d *frameDecoder) annotate(r *demo.Record, f protocol.Frame) {
	if d.deflation == nil || r.Frame == nil || protocol.Opcode(r.Frame.Opcode).IsReserved() {
		return
	}
	if !f.Header.Masked {
		f.Dir = protocol.Outbound // the server's frames: their own window
	}
	d.deflation.Annotate(r, f)
	dr := r.Frame.Deflate
	if dr == nil || !dr.Final {
		return
	}
	// What the receiver finds once it inflates: RFC 6455 §7.4.1 gives
	// 1007 to data that is not what its message says it is.
	switch {
	case dr.Error != "" && dr.InflatedLen <= demo.InflateLimit:
		r.Frame.Violations = append(r.Frame.Violations, demo.Violation{Rule: "7.4.1", Code: int(protocol.StatusInvalidPayload),
			Reason: "the compressed message does not inflate (RFC 7692 names no code; a receiver fails the connection with 1007)"})
	case dr.Error == "" && r.Frame.Message == "text" && dr.InflatedAs != "text":
		r.Frame.Violations = append(r.Frame.Violations, demo.Violation{Rule: "8.1", Code: int(protocol.StatusInvalidPayload),
			Reason: "the inflated text is not valid UTF-8"})
	}
}

// printDeflate prints what -deflate found of the frame's message.
func (d *frameDecoder) printDeflate(out *bytes.Buffer, rec *demo.FrameRecord) {
	dr := rec.Deflate
	if dr == nil {
		return
	}
	if dr.First {
		fmt.Fprintf(out, "  RSV1=1: the message is compressed (permessage-deflate)\n")
	}
	if !dr.Final {
		return
	}
	fmt.Fprintf(out, "  compressed message: %s; the receiver appends the stripped 00 00 ff ff and inflates\n", plural(dr.Compressed, "byte"))
	switch {
	case dr.Error != "" && dr.InflatedLen > demo.InflateLimit:
		fmt.Fprintf(out, "  inflated: over %s, not shown\n", plural(demo.InflateLimit, "byte"))
		return
	case dr.Error != "":
		return // the violation says it
	}
	fmt.Fprintf(out, "  inflated: %s, %.2f times the compressed size\n", plural(dr.InflatedLen, "byte"), dr.Ratio)
	shown, more := dr.Inflated, ""
	if dr.InflatedAs == "text" {
		if d.show > 0 && len(shown) > d.show {
			shown, more = shown[:d.show], " …"
		}
		fmt.Fprintf(out, "  message: %q%s\n", shown, more)
		return
	}
	if d.show > 0 && len(shown) > 3*d.show {
		shown, more = shown[:3*d.show-1], " …"
	}
	fmt.Fprintf(out, "  message (hex): %s%s\n", shown, more)
}
