package protocol

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net"
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
}

// HandshakeError is an opening handshake that failed. On the server
// Accept has already written the HTTP error with this status and reason;
// on the client Status is the server's status code (0 if there was no
// valid response) and Reason says what was wrong.
type HandshakeError struct {
	Status int
	Reason string
}

func (e *HandshakeError) Error() string {
	if e.Status == 0 {
		return "websocket: handshake failed: " + e.Reason
	}
	return fmt.Sprintf("websocket: handshake failed with %d %s: %s", e.Status, http.StatusText(e.Status), e.Reason)
}

// acceptGUID is the constant of RFC 6455 §1.3 and §4.2.2.
const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// ComputeAccept returns the Sec-WebSocket-Accept value for a
// Sec-WebSocket-Key (RFC 6455 §4.2.2): the base64 encoding of the SHA-1
// of the key followed by the GUID 258EAFA5-E914-47DA-95CA-C5AB0DC85B11.
func ComputeAccept(key string) string {
	sum := sha1.Sum([]byte(key + acceptGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// Accept upgrades an HTTP request to a WebSocket connection (RFC 6455
// §4.2): it checks the client's handshake, writes the 101 response and
// takes the connection over from net/http. A request that is not an
// acceptable WebSocket handshake gets an HTTP error, with a one-line
// reason in the body, and Accept returns a *HandshakeError.
//
// Accept never negotiates an extension: an offer of permessage-deflate
// (or any other) is ignored, as RFC 6455 §9.1 allows.
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
	})
	if opts.Observer != nil {
		opts.Observer.ObserveHandshake(Handshake{
			Request:     rebuildRequest(r),
			Response:    resp,
			Key:         key,
			Accept:      accept,
			Subprotocol: subprotocol,
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

// headerHasToken reports whether a header, as comma-separated token lists
// over all its lines, holds token (compared without regard to case).
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for v != "" {
			var t string
			t, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(strings.Trim(t, " \t"), token) {
				return true
			}
		}
	}
	return false
}

// handshakeHeaders are set by the handshake itself and cannot be given as
// extra headers.
var handshakeHeaders = map[string]bool{
	"Upgrade":                  true,
	"Connection":               true,
	"Host":                     true,
	"Sec-Websocket-Key":        true,
	"Sec-Websocket-Version":    true,
	"Sec-Websocket-Accept":     true,
	"Sec-Websocket-Protocol":   true,
	"Sec-Websocket-Extensions": true,
}

// appendExtraHeaders appends h in wire form, skipping the handshake's own
// headers and names that are not valid tokens; http.Header.Write turns
// line breaks in values into spaces, so a value cannot inject a header.
func appendExtraHeaders(b []byte, h http.Header) []byte {
	if len(h) == 0 {
		return b
	}
	extra := make(http.Header, len(h))
	for k, v := range h {
		if ck := http.CanonicalHeaderKey(k); !handshakeHeaders[ck] && isToken(k) {
			extra[ck] = v
		}
	}
	var buf bytes.Buffer
	extra.Write(&buf)
	return append(b, buf.Bytes()...)
}

// isToken reports whether s is an HTTP token (RFC 9110 §5.6.2).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7F || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// rebuildRequest writes r's request line and headers in wire form: Host
// first, then the headers sorted, in canonical form except that the
// WebSocket headers get the RFC's spelling (Sec-WebSocket-Key, not Go's
// Sec-Websocket-Key).
func rebuildRequest(r *http.Request) []byte {
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

// DialOptions configures Dial. The zero value is ready to use.
type DialOptions struct {
	// Header holds extra request headers, such as Origin or Cookie; a
	// Host header here replaces the URL's host.
	Header http.Header
	// Subprotocols are offered to the server in order of preference.
	Subprotocols []string
	// ReadLimit is as in AcceptOptions: 0 means 32 MiB, negative none.
	ReadLimit int64
	// Observer sees the handshake and every frame; nil costs nothing.
	Observer Observer
	// NetDial opens the TCP connection; nil uses a net.Dialer.
	NetDial func(ctx context.Context, network, addr string) (net.Conn, error)
	// CloseTimeout bounds the closing handshake; 0 means 5s.
	CloseTimeout time.Duration
	// TLSConfig is used for wss:// URLs; nil uses the defaults. Its
	// ServerName defaults to the URL's host.
	TLSConfig *tls.Config
}

// maxResponseHead bounds the server's handshake response.
const maxResponseHead = 16 << 10

// Dial opens a WebSocket connection to a ws:// or wss:// URL (RFC 6455
// §4.1). ctx bounds the dial and the handshake only. The response is
// returned even when the handshake fails, if there was one; its body, if
// any, is read up to 4 KiB and the connection is closed.
func Dial(ctx context.Context, rawURL string, opts *DialOptions) (*Conn, *http.Response, error) {
	if opts == nil {
		opts = &DialOptions{}
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, fmt.Errorf("websocket: %w", err)
	}
	var secure bool
	var port string
	switch u.Scheme {
	case "ws", "http":
		port = "80"
	case "wss", "https":
		secure, port = true, "443"
	default:
		return nil, nil, fmt.Errorf("websocket: URL scheme %q is not ws or wss", u.Scheme)
	}
	if u.Host == "" {
		return nil, nil, fmt.Errorf("websocket: URL %q has no host", rawURL)
	}
	if u.Port() != "" {
		port = u.Port()
	}
	addr := net.JoinHostPort(u.Hostname(), port)

	dial := opts.NetDial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	nc, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("websocket: %w", err)
	}
	c, resp, err := handshakeClient(ctx, nc, u, secure, opts)
	if err != nil {
		nc.Close()
		return nil, resp, err
	}
	return c, resp, nil
}

func handshakeClient(ctx context.Context, nc net.Conn, u *url.URL, secure bool, opts *DialOptions) (_ *Conn, _ *http.Response, err error) {
	// ctx bounds the handshake: its deadline on the socket, its
	// cancellation as a deadline in the past.
	if d, ok := ctx.Deadline(); ok {
		nc.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(aLongTimeAgo) })
	defer func() {
		if !stop() && err == nil {
			err = ctx.Err()
		}
		if err != nil {
			if cerr := ctxErr(ctx, err); cerr != nil {
				err = fmt.Errorf("websocket: handshake: %w", cerr)
			}
		}
	}()

	if secure {
		cfg := opts.TLSConfig.Clone()
		if cfg == nil {
			cfg = &tls.Config{}
		}
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		// RFC 6455 is HTTP/1.1: the server must not pick h2 by ALPN.
		cfg.NextProtos = []string{"http/1.1"}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, nil, fmt.Errorf("websocket: TLS handshake: %w", err)
		}
		nc = tc
	}

	var nonce [16]byte
	rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])

	host := u.Host
	if h := opts.Header.Get("Host"); h != "" {
		host = h
	}
	var req bytes.Buffer
	fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\n", u.RequestURI(), host)
	req.WriteString("Upgrade: websocket\r\nConnection: Upgrade\r\n")
	req.WriteString("Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n")
	if len(opts.Subprotocols) > 0 {
		req.WriteString("Sec-WebSocket-Protocol: " + strings.Join(opts.Subprotocols, ", ") + "\r\n")
	}
	req.Write(appendExtraHeaders(nil, opts.Header))
	req.WriteString("\r\n")
	if _, err := nc.Write(req.Bytes()); err != nil {
		return nil, nil, fmt.Errorf("websocket: writing the handshake request: %w", err)
	}

	head, rest, err := readResponseHead(nc)
	if err != nil {
		return nil, nil, err
	}
	hreq := &http.Request{Method: http.MethodGet, URL: u, Host: host, Header: opts.Header}
	resp, err := http.ReadResponse(bufio.NewReader(io.MultiReader(bytes.NewReader(head), bytes.NewReader(rest), nc)), hreq)
	if err != nil {
		return nil, nil, &HandshakeError{Reason: "invalid HTTP response: " + err.Error()}
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		resp.Body = io.NopCloser(bytes.NewReader(body))
		reason := "the server did not switch protocols"
		if line, _, _ := strings.Cut(string(body), "\n"); line != "" {
			reason += ": " + strings.TrimSpace(line)
		}
		return nil, resp, &HandshakeError{Status: resp.StatusCode, Reason: reason}
	}
	resp.Body = http.NoBody
	subprotocol, herr := checkResponse(resp, key, opts.Subprotocols)
	if herr != nil {
		return nil, resp, herr
	}
	nc.SetDeadline(time.Time{})

	c := newConn(nc, connConfig{
		role:         RoleClient,
		subprotocol:  subprotocol,
		readLimit:    opts.ReadLimit,
		observer:     opts.Observer,
		closeTimeout: opts.CloseTimeout,
		buffered:     rest,
	})
	if opts.Observer != nil {
		opts.Observer.ObserveHandshake(Handshake{
			Request:     req.Bytes(),
			Response:    head,
			Key:         key,
			Accept:      resp.Header.Get("Sec-WebSocket-Accept"),
			Subprotocol: subprotocol,
		})
	}
	return c, resp, nil
}

