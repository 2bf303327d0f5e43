package protocol

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// AcceptOptions configures Accept. The zero value is ready to use.
type AcceptOptions struct {
	// Subprotocols are the subprotocols the server speaks, in order of
	// preference: the first one the client offered is chosen. None
	// offered or none in common: no subprotocol.
	Subprotocols []string
	// CheckOrigin decides whether to accept a request from a browser page
	// of another origin; refused requests get 403 Forbidden. nil allows
	// requests with no Origin header and those whose Origin's host is the
	// request's Host (compared without regard to case).
	CheckOrigin func(r *http.Request) bool
	// ReadLimit is the largest message in bytes; 0 means 32 MiB, negative
	// means no limit. Over it the connection fails with 1009 (message too
	// big) without reading the excess.
	ReadLimit int64
	// Observer sees the handshake and every frame; nil costs nothing.
	Observer Observer
	// ResponseHeader holds extra headers for the 101 response, such as
	// Set-Cookie. The handshake's own headers cannot be replaced. The
	// headers set on the ResponseWriter are not sent.
	ResponseHeader http.Header
	// CloseTimeout bounds the closing handshake; 0 means 5s.
	CloseTimeout time.Duration
	// Deflate, when not nil, accepts the client's first usable offer of
	// permessage-deflate (RFC 7692) and configures it; nil declines every
	// offer, as RFC 6455 §9.1 allows.
	Deflate *DeflateOptions
}

// Accept upgrades an HTTP request to a WebSocket connection (RFC 6455
// §4.2): it checks the client's handshake, writes the 101 response and
// takes the connection over from net/http. A request that is not an
// acceptable WebSocket handshake gets an HTTP error, with a one-line
// reason in the body, and Accept returns a *HandshakeError.
//
// The only extension Accept negotiates is permessage-deflate, and only
// with opts.Deflate set; other offers are ignored, as RFC 6455 §9.1
// allows.
func Accept(w http.ResponseWriter, r *http.Request, opts *AcceptOptions) (*Conn, error) {
	if opts == nil {
		opts = &AcceptOptions{}
	}
	key, herr := checkRequest(w, r, opts)
	if herr != nil {
		http.Error(w, "websocket: "+herr.Reason, herr.Status)
		return nil, herr
	}
	subprotocol := selectSubprotocol(r, opts.Subprotocols)
	var deflate *connDeflate
	var answer *DeflateParams
	if opts.Deflate != nil {
		// Offers we cannot parse are declined with the rest.
		offers, _ := ParseExtensions(r.Header.Values("Sec-WebSocket-Extensions"))
		if ans, cfg, ok := acceptDeflate(offers, opts.Deflate); ok {
			deflate = newConnDeflate(cfg, ans, webKitAgent(r.Header.Get("User-Agent")))
			answer = &ans
		}
	}

	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		herr := &HandshakeError{Status: http.StatusInternalServerError, Reason: "cannot take over the connection: " + err.Error()}
		http.Error(w, "websocket: "+herr.Reason, herr.Status)
		return nil, herr
	}
	// Keep what the client sent after its handshake (frames may follow it
	// at once), then drop net/http's 4 KiB reader and writer: an idle
	// connection should not hold them.
	var buffered []byte
	if n := brw.Reader.Buffered(); n > 0 {
		buffered, _ = brw.Reader.Peek(n)
	}

	accept := ComputeAccept(key)
	resp := make([]byte, 0, 256)
	resp = append(resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	resp = append(resp, accept...)
	resp = append(resp, "\r\n"...)
	if subprotocol != "" {
		resp = append(resp, "Sec-WebSocket-Protocol: "...)
		resp = append(resp, subprotocol...)
		resp = append(resp, "\r\n"...)
	}
	if answer != nil {
		resp = append(resp, "Sec-WebSocket-Extensions: "...)
		resp = append(resp, answer.String()...)
		resp = append(resp, "\r\n"...)
	}
	resp = appendExtraHeaders(resp, opts.ResponseHeader)
	resp = append(resp, "\r\n"...)

	nc.SetWriteDeadline(time.Now().Add(handshakeWriteTimeout))
	if _, err := nc.Write(resp); err != nil {
		nc.Close()
		return nil, fmt.Errorf("websocket: writing the handshake response: %w", err)
	}
	nc.SetWriteDeadline(time.Time{})

	c := newConn(nc, connConfig{
		role:         RoleServer,
		subprotocol:  subprotocol,
		readLimit:    opts.ReadLimit,
		observer:     opts.Observer,
		closeTimeout: opts.CloseTimeout,
		buffered:     buffered,
		deflate:      deflate,
	})
	if opts.Observer != nil {
		opts.Observer.ObserveHandshake(Handshake{
			Request:     RequestHead(r),
			Response:    resp,
			Key:         key,
			Accept:      accept,
			Subprotocol: subprotocol,
			Deflate:     answer,
		})
	}
	return c, nil
}

