package demo

import (
	"errors"
	"strings"
	"unicode/utf8"

	"wiretalk/protocol"
)

// What permessage-deflate (RFC 7692) does to frames, for the inspector
// and "wiretalk decode -deflate": a compressed message's frames carry
// DEFLATE data, RSV1 set on the first; the receiver joins their payloads,
// puts back the 00 00 ff ff the sender stripped, and inflates.

// DeflateRecord is what compression did to a frame's message.
type DeflateRecord struct {
	// Meaning says what RSV1 means on this frame, in a sentence.
	Meaning string `json:"meaning"`
	// First is set on the message's first frame, the one with RSV1.
	First bool `json:"first"`
	// Final is set on the message's last frame: the message is whole and
	// the fields below describe it.
	Final bool `json:"final"`
	// Compressed is the message's compressed size so far, in bytes: the
	// frames' payloads joined, without the stripped tail.
	Compressed int64 `json:"compressed"`
	// Inflated is the start of the message inflated (text, or spaced hex
	// for a binary message), InflatedAs says which, InflatedLen is its
	// whole length in bytes.
	Inflated    string `json:"inflated,omitempty"`
	InflatedAs  string `json:"inflatedAs,omitempty"`
	InflatedLen int64  `json:"inflatedLen,omitempty"`
	// Ratio is InflatedLen / Compressed: how many times smaller the
	// message went on the wire.
	Ratio float64 `json:"ratio,omitempty"`
	// Tail is the 4 bytes the sender stripped and the receiver appends
	// before inflating (§7.2.1, §7.2.2), with what they are.
	Tail string `json:"tail,omitempty"`
	// Masked is a browser frame's compressed payload as it crossed the
	// wire, masked, in spaced hex (the payload shows it unmasked).
	Masked string `json:"masked,omitempty"`
	// Takeover says whether the window of earlier messages was used to
	// inflate this one (context takeover) or each message stands alone.
	Takeover bool `json:"takeover"`
	// Error is set when the message does not inflate (the receiver fails
	// the connection with 1007) or inflates past the display limit.
	Error string `json:"error,omitempty"`
}

// InflateLimit bounds what a message is inflated to for display; the
// connection's own read limit has already bounded what crossed.
const InflateLimit = 1 << 20

// tailText explains the stripped tail.
const tailText = "00 00 ff ff: the sender stripped these 4 bytes (the LEN and NLEN of the empty stored block a DEFLATE sync flush ends with); the receiver appends them again before inflating"

// Deflation follows the compressed messages of one connection in both
// directions, to inflate them as the receivers do. The zero value is not
// ready: use NewDeflation with the handshake's answer.
type Deflation struct {
	dirs [2]inflation // indexed by protocol.Direction
}

type inflation struct {
	f          protocol.Inflater
	active     bool   // a compressed message is open
	binary     bool   // it is a binary message
	compressed []byte // its payload so far (unmasked)
}

// NewDeflation follows a connection that negotiated p: the client's
// messages (inbound on the server) keep their context unless
// client_no_context_takeover, the server's unless
// server_no_context_takeover.
func NewDeflation(p protocol.DeflateParams) *Deflation {
	d := &Deflation{}
	d.dirs[protocol.Inbound].f.Takeover = !p.ClientNoContextTakeover
	d.dirs[protocol.Outbound].f.Takeover = !p.ServerNoContextTakeover
	return d
}

