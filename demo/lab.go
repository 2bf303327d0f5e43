package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"wiretalk/protocol"
)

// The lab: on the viewer's own specimen connection, and on no other, one
// command makes the server send one thing that RFC 6455 forbids (or one
// valid but unusual thing to compare with), so the viewer sees their own
// browser fail the connection. The page asks with
//
//	{"type":"lab-rules"}              the feed answers {"type":"lab-rules","rules":[…]}
//	{"type":"lab","rule":"masked"}    the server sends that rule's frames
//
// Commands are rate-limited with the feed's other commands. The bytes go
// out through the specimen's protocol.Lab, which only AcceptLab hands out
// and only ServeSpecimen calls.

// LabRule is one control of the lab, as the page gets it.
type LabRule struct {
	ID    string `json:"id"`
	Group string `json:"group"` // "frame", "close" or "valid"
	Title string `json:"title"` // the button's label
	// Rule is the rule the frames break, quoted from RFC 6455 with its
	// section; for a valid control, what it shows.
	Rule string `json:"rule"`
	// Valid is set when the frames are valid: the browser accepts them.
	Valid bool `json:"valid"`
	// Expect is the close code RFC 6455 says the browser fails the
	// connection with (0: none, the connection stays open or closes
	// cleanly).
	Expect int `json:"expect"`
	// Bytes are the frames the server sends, in hex, one string a frame.
	Bytes []string `json:"bytes"`
	// Handshake is set for a control of the handshake lab: the page opens
	// a new socket, whose opening handshake gets this broken answer
	// (lab_handshake.go). Fetch says the page also fetch()es the URL, to
	// see the status the socket cannot show.
	Handshake string `json:"handshake,omitempty"`
	Fetch     bool   `json:"fetch,omitempty"`
	// Page is set for a control where the page acts, not the server:
	// "subprotocols" reconnects offering the subprotocols typed in the
	// control's field, "deflate" reconnects with Query added to the
	// specimen's URL and sends a message, "origin" connects to the
	// strict-origin variant, "big" sends 2 MiB, "simclose" closes at the
	// moment the server does (lab_simclose.go), "backoff" reconnects
	// after refusals with a random, growing delay (lab_backoff.go).
	Page string `json:"page,omitempty"`
	// Input is the default value of the control's text field; "" for a
	// control without one.
	Input string `json:"input,omitempty"`
	// Query is added to the specimen's URL by a "deflate" control.
	Query string `json:"query,omitempty"`
	// Drop is set when the server drops TCP instead of sending anything.
	Drop bool `json:"drop,omitempty"`
	// Field is the part of the last frame that breaks the rule, for the
	// page to mark: "fin", "rsv1", "opcode", "mask", "length" or
	// "payload" ("" for a valid control).
	Field string `json:"field,omitempty"`

	frames [][]byte
	// split, when set, sends frames[:split], waits a moment for the
	// browser's answer, then sends the rest: so that a pong can be seen
	// between two fragments.
	split int
}

// labPause is how long a split control waits between its two writes.
const labPause = 300 * time.Millisecond

