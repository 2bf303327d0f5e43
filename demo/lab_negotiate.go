package demo

import (
	"fmt"
	"net/http"

	"wiretalk/protocol"
)

// Negotiation in the lab: subprotocols and a strict Origin check, on the
// viewer's own specimen.

// labSubprotocols are the subprotocols the specimen speaks, in the
// server's order of preference: it picks the first of this list that the
// page offered (protocol.AcceptOptions.Subprotocols), so a page that
// offers "chat, superchat" gets "superchat", the server's choice, not the
// page's first. A page that offers none (the inspector), or none of
// these, gets none: RFC 6455 lets its socket open then, and Firefox
// does, but Chromium (following the WHATWG standard) fails a connection
// whose page offered subprotocols and got none, which the lab shows.
func labSubprotocols() []string { return []string{"superchat", "chat"} }

// trustedOrigin is the only Origin the strict specimen accepts: not this
// page's, so the viewer sees the refusal.
const trustedOrigin = "https://talk.example"

// strictOrigin is the CheckOrigin of GET /demo/specimen?…&origin=strict.
func strictOrigin(r *http.Request) bool { return r.Header.Get("Origin") == trustedOrigin }

// refusedOrigin says, for the feed, why the strict specimen refused r.
func refusedOrigin(r *http.Request) string {
	return fmt.Sprintf("The server refused Origin %q with 403 Forbidden: this strict variant only accepts %s (RFC 6455 §10.2). "+
		"Only browsers are bound by Origin: any other client can send whatever Origin it likes.", r.Header.Get("Origin"), trustedOrigin)
}

// labDeflate is how the specimen accepts the browser's permessage-deflate
// offer in the lab (?deflate=lab): as the inspector's specimen does, and
// with server_no_context_takeover in its answer, so that the viewer sees
// the server agree to a parameter: it compresses each message on its own,
// and the browser keeps no window for it (RFC 7692 §7.1.1.1).
var labDeflate = &protocol.DeflateOptions{Level: 6, NoContextTakeover: true}