// checkResponse checks the server's 101 response (RFC 6455 §4.1) and
// returns the subprotocol it chose.
func checkResponse(resp *http.Response, key string, offered []string) (string, *HandshakeError) {
	fail := func(format string, args ...any) (string, *HandshakeError) {
		return "", &HandshakeError{Status: resp.StatusCode, Reason: fmt.Sprintf(format, args...)}
	}
	// §4.1: "If the response lacks an |Upgrade| header field or the
	// |Upgrade| header field contains a value that is not an ASCII
	// case-insensitive match for the value "websocket", the client MUST
	// _Fail the WebSocket Connection_." Likewise for Connection.
	if !headerHasToken(resp.Header, "Upgrade", "websocket") {
		return fail(`the response has no "Upgrade: websocket"`)
	}
	if !headerHasToken(resp.Header, "Connection", "upgrade") {
		return fail(`the response's Connection header lacks "Upgrade"`)
	}
	// §4.1: the accept value must be the key's hash.
	if got, want := resp.Header.Get("Sec-WebSocket-Accept"), ComputeAccept(key); got != want {
		return fail("Sec-WebSocket-Accept is %.40q, want %q", got, want)
	}
	// §4.1: an extension or subprotocol "not present in the client's
	// handshake" fails the connection. We offer no extensions.
	if ext := resp.Header.Values("Sec-WebSocket-Extensions"); len(ext) > 0 {
		return fail("the server chose extensions %.60q, but none were offered", strings.Join(ext, ", "))
	}
	protos := resp.Header.Values("Sec-WebSocket-Protocol")
	switch {
	case len(protos) == 0:
		return "", nil
	case len(protos) == 1:
		for _, p := range offered {
			if p == protos[0] {
				return p, nil
			}
		}
	}
	return fail("the server chose subprotocol %.60q, which was not offered", strings.Join(protos, ", "))
}

// readResponseHead reads the response's status line and headers, up to
// the blank line, and returns them and whatever was read after them
// (frames the server sent at once): at most 4 KiB, as reads are that size.
func readResponseHead(nc net.Conn) (head, rest []byte, err error) {
	buf := make([]byte, 0, 1024)
	for {
		if len(buf) >= maxResponseHead {
			return nil, nil, &HandshakeError{Reason: "the response's headers are over 16 KiB"}
		}
		if cap(buf)-len(buf) < readBufSize {
			buf = append(buf, make([]byte, readBufSize)...)[:len(buf)]
		}
		n, err := nc.Read(buf[len(buf) : len(buf)+readBufSize])
		from := max(len(buf)-3, 0)
		buf = buf[:len(buf)+n]
		if i := bytes.Index(buf[from:], []byte("\r\n\r\n")); i >= 0 {
			end := from + i + 4
			return buf[:end:end], buf[end:], nil
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, nil, fmt.Errorf("websocket: reading the handshake response: %w", err)
		}
	}
}