// labRules returns the lab's controls in the order the page shows them.
func labRules() []LabRule {
	rfcKey := [4]byte{0x37, 0xfa, 0x21, 0x3d} // the masking key of RFC 6455 §5.7's examples
	hello := []byte("Hello")
	maskedHello := append([]byte(nil), hello...)
	protocol.Mask(maskedHello, rfcKey, 0)
	ping126 := append([]byte{0x89, 126, 0, 126}, []byte(strings.Repeat("p", 126))...)
	closeCode := func(code uint16) []byte { return []byte{0x88, 2, byte(code >> 8), byte(code)} }
	rules := []LabRule{
		{ID: "masked", Field: "mask", Group: "frame", Title: "Masked server frame", Expect: 1002,
			Rule:   `§5.1: "A server MUST NOT mask any frames that it sends to the client. A client MUST close a connection if it detects a masked frame."`,
			frames: [][]byte{append([]byte{0x81, 0x85, rfcKey[0], rfcKey[1], rfcKey[2], rfcKey[3]}, maskedHello...)}},
		{ID: "rsv1", Field: "rsv1", Group: "frame", Title: "RSV1 without an extension", Expect: 1002,
			Rule:   `§5.2: RSV1, RSV2, RSV3 "MUST be 0 unless an extension is negotiated that defines meanings for non-zero values. If a nonzero value is received and none of the negotiated extensions defines the meaning of such a nonzero value, the receiving endpoint MUST _Fail the WebSocket Connection_."`,
			frames: [][]byte{append([]byte{0xC1, 5}, hello...)}},
		{ID: "op3", Field: "opcode", Group: "frame", Title: "Reserved data opcode 0x3", Expect: 1002,
			Rule:   `§5.2: "%x3-7 are reserved for further non-control frames" and "If an unknown opcode is received, the receiving endpoint MUST _Fail the WebSocket Connection_."`,
			frames: [][]byte{append([]byte{0x83, 5}, hello...)}},
		{ID: "opB", Field: "opcode", Group: "frame", Title: "Reserved control opcode 0xB", Expect: 1002,
			Rule:   `§5.2: "%xB-F are reserved for further control frames"; an unknown opcode fails the connection.`,
			frames: [][]byte{{0x8B, 0}}},
		{ID: "ping126", Field: "length", Group: "frame", Title: "126-byte ping", Expect: 1002,
			Rule:   `§5.5: "All control frames MUST have a payload length of 125 bytes or less and MUST NOT be fragmented."`,
			frames: [][]byte{ping126}},
		{ID: "fragping", Field: "fin", Group: "frame", Title: "Fragmented ping", Expect: 1002,
			Rule:   `§5.5: control frames "MUST NOT be fragmented": this ping has FIN=0.`,
			frames: [][]byte{{0x09, 4, 'p', 'i', 'n', 'g'}}},
		{ID: "nonminimal", Field: "length", Group: "frame", Title: "Non-minimal length", Expect: 1002,
			Rule:   `§5.2: "the minimal number of bytes MUST be used to encode the length": 5 fits in the 7-bit field, but this frame says 126 and then 00 05.`,
			frames: [][]byte{append([]byte{0x81, 126, 0, 5}, hello...)}},
		{ID: "msb64", Field: "length", Group: "frame", Title: "64-bit length with its top bit set", Expect: 1002,
			Rule:   `§5.2: with a 64-bit length, "the most significant bit MUST be 0". This one says 2^63 + 5.`,
			frames: [][]byte{append([]byte{0x81, 127, 0x80, 0, 0, 0, 0, 0, 0, 5}, hello...)}},
		{ID: "orphan", Field: "opcode", Group: "frame", Title: "Continuation with nothing to continue", Expect: 1002,
			Rule:   `§5.4: a fragmented message starts with a frame with FIN=0 and a non-zero opcode; this continuation (opcode 0) follows no such frame.`,
			frames: [][]byte{append([]byte{0x80, 5}, hello...)}},
		{ID: "interleave", Field: "opcode", Group: "frame", Title: "New message inside a fragmented one", Expect: 1002,
			Rule:   `§5.4: "The fragments of one message MUST NOT be interleaved between the fragments of another message unless an extension has been negotiated that can interpret the interleaving."`,
			frames: [][]byte{{0x01, 3, 'H', 'e', 'l'}, append([]byte{0x81, 5}, hello...)}},
		{ID: "badutf8", Field: "payload", Group: "frame", Title: "Text that is not UTF-8 (c3 28)", Expect: 1007,
			Rule:   `§8.1: "When an endpoint is to interpret a byte stream as UTF-8 but finds that the byte stream is not, in fact, a valid UTF-8 stream, that endpoint MUST _Fail the WebSocket Connection_." §7.4.1 suggests 1007 for it. c3 starts a 2-byte character; 28 ("(") cannot continue it.`,
			frames: [][]byte{{0x81, 2, 0xc3, 0x28}}},
		{ID: "close1", Field: "payload", Group: "close", Title: "Close with a 1-byte payload", Expect: 1002,
			Rule:   `§5.5.1: "If there is a body, the first two bytes of the body MUST be a 2-byte unsigned integer" (the status code): one byte cannot be.`,
			frames: [][]byte{{0x88, 1, 0x03}}},
		{ID: "close1005", Field: "payload", Group: "close", Title: "Close with code 1005", Expect: 1002,
			Rule:   `§7.4.1: 1005 "is a reserved value and MUST NOT be set as a status code in a Close control frame by an endpoint": it means "no code was sent".`,
			frames: [][]byte{closeCode(1005)}},
		{ID: "code999", Field: "payload", Group: "close", Title: "Close with code 999", Expect: 1002,
			Rule:   `§7.4.2: "Status codes in the range 0-999 are not used."`,
			frames: [][]byte{closeCode(999)}},
		{ID: "code1004", Field: "payload", Group: "close", Title: "Close with code 1004", Expect: 1002,
			Rule:   `§7.4.1: 1004 is "Reserved. The specific meaning might be defined in the future."`,
			frames: [][]byte{closeCode(1004)}},
		{ID: "code2000", Field: "payload", Group: "close", Title: "Close with code 2000", Expect: 1002,
			Rule:   `§7.4.2: 1000-2999 "are reserved for definition by this protocol, its future revisions, and extensions specified in a permanent and readily available public specification"; 2000 is defined by none.`,
			frames: [][]byte{closeCode(2000)}},
		{ID: "code5000", Field: "payload", Group: "close", Title: "Close with code 5000", Expect: 1002,
			Rule:   `§7.4.2 defines codes up to 4999 (4000-4999 private use); 5000 is in no range.`,
			frames: [][]byte{closeCode(5000)}},
		{ID: "afterclose", Field: "opcode", Group: "close", Title: "Data after the server's close", Expect: 0,
			Rule:   `§5.5.1: "After sending a Close frame, the endpoint MUST NOT send any further data frames." The server sends close 1000, then a text frame.`,
			frames: [][]byte{{0x88, 2, 0x03, 0xe8}, append([]byte{0x81, 5}, hello...)}},
		{ID: "splitutf8", Group: "valid", Title: "é split across two fragments", Valid: true,
			Rule:   `Valid: §5.4 lets a message be cut anywhere, even inside a character. c3 arrives in one frame and a9 in the next; the page gets one message, "é".`,
			frames: [][]byte{{0x01, 1, 0xc3}, {0x80, 1, 0xa9}}},
		{ID: "pingmid", Group: "valid", Title: "Ping between two fragments", Valid: true,
			Rule:   `Valid: §5.4 "Control frames MAY be injected in the middle of a fragmented message." The browser's pong comes back between the fragments, and onmessage fires once, for "Hello".`,
			frames: [][]byte{{0x01, 3, 'H', 'e', 'l'}, {0x89, 4, 'p', 'i', 'n', 'g'}, {0x80, 2, 'l', 'o'}}, split: 2},
		{ID: "pong", Group: "valid", Title: "A pong nobody asked for", Valid: true,
			Rule:   `Valid: §5.5.3 "A Pong frame MAY be sent unsolicited. This serves as a unidirectional heartbeat. A response to an unsolicited Pong frame is not expected." Nothing happens in your page.`,
			frames: [][]byte{{0x8A, 4, 't', 'i', 'c', 'k'}}},
		{ID: "twopings", Group: "valid", Title: "Two pings at once", Valid: true,
			Rule:   `Valid: §5.5.3 "If an endpoint receives a Ping frame and has not yet sent Pong frame(s) in response to previous Ping frame(s), the endpoint MAY elect to send a Pong frame for only the most recently processed Ping frame." Count the pongs.`,
			frames: [][]byte{{0x89, 1, '1'}, {0x89, 1, '2'}}},
		{ID: "emptyclose", Group: "valid", Title: "Close with no code", Valid: true,
			Rule:   `Valid: §5.5.1 "The Close frame MAY contain a body". With none, §7.1.5 says the close code is 1005: the page's close event says 1005 though no frame carried it.`,
			frames: [][]byte{{0x88, 0}}},
		{ID: "drop", Group: "valid", Title: "Drop TCP without a close", Valid: true, Drop: true,
			Rule: `§7.1.5: "If _The WebSocket Connection is Closed_ and no Close control frame was received by the endpoint (such as could occur if the underlying transport connection is lost), _The WebSocket Connection Close Code_ is considered to be 1006." The server closes its socket and sends nothing.`},
		{ID: "subprotocols", Group: "page", Page: "subprotocols", Valid: true, Title: "Offer these subprotocols", Input: "chat, superchat",
			Rule: `§4.1: the client lists the subprotocols it would speak in |Sec-WebSocket-Protocol|, "ordered by preference"; §4.2.2: the server picks one of them, or none. ` +
				`This server knows two, superchat and chat, and picks the first of its own list that you offered: superchat before chat, whatever your order. ` +
				`Offer none it knows and it picks none, answering without Sec-WebSocket-Protocol: RFC 6455 lets the socket open then, with ws.protocol "", and Firefox does; Chromium follows the WHATWG WebSocket standard, which fails the connection when a page offered subprotocols and got none back. ` +
				`A name must be an HTTP token (letters, digits and !#$%&'*+-.^_|~ and backquote, no spaces or commas) and may not repeat: otherwise your browser throws a SyntaxError and sends nothing.`},
		{ID: "deflate-declined", Group: "page", Page: "deflate", Valid: true, Title: "permessage-deflate declined",
			Rule: `§9.1: the server may decline an extension the client offers by leaving it out of its answer. Your browser offers permessage-deflate (RFC 7692); this specimen answers without Sec-WebSocket-Extensions, so nothing is compressed: ws.extensions is "", RSV1 stays 0 both ways, and the payload is your text as it is. A frame with RSV1 set would now fail the connection (see "RSV1 without an extension").`},
		{ID: "deflate-accepted", Group: "page", Page: "deflate", Query: "deflate=lab", Valid: true, Title: "permessage-deflate accepted",
			Rule: `§9.1, RFC 7692 §5: the server accepts the offer by naming permessage-deflate in its answer, with the parameters it agrees to: here server_no_context_takeover, a promise to compress each of its messages on its own, so your browser keeps no window for them. ` +
				`Now either side may compress a message: its first frame has RSV1=1 (RFC 7692 §6) and carries DEFLATE bytes, not your text. Your page still gets the text: compression shows only in ws.extensions.`},
		{ID: "origin", Group: "page", Page: "origin", Title: "Connect to a strict-origin server",
			Rule: `§10.2: a server that only wants pages of some origins "SHOULD verify the |Origin| field" and, if it does not accept it, "SHOULD respond to the WebSocket handshake with a reply containing an appropriate error code (such as 403 Forbidden)". Your browser sends its page's origin and cannot lie about it; a non-browser client can send any Origin it likes, so Origin protects users of browsers, not servers.`},
		{ID: "big", Group: "page", Page: "big", Title: "Send 2 MiB (the limit is 1 MiB)",
			Rule: `§10.4: an implementation "SHOULD impose a limit on frame sizes and the total message size"; §7.4.1: 1009 "indicates that an endpoint is terminating the connection because it has received a message that is too big for it to process." The server reads the header, sees 2 MiB announced, and closes before reading the rest.`},
		{ID: "hs-accept", Group: "handshake", Handshake: "accept", Title: "Wrong Sec-WebSocket-Accept",
			Rule: `§4.1: "If the response lacks a |Sec-WebSocket-Accept| header field or the |Sec-WebSocket-Accept| contains a value other than the base64-encoded SHA-1 of the concatenation of the |Sec-WebSocket-Key| (as a string, not base64-decoded) with the string "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" ... the client MUST _Fail the WebSocket Connection_." This one is the RFC example's answer, to another key.`},
		{ID: "hs-noupgrade", Group: "handshake", Handshake: "noupgrade", Title: "101 without Upgrade",
			Rule: `§4.1: "If the response lacks an |Upgrade| header field or the |Upgrade| header field contains a value that is not an ASCII case-insensitive match for the value "websocket", the client MUST _Fail the WebSocket Connection_."`},
		{ID: "hs-subprotocol", Group: "handshake", Handshake: "subprotocol", Title: "A subprotocol not offered",
			Rule: `§4.1: "If the response includes a |Sec-WebSocket-Protocol| header field and this header field indicates the use of a subprotocol that was not present in the client's handshake ... the client MUST _Fail the WebSocket Connection_." This page offered none; the server says "superchat".`},
		{ID: "hs-extension", Group: "handshake", Handshake: "extension", Title: "An extension not offered",
			Rule: `§4.1: "If the response includes a |Sec-WebSocket-Extensions| header field and this header field indicates the use of an extension that was not present in the client's handshake ... the client MUST _Fail the WebSocket Connection_." Your browser offered permessage-deflate; the server answers x-wiretalk-lab.`},
		{ID: "hs-403", Group: "handshake", Handshake: "403", Title: "403 Forbidden", Fetch: true,
			Rule: `§4.1: "If the status code received from the server is not 101, the client handles the response per HTTP procedures." A server refuses an unexpected Origin this way (§10.2); the page learns nothing but 1006.`},
		{ID: "hs-426", Group: "handshake", Handshake: "426", Title: "426 with Sec-WebSocket-Version", Fetch: true,
			Rule: `§4.4: a server that does not speak the client's version answers with "an appropriate HTTP error code (such as 426 Upgrade Required) and a |Sec-WebSocket-Version| header field indicating the version(s) the server is capable of understanding". Here: 8 only. Browsers speak 13 only, so they cannot retry.`},
		{ID: "hs-302", Group: "handshake", Handshake: "302", Title: "302 redirect", Fetch: true,
			Rule: `§4.1: a status other than 101 is handled "per HTTP procedures"; browsers (and the WHATWG standard) do not follow a redirect for a WebSocket: the connection fails. fetch() of the same URL follows it to /demo; a page may not read a redirect's status or Location itself (fetch with redirect: "manual" gets an opaque answer), but it sees where it was sent.`},
		{ID: "simclose", Group: "valid", Page: "simclose", Valid: true, Title: "Close at the same moment as the server",
			Rule: `§7.1.3, §5.5.1: "It is possible for both endpoints to send a Close frame simultaneously"; each then receives a close after sending its own, answers nothing, and the connection is closed cleanly. ` +
				fmt.Sprintf(`Your page sends a message and calls ws.close() at once; the server answers that message with its own close, %d ms later and before it reads on.`, simClosePause.Milliseconds()) + ` So the server's close is sent before it reads yours (that part is certain), and yours was asked for before the server's could arrive; whether your browser has written it by then is timing this lab cannot promise, and the page says which it was.`},
		{ID: "backoff", Group: "page", Page: "backoff", Valid: true, Title: "Server restart: reconnect with backoff",
			Rule: `§7.2.3: after an abnormal close, "the first reconnect attempt SHOULD be delayed by a random amount of time", and "subsequent reconnect attempts SHOULD be delayed by increasingly longer amounts of time, using a method such as truncated binary exponential backoff": when a server restarts, all its clients lose their connection at once, and without the random delay they would all come back in the same instant (a thundering herd). ` +
				fmt.Sprintf(`The server drops your connection and refuses your next %d attempts with 503.`, labRefusals) + ` Your page waits a random 200-800 ms first (the RFC suggests 0 to 5 s; the lab is quicker), then twice as long each time, at most 10 s.`},
	}
	for i := range rules {
		rules[i].Bytes = []string{} // [] in JSON, for drop too
		for _, f := range rules[i].frames {
			rules[i].Bytes = append(rules[i].Bytes, spacedHex(f))
		}
	}
	return rules
}