// Annotate adds to a frame's record what compression did to its message,
// and shows a compressed payload as the bytes it is. It leaves the record
// as it is for control frames and the frames of uncompressed messages.
func (d *Deflation) Annotate(rec *Record, f protocol.Frame) {
	fr := rec.Frame
	if fr == nil || d == nil {
		return
	}
	in := &d.dirs[f.Dir&1]
	h := f.Header
	switch {
	case h.Opcode == protocol.OpText || h.Opcode == protocol.OpBinary:
		in.active = h.Rsv1
		in.binary = h.Opcode == protocol.OpBinary
		in.compressed = in.compressed[:0]
	case h.Opcode != protocol.OpContinuation:
		return // control frames are never compressed
	}
	if !in.active {
		return
	}
	plain := f.Unmasked
	if plain == nil {
		plain = unmasked(f.Payload, h)
	}
	in.compressed = append(in.compressed, plain...)
	first := h.Opcode != protocol.OpContinuation
	dr := &DeflateRecord{
		First:      first,
		Compressed: int64(len(in.compressed)),
		Takeover:   in.f.Takeover,
	}
	if first {
		dr.Meaning = "RSV1=1: this message is compressed (permessage-deflate, RFC 7692 §6); the payload is DEFLATE data, not the message"
	} else {
		dr.Meaning = "RSV1=0 on a continuation: it carries more of the compressed message begun with RSV1=1 (RFC 7692 §6.1)"
	}
	fr.Deflate = dr
	if h.Masked {
		wire := f.Payload
		dr.Masked = spacedHex(wire[:min(len(wire), HexLimit)])
	}
	// The payload is compressed bytes: shown as hex, whatever the
	// message's type.
	if fr.PayloadAs == "text" {
		fr.UTF8Valid = nil
		shown := min(len(plain), HexLimit)
		fr.Payload, fr.PayloadAs, fr.Shown = spacedHex(plain[:shown]), "hex", shown
		fr.More = max(h.Length, int64(len(plain))) - int64(shown)
		for i := range fr.Rows {
			fr.Rows[i].Char = ""
		}
		fr.Preview = preview(fr, plain)
	}
	if !h.Fin {
		return
	}
	in.active = false
	dr.Final = true
	dr.Tail = tailText
	out, err := in.f.Inflate(nil, in.compressed, InflateLimit)
	dr.InflatedLen = int64(len(out))
	if err != nil {
		var pe *protocol.ProtocolError
		if errors.As(err, &pe) && pe.Code == protocol.StatusMessageTooBig {
			dr.Error = "inflates to more than the inspector shows (1 MiB)"
		} else {
			dr.Error = "does not inflate: the receiver fails the connection with 1007"
		}
		// The context is lost: later messages may not inflate here.
		in.f = protocol.Inflater{Takeover: in.f.Takeover}
	}
	if len(in.compressed) > 0 {
		dr.Ratio = float64(len(out)) / float64(len(in.compressed))
	}
	if in.binary || !utf8.Valid(out) {
		shown := min(len(out), HexLimit)
		dr.Inflated, dr.InflatedAs = spacedHex(out[:shown]), "hex"
	} else {
		shown := len(out)
		if shown > TextLimit {
			shown = TextLimit
			for shown > 0 && !utf8.RuneStart(out[shown]) {
				shown--
			}
		}
		dr.Inflated, dr.InflatedAs = string(out[:shown]), "text"
	}
	if cap(in.compressed) > 64<<10 {
		in.compressed = nil // do not keep a large message's copy
	}
}

// ExtensionsRecord is the Sec-WebSocket-Extensions negotiation of a
// handshake, parameter by parameter: what the client offered and what
// the server answered.
type ExtensionsRecord struct {
	Offer  []ExtensionRecord `json:"offer"`
	Answer []ExtensionRecord `json:"answer"`
	// Summary says in a sentence what was agreed.
	Summary string `json:"summary"`
}

// ExtensionRecord is one extension of an offer or answer.
type ExtensionRecord struct {
	Name   string        `json:"name"`
	Params []ParamRecord `json:"params"`
}

// ParamRecord is one parameter with what it means.
type ParamRecord struct {
	Name    string `json:"name"`
	Value   string `json:"value,omitempty"`
	Meaning string `json:"meaning"`
}

// extensionsRecord reads the offer from the request's header lines and
// the answer from the response's.
func extensionsRecord(request, response []string) *ExtensionsRecord {
	offer := headerValues(request, "Sec-WebSocket-Extensions")
	answer := headerValues(response, "Sec-WebSocket-Extensions")
	if len(offer) == 0 && len(answer) == 0 {
		return nil
	}
	er := &ExtensionsRecord{Offer: extensionRecords(offer), Answer: extensionRecords(answer)}
	switch {
	case len(answer) == 0:
		er.Summary = "The server declined the offer (RFC 6455 §9.1 allows it): frames are not compressed."
	default:
		er.Summary = "The server accepted permessage-deflate: a message may go compressed, its first frame marked with RSV1."
	}
	return er
}

func extensionRecords(values []string) []ExtensionRecord {
	exts, _ := protocol.ParseExtensions(values)
	out := make([]ExtensionRecord, 0, len(exts))
	for _, e := range exts {
		er := ExtensionRecord{Name: e.Name, Params: []ParamRecord{}}
		for _, p := range e.Params {
			er.Params = append(er.Params, ParamRecord{Name: p.Name, Value: p.Value, Meaning: paramMeaning(e.Name, p)})
		}
		out = append(out, er)
	}
	return out
}

// paramMeaning says what a permessage-deflate parameter asks (RFC 7692
// §7.1).
func paramMeaning(ext string, p protocol.ExtensionParam) string {
	if ext != protocol.DeflateName {
		return "not an extension this server knows"
	}
	switch p.Name {
	case "server_no_context_takeover":
		return "the server compresses each message on its own: the client need not keep a window of past messages"
	case "client_no_context_takeover":
		return "the client compresses each message on its own: the server need not keep a window of past messages"
	case "server_max_window_bits":
		return "the server's back-references reach at most 2^" + p.Value + " bytes back"
	case "client_max_window_bits":
		if !p.HasValue {
			return "the client can limit its window if the server asks"
		}
		return "the client's back-references reach at most 2^" + p.Value + " bytes back"
	}
	return "unknown: an offer with it is declined"
}

// headerValues returns the values of every line of the named header.
func headerValues(lines []string, name string) []string {
	var vs []string
	for _, l := range lines {
		k, v, ok := strings.Cut(l, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), name) {
			vs = append(vs, strings.TrimSpace(v))
		}
	}
	return vs
}
