package assets

// ContentSecurityPolicy is the policy every page of wiretalk is served
// under: the server sends it, and the tests that run the pages on a stand-in
// server send the very same, so that a page cannot pass a test under a
// policy the server never sends.
//
// Scripts come only from our own files (no inline script, no eval), so text
// that reaches a page from the wire or a deck can never run as code. Inline
// styles are allowed: slide backgrounds and remark's ![:scale] macro set
// them. Images and media may come from anywhere, as in remark decks
// (background-image: url(https://…)).
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: http: https:; media-src 'self' http: https:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'self'; form-action 'self'"