func labRule(id string) (LabRule, bool) {
	for _, r := range labRules() {
		if r.ID == id {
			return r, true
		}
	}
	return LabRule{}, false
}

// labRulesMessage is the feed's answer to {"type":"lab-rules"}.
func labRulesMessage() []byte {
	b, _ := json.Marshal(struct {
		Type  string    `json:"type"`
		Rules []LabRule `json:"rules"`
	}{"lab-rules", labRules()})
	return b
}

// runLab carries out {"type":"lab","rule":id} on the feed's live
// specimen, through that specimen's own Lab.
func (f *feed) runLab(id string) {
	r, ok := labRule(id)
	if !ok {
		f.notice(0, "warn", "command", fmt.Sprintf("Unknown lab rule %q.", truncate(id, 40)))
		return
	}
	spec, n := f.current(time.Second)
	f.mu.Lock()
	lab := f.labs[spec]
	f.mu.Unlock()
	if spec == nil || lab == nil {
		f.notice(0, "warn", "command", "No specimen connection is open: reconnect first.")
		return
	}
	switch r.Page {
	case "simclose":
		f.armSimultaneousClose(n, r, spec) // lab_simclose.go
		return
	case "backoff":
		f.restartForBackoff(n, r, spec) // lab_backoff.go
		return
	case "":
	default:
		f.notice(n, "warn", "command", "Lab: "+r.Title+" is done by the page, not the server.")
		return
	}
	f.notice(n, "info", "lab", "Lab: "+r.Title+".")
	f.tasks.Go(func() {
		defer f.ins.recovered("a lab command", nil)
		if r.Drop {
			spec.CloseNow()
			return
		}
		ctx, cancel := context.WithTimeout(f.ctx, writeTimeout)
		defer cancel()
		frames, later := r.frames, [][]byte(nil)
		if r.split > 0 {
			frames, later = r.frames[:r.split], r.frames[r.split:]
		}
		err := lab.Send(ctx, frames...)
		if err == nil && later != nil {
			select {
			case <-time.After(labPause):
			case <-ctx.Done():
			}
			err = lab.Send(ctx, later...)
		}
		if err != nil && f.ctx.Err() == nil {
			f.notice(n, "warn", "command", "The lab could not send: "+err.Error())
		}
	})
}

// labState is what a lab command leaves for later events of the feed's
// specimens: a simultaneous close to make on the next message
// (lab_simclose.go), connections to refuse (lab_backoff.go).
type labState struct {
	closeNext atomic.Pointer[protocol.Conn] // the specimen whose next message a close answers (lab_simclose.go)
	refuse    atomic.Int32                  // connections still to refuse
}

// setLab records (or, with nil, forgets) specimen c's Lab.
func (f *feed) setLab(c *protocol.Conn, lab *protocol.Lab) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if lab == nil {
		delete(f.labs, c)
		return
	}
	if f.labs == nil {
		f.labs = make(map[*protocol.Conn]*protocol.Lab)
	}
	f.labs[c] = lab
}
