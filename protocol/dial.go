package protocol

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

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
	// Deflate, when not nil, offers permessage-deflate (RFC 7692) and
	// configures it if the server accepts. An answer the offer does not
	// allow fails the handshake.
	Deflate *DeflateOptions
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
	var offer DeflateParams
	if opts.Deflate != nil {
		offer = dialOffer(opts.Deflate)
		req.WriteString("Sec-WebSocket-Extensions: " + offer.String() + "\r\n")
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
	subprotocol, herr := checkResponse(resp, key, opts.Subprotocols, opts.Deflate != nil)
	if herr != nil {
		return nil, resp, herr
	}
	var deflate *connDeflate
	var answer *DeflateParams
	if opts.Deflate != nil {
		ans, cfg, err := checkDeflateAnswer(resp.Header.Values("Sec-WebSocket-Extensions"), offer, opts.Deflate)
		if err != nil {
			return nil, resp, &HandshakeError{Status: resp.StatusCode, Reason: err.Error()}
		}
		if ans != nil {
			deflate = newConnDeflate(cfg, *ans, false)
			answer = ans
		}
	}
	nc.SetDeadline(time.Time{})

	c := newConn(nc, connConfig{
		role:         RoleClient,
		subprotocol:  subprotocol,
		readLimit:    opts.ReadLimit,
		observer:     opts.Observer,
		closeTimeout: opts.CloseTimeout,
		buffered:     rest,
		deflate:      deflate,
	})
	if opts.Observer != nil {
		opts.Observer.ObserveHandshake(Handshake{
			Request:     req.Bytes(),
			Response:    head,
			Key:         key,
			Accept:      resp.Header.Get("Sec-WebSocket-Accept"),
			Subprotocol: subprotocol,
			Deflate:     answer,
		})
	}
	return c, resp, nil
}

// checkResponse checks the server's 101 response (RFC 6455 §4.1) and
// returns the subprotocol it chose. Its extensions are checked here only
// when none were offered (deflate false); else by checkDeflateAnswer.
func checkResponse(resp *http.Response, key string, offered []string, deflate bool) (string, *HandshakeError) {
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
	// handshake" fails the connection.
	if ext := resp.Header.Values("Sec-WebSocket-Extensions"); len(ext) > 0 && !deflate {
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