const handshakeWriteTimeout = 10 * time.Second

// checkRequest checks a client's opening handshake (RFC 6455 §4.2.1) and
// returns its key, or the error to answer with.
func checkRequest(w http.ResponseWriter, r *http.Request, opts *AcceptOptions) (string, *HandshakeError) {
	reject := func(status int, format string, args ...any) (string, *HandshakeError) {
		return "", &HandshakeError{Status: status, Reason: fmt.Sprintf(format, args...)}
	}
	// §4.2.1: "An HTTP/1.1 or higher GET request".
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		return reject(http.StatusMethodNotAllowed, "a WebSocket handshake is a GET request, not %.20q", r.Method)
	}
	if !r.ProtoAtLeast(1, 1) {
		return reject(http.StatusBadRequest, "a WebSocket handshake needs HTTP/1.1 or later, not %s", r.Proto)
	}
	if r.ProtoMajor != 1 {
		return reject(http.StatusBadRequest, "WebSocket over %s (RFC 8441) is not supported: use HTTP/1.1", r.Proto)
	}
	// §4.2.1: "An |Upgrade| header field containing the value
	// "websocket", treated as an ASCII case-insensitive value."
	if !headerHasToken(r.Header, "Upgrade", "websocket") {
		w.Header().Set("Upgrade", "websocket")
		w.Header().Set("Connection", "Upgrade")
		return reject(http.StatusUpgradeRequired, `this is a WebSocket endpoint: the request needs "Upgrade: websocket"`)
	}
	// §4.2.1: "A |Connection| header field that includes the token
	// "Upgrade", treated as an ASCII case-insensitive value."
	if !headerHasToken(r.Header, "Connection", "upgrade") {
		return reject(http.StatusBadRequest, `the Connection header must include the token "Upgrade"`)
	}
	// §4.2.2: a version the server does not understand gets 426 and the
	// versions it does.
	if v := r.Header.Values("Sec-WebSocket-Version"); len(v) != 1 || v[0] != "13" {
		w.Header().Set("Sec-WebSocket-Version", "13")
		return reject(http.StatusUpgradeRequired, "Sec-WebSocket-Version must be 13")
	}
	// §4.2.1: "A |Sec-WebSocket-Key| header field with a base64-encoded
	// value that, when decoded, is 16 bytes in length."
	keys := r.Header.Values("Sec-WebSocket-Key")
	if len(keys) != 1 {
		return reject(http.StatusBadRequest, "Sec-WebSocket-Key must be given once, not %d times", len(keys))
	}
	key := keys[0]
	if raw, err := base64.StdEncoding.DecodeString(key); err != nil || len(raw) != 16 {
		return reject(http.StatusBadRequest, "Sec-WebSocket-Key must be the base64 encoding of 16 bytes")
	}
	// §4.2.2 and §10.2: the server may refuse origins it does not trust.
	check := opts.CheckOrigin
	if check == nil {
		check = sameOrigin
	}
	if !check(r) {
		return reject(http.StatusForbidden, "origin %.100q is not allowed", r.Header.Get("Origin"))
	}
	return key, nil
}

// sameOrigin allows requests with no Origin (not from a browser) and those
// whose Origin's host is the request's Host.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Values("Origin")
	if len(origin) == 0 {
		return true
	}
	if len(origin) > 1 {
		return false
	}
	u, err := url.Parse(origin[0])
	if err != nil {
		return false
	}
	return u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// selectSubprotocol returns the first of the server's subprotocols that
// the client offered in Sec-WebSocket-Protocol, or "".
func selectSubprotocol(r *http.Request, server []string) string {
	for _, s := range server {
		if headerHasToken(r.Header, "Sec-WebSocket-Protocol", s) {
			return s
		}
	}
	return ""
}

// RequestHead writes r's request line and headers in wire form, as an
// observer's Handshake.Request shows them: Host first, then the headers
// sorted, in canonical form except that the WebSocket headers get the
// RFC's spelling (Sec-WebSocket-Key, not Go's Sec-Websocket-Key).
func RequestHead(r *http.Request) []byte {
	var b bytes.Buffer
	b.WriteString(r.Method + " " + r.RequestURI + " " + r.Proto + "\r\nHost: " + r.Host + "\r\n")
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		name := k
		if rest, ok := strings.CutPrefix(k, "Sec-Websocket-"); ok {
			name = "Sec-WebSocket-" + rest
		}
		for _, v := range r.Header[k] {
			b.WriteString(name + ": " + v + "\r\n")
		}
	}
	b.WriteString("\r\n")
	return b.Bytes()
}
