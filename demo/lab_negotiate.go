package demo

import (
	"fmt"
	"net/http"
)

// Negotiation in the lab: subprotocols and a strict Origin check, on the
// viewer's own specimen.

// labSubprotocols are the subprotocols the specimen speaks, in the
// server's order of preference: a page that offers "chat, superchat"
// gets "superchat", the server's choice, not the first it offered. A page
// that offers none (the inspector) gets none.
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
