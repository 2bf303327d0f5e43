package server

import (
	"net/http"

	"wiretalk/assets"
)

// secure wraps h so that every response carries the security headers, and
// a panic in one handler answers 500 and is logged instead of taking the
// server down.
func secure(h http.Handler, logf func(string, ...any)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("Content-Security-Policy", assets.ContentSecurityPolicy)
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
