package server

import (
	"net/http"
)

// contentSecurityPolicy allows scripts only from our own files (no inline
// script, no eval), so text that reaches a page from the wire or a deck
// can never run as code. Inline styles are allowed: slide backgrounds and
// remark's ![:scale] macro set them. Images may come from anywhere, as in
// remark decks (background-image: url(https://…)).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: http: https:; media-src 'self' http: https:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'self'; form-action 'self'"

// secure wraps h so that every response carries the security headers, and
// a panic in one handler answers 500 and is logged instead of taking the
// server down.
func secure(h http.Handler, logf func(string, ...any)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("Content-Security-Policy", contentSecurityPolicy)
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "no-referrer")
		hdr.Set("Cross-Origin-Opener-Policy", "same-origin")
		defer guard(logf, r.Method+" "+r.URL.Path, func() {
			// The connection may be hijacked already; this write then fails harmlessly.
			http.Error(w, "internal error", http.StatusInternalServerError)
		})
		h.ServeHTTP(w, r)
	})
}
