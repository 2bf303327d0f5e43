package protocol

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestComputeAcceptRFCExample(t *testing.T) {
	// RFC 6455 §1.3: the key "dGhlIHNhbXBsZSBub25jZQ==" gives
	// "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".
	if got, want := ComputeAccept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="; got != want {
		t.Errorf("ComputeAccept = %q, want %q", got, want)
	}
}

// rfcKey is the Sec-WebSocket-Key of RFC 6455 §1.3.
const rfcKey = "dGhlIHNhbXBsZSBub25jZQ=="

// hsRequest is a client handshake written by hand, so that tests can
// break it any way they like.
type hsRequest struct {
	method, target, proto string
	headers               [][2]string
}

func validRequest() hsRequest {
	return hsRequest{
		method: "GET", target: "/chat", proto: "HTTP/1.1",
		headers: [][2]string{
			{"Host", "server.example.com"},
			{"Upgrade", "websocket"},
			{"Connection", "Upgrade"},
			{"Sec-WebSocket-Key", rfcKey},
			{"Sec-WebSocket-Version", "13"},
		},
	}
}

// with returns r with header name set to value (removed when value is
// ""), or added as another line when add is true.
func (r hsRequest) set(name, value string) hsRequest {
	var hs [][2]string
	done := false
	for _, h := range r.headers {
		if strings.EqualFold(h[0], name) {
			if !done && value != "" {
				hs = append(hs, [2]string{name, value})
			}
			done = true
			continue
		}
		hs = append(hs, h)
	}
	if !done && value != "" {
		hs = append(hs, [2]string{name, value})
	}
	r.headers = hs
	return r
}

func (r hsRequest) add(name, value string) hsRequest {
	r.headers = append(append([][2]string(nil), r.headers...), [2]string{name, value})
	return r
}

func (r hsRequest) bytes() []byte {
	var b bytes.Buffer
	b.WriteString(r.method + " " + r.target + " " + r.proto + "\r\n")
	for _, h := range r.headers {
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// acceptServer runs Accept with opts for every request and reports what
// it returned.
type acceptResult struct {
	conn *Conn
	err  error
}

func startAcceptServer(t *testing.T, opts *AcceptOptions) (addr string, results chan acceptResult) {
	t.Helper()
	results = make(chan acceptResult, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := Accept(w, r, opts)
		if c != nil {
			c.CloseNow()
		}
		results <- acceptResult{c, err}
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String(), results
}

// roundTrip sends raw request bytes and reads the response; it never
// waits more than a few seconds.
func roundTrip(t *testing.T, addr string, req []byte) *http.Response {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := nc.Write(req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp
}

// acceptCase is one rule of the server's handshake.
type acceptCase struct {
	name        string
	req         hsRequest
	opts        AcceptOptions
	status      int
	header      map[string]string // response headers that must be present
	subprotocol string
}

// handshakeSeeds are the handshake cases as raw requests, for FuzzHandshake.
func handshakeSeeds() []struct {
	name string
	req  []byte
} {
	var seeds []struct {
		name string
		req  []byte
	}
	for _, tc := range acceptCases {
		seeds = append(seeds, struct {
			name string
			req  []byte
		}{tc.name, tc.req.bytes()})
	}
	return seeds
}

func TestAcceptHandshake(t *testing.T) {
	for _, tt := range acceptCases {
		t.Run(tt.name, func(t *testing.T) { runAcceptCase(t, tt) })
	}
}

func allowOrigin(allow bool) func(*http.Request) bool {
	return func(*http.Request) bool { return allow }
}

var acceptCases = []acceptCase{
	{name: "RFC6455 4.2.1 valid handshake gets 101 and the RFC's accept value",
		req: validRequest(), status: 101,
		header: map[string]string{"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Accept": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}},
	{name: "RFC6455 4.2.1 POST is not a handshake: 405",
		req: func() hsRequest { r := validRequest(); r.method = "POST"; return r }(), status: 405, header: map[string]string{"Allow": "GET"}},
	{name: "RFC6455 4.2.1 PUT is not a handshake: 405",
		req: func() hsRequest { r := validRequest(); r.method = "PUT"; return r }(), status: 405},
	{name: "RFC6455 4.2.1 HTTP/1.0 is too old: 400",
		req: func() hsRequest { r := validRequest(); r.proto = "HTTP/1.0"; return r }(), status: 400},
	{name: "RFC6455 4.2.1 no Upgrade header: 426 with Upgrade: websocket",
		req: validRequest().set("Upgrade", ""), status: 426, header: map[string]string{"Upgrade": "websocket"}},
	{name: "RFC6455 4.2.1 Upgrade: h2c is not websocket: 426",
		req: validRequest().set("Upgrade", "h2c"), status: 426},
	{name: "RFC6455 4.2.1 Upgrade: websockets is not the token websocket: 426",
		req: validRequest().set("Upgrade", "websockets"), status: 426},
	{name: "RFC6455 4.2.1 Upgrade is case-insensitive: WebSocket gets 101",
		req: validRequest().set("Upgrade", "WebSocket"), status: 101},
	{name: "RFC6455 4.2.1 Upgrade token list containing websocket gets 101",
		req: validRequest().set("Upgrade", "foo/2, websocket"), status: 101},
	{name: "RFC6455 4.2.1 no Connection header: 400",
		req: validRequest().set("Connection", ""), status: 400},
	{name: "RFC6455 4.2.1 Connection: keep-alive without upgrade: 400",
		req: validRequest().set("Connection", "keep-alive"), status: 400},
	{name: "RFC6455 4.2.1 Connection: keep-alive, Upgrade gets 101",
		req: validRequest().set("Connection", "keep-alive, Upgrade"), status: 101},
	{name: "RFC6455 4.2.1 Connection is case-insensitive: UPGRADE gets 101",
		req: validRequest().set("Connection", "UPGRADE"), status: 101},
	{name: "RFC6455 4.2.1 Connection tokens over two lines get 101",
		req: validRequest().set("Connection", "keep-alive").add("Connection", "upgrade"), status: 101},
	{name: "RFC6455 4.2.2 version 8: 426 with Sec-WebSocket-Version: 13",
		req: validRequest().set("Sec-WebSocket-Version", "8"), status: 426, header: map[string]string{"Sec-WebSocket-Version": "13"}},
	{name: "RFC6455 4.2.2 no version: 426 with Sec-WebSocket-Version: 13",
		req: validRequest().set("Sec-WebSocket-Version", ""), status: 426, header: map[string]string{"Sec-WebSocket-Version": "13"}},
	{name: "RFC6455 4.2.2 version 14: 426",
		req: validRequest().set("Sec-WebSocket-Version", "14"), status: 426},
	{name: "RFC6455 4.2.1 no key: 400",
		req: validRequest().set("Sec-WebSocket-Key", ""), status: 400},
	{name: "RFC6455 4.2.1 key that is not base64: 400",
		req: validRequest().set("Sec-WebSocket-Key", "not base64!"), status: 400},
	{name: "RFC6455 4.2.1 key of 15 bytes: 400",
		req: validRequest().set("Sec-WebSocket-Key", base64.StdEncoding.EncodeToString(make([]byte, 15))), status: 400},
	{name: "RFC6455 4.2.1 key of 17 bytes: 400",
		req: validRequest().set("Sec-WebSocket-Key", base64.StdEncoding.EncodeToString(make([]byte, 17))), status: 400},
	{name: "RFC6455 4.2.1 key without its padding: 400",
		req: validRequest().set("Sec-WebSocket-Key", strings.TrimRight(rfcKey, "=")), status: 400},
	{name: "RFC6455 4.2.1 key given twice: 400",
		req: validRequest().add("Sec-WebSocket-Key", rfcKey), status: 400},
	{name: "RFC6455 4.2.2 Origin of the same host gets 101",
		req: validRequest().set("Origin", "http://server.example.com"), status: 101},
	{name: "RFC6455 4.2.2 Origin host compared without case gets 101",
		req: validRequest().set("Origin", "https://Server.Example.COM"), status: 101},
	{name: "RFC6455 10.2 Origin of another host: 403",
		req: validRequest().set("Origin", "http://evil.example"), status: 403},
	{name: "RFC6455 10.2 Origin of another port: 403",
		req: validRequest().set("Origin", "http://server.example.com:8080"), status: 403},
	{name: "RFC6455 10.2 Origin null: 403",
		req: validRequest().set("Origin", "null"), status: 403},
	{name: "RFC6455 10.2 CheckOrigin refusing: 403",
		req: validRequest(), opts: AcceptOptions{CheckOrigin: allowOrigin(false)}, status: 403},
	{name: "RFC6455 10.2 CheckOrigin allowing another origin gets 101",
		req: validRequest().set("Origin", "http://evil.example"), opts: AcceptOptions{CheckOrigin: allowOrigin(true)}, status: 101},
	{name: "RFC6455 4.2.2 subprotocol: the server's first choice that the client offered",
		req: validRequest().set("Sec-WebSocket-Protocol", "chat.v1, wiretalk.v2"), opts: AcceptOptions{Subprotocols: []string{"wiretalk.v2", "chat.v1"}},
		status: 101, subprotocol: "wiretalk.v2", header: map[string]string{"Sec-WebSocket-Protocol": "wiretalk.v2"}},
	{name: "RFC6455 4.2.2 subprotocol offers over two lines",
		req: validRequest().set("Sec-WebSocket-Protocol", "a").add("Sec-WebSocket-Protocol", "b"), opts: AcceptOptions{Subprotocols: []string{"b"}},
		status: 101, subprotocol: "b"},
	{name: "RFC6455 4.2.2 no subprotocol in common: 101 without one",
		req: validRequest().set("Sec-WebSocket-Protocol", "mqtt"), opts: AcceptOptions{Subprotocols: []string{"wiretalk.v2"}}, status: 101},
	{name: "RFC6455 4.2.2 client offering none: 101 without one",
		req: validRequest(), opts: AcceptOptions{Subprotocols: []string{"wiretalk.v2"}}, status: 101},
	{name: "RFC6455 9.1 permessage-deflate offer is ignored",
		req: validRequest().set("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"), status: 101},
	{name: "RFC6455 4.2.2 extra response headers are sent, the handshake's own are not replaced",
		req: validRequest(), opts: AcceptOptions{ResponseHeader: http.Header{"Set-Cookie": {"a=b"}, "Sec-WebSocket-Accept": {"forged"}}},
		status: 101, header: map[string]string{"Set-Cookie": "a=b", "Sec-WebSocket-Accept": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}},
}

func runAcceptCase(t *testing.T, tt acceptCase) {
	opts := tt.opts
	addr, results := startAcceptServer(t, &opts)
	resp := roundTrip(t, addr, tt.req.bytes())
	res := <-results
	if resp.StatusCode != tt.status {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d, want %d; body %q", resp.StatusCode, tt.status, body)
	}
	for k, v := range tt.header {
		if got := resp.Header.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if tt.status == 101 {
		if res.err != nil {
			t.Fatalf("Accept: %v", res.err)
		}
		if got := res.conn.Subprotocol(); got != tt.subprotocol {
			t.Errorf("Subprotocol() = %q, want %q", got, tt.subprotocol)
		}
		if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != tt.subprotocol {
			t.Errorf("Sec-WebSocket-Protocol = %q, want %q", got, tt.subprotocol)
		}
		if ext := resp.Header.Get("Sec-WebSocket-Extensions"); ext != "" {
			t.Errorf("Sec-WebSocket-Extensions = %q, want none", ext)
		}
		return
	}
	// Every rejection is an HTTP error with a one-line reason.
	body, _ := io.ReadAll(resp.Body)
	if !bytes.HasPrefix(body, []byte("websocket: ")) || bytes.Count(body, []byte("\n")) != 1 || len(body) < 20 {
		t.Errorf("body %q is not a one-line reason", body)
	}
	var he *HandshakeError
	if !errors.As(res.err, &he) || he.Status != tt.status || !strings.Contains(string(body), he.Reason) {
		t.Errorf("Accept error = %#v, want a *HandshakeError with status %d and the body's reason", res.err, tt.status)
	}
}

// Garbage that is not a request at all gets an error from net/http before
// Accept runs, and never a hang.
func TestAcceptGarbageNeverHangs(t *testing.T) {
	addr, _ := startAcceptServer(t, nil)
	for _, req := range []string{
		"GET / HTTP/1.1\r\n\r\n",                               // no Host
		"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n", // a TLS hello
		"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: \xff\xfe\r\n\r\n",
	} {
		resp := roundTrip(t, addr, []byte(req))
		if resp.StatusCode < 400 || resp.StatusCode > 499 {
			t.Errorf("%q: status %d, want 4xx", req, resp.StatusCode)
		}
	}
}

// The bytes a client sends right behind its handshake (net/http has them
// buffered when Accept hijacks) are the connection's first frames.
func TestAcceptKeepsBytesBufferedByNetHTTP(t *testing.T) {
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := Accept(w, r, nil)
		if err != nil {
			got <- err.Error()
			return
		}
		defer c.CloseNow()
		_, p, err := c.Read(context.Background())
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(p)
	}))
	defer srv.Close()
	nc, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	req := append(validRequest().bytes(), maskedFrame(true, OpText, []byte("right behind"))...)
	nc.Write(req)
	if s := <-got; s != "right behind" {
		t.Errorf("first message = %q, want %q", s, "right behind")
	}
}

// maskedFrame encodes a client frame with a fixed key.
func maskedFrame(fin bool, op Opcode, payload []byte) []byte {
	h := Header{Fin: fin, Opcode: op, Masked: true, Key: [4]byte{1, 2, 3, 4}, Length: int64(len(payload))}
	b := AppendHeader(nil, h)
	p := append([]byte(nil), payload...)
	Mask(p, h.Key, 0)
	return append(b, p...)
}

// fakeServer answers one handshake with response (KEY is replaced by the
// accept value for the client's key) and reports the request it read.
func fakeServer(t *testing.T, response string) (url string, requests chan *http.Request) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	requests = make(chan *http.Request, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(5 * time.Second))
		r, err := http.ReadRequest(bufio.NewReader(nc))
		if err != nil {
			return
		}
		requests <- r
		if response == "" { // never answer
			io.Copy(io.Discard, nc)
			return
		}
		nc.Write([]byte(strings.ReplaceAll(response, "KEY", ComputeAccept(r.Header.Get("Sec-WebSocket-Key")))))
		io.Copy(io.Discard, nc)
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return "ws://" + ln.Addr().String() + "/chat?room=1", requests
}

func TestDialChecksResponse(t *testing.T) {
	const ok = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: KEY\r\n"
	tests := []struct {
		name        string
		response    string
		offer       []string
		status      int    // of the HandshakeError; 0 for success
		errContains string // in the error
		subprotocol string
	}{
		{name: "RFC6455 4.1 valid 101 is accepted", response: ok + "\r\n"},
		{name: "RFC6455 4.1 Upgrade and Connection are case-insensitive",
			response: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: keep-alive, UPGRADE\r\nSec-WebSocket-Accept: KEY\r\n\r\n"},
		{name: "RFC6455 4.1 a status other than 101 fails", response: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", status: 200, errContains: "did not switch"},
		{name: "RFC6455 4.1 the server's reason is in the error",
			response: "HTTP/1.1 403 Forbidden\r\nContent-Length: 39\r\n\r\nwebsocket: origin \"x\" is not allowed\r\n\r\n", status: 403, errContains: "is not allowed"},
		{name: "RFC6455 4.1 no Upgrade header fails",
			response: "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: KEY\r\n\r\n", status: 101, errContains: "Upgrade"},
		{name: "RFC6455 4.1 Upgrade: h2c fails",
			response: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: KEY\r\n\r\n", status: 101, errContains: "Upgrade"},
		{name: "RFC6455 4.1 no Connection: Upgrade fails",
			response: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Accept: KEY\r\n\r\n", status: 101, errContains: "Connection"},
		{name: "RFC6455 4.1 wrong Sec-WebSocket-Accept fails",
			response: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", status: 101, errContains: "Sec-WebSocket-Accept"},
		{name: "RFC6455 4.1 missing Sec-WebSocket-Accept fails",
			response: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", status: 101, errContains: "Sec-WebSocket-Accept"},
		{name: "RFC6455 4.1 a subprotocol that was offered is chosen",
			response: ok + "Sec-WebSocket-Protocol: b\r\n\r\n", offer: []string{"a", "b"}, subprotocol: "b"},
		{name: "RFC6455 4.1 a subprotocol that was not offered fails",
			response: ok + "Sec-WebSocket-Protocol: c\r\n\r\n", offer: []string{"a", "b"}, status: 101, errContains: "not offered"},
		{name: "RFC6455 4.1 a subprotocol when none was offered fails",
			response: ok + "Sec-WebSocket-Protocol: a\r\n\r\n", status: 101, errContains: "not offered"},
		{name: "RFC6455 4.1 an extension that was not offered fails",
			response: ok + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n", status: 101, errContains: "extensions"},
		{name: "RFC6455 4.1 a response that is not HTTP fails", response: "SSH-2.0-OpenSSH_9.2\r\n\r\n", errContains: "invalid HTTP response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, requests := fakeServer(t, tt.response)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, resp, err := Dial(ctx, url, &DialOptions{Subprotocols: tt.offer, Header: http.Header{"Origin": {"http://example.com"}}})
			r := <-requests
			checkClientRequest(t, r, tt.offer)
			if tt.errContains == "" {
				if err != nil {
					t.Fatalf("Dial: %v", err)
				}
				defer c.CloseNow()
				if c.Subprotocol() != tt.subprotocol {
					t.Errorf("Subprotocol() = %q, want %q", c.Subprotocol(), tt.subprotocol)
				}
				if resp.StatusCode != 101 {
					t.Errorf("response status %d", resp.StatusCode)
				}
				return
			}
			if err == nil {
				c.CloseNow()
				t.Fatal("Dial succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.errContains) {
				t.Errorf("error %q does not mention %q", err, tt.errContains)
			}
			var he *HandshakeError
			if !errors.As(err, &he) || he.Status != tt.status {
				t.Errorf("error %#v, want a *HandshakeError with status %d", err, tt.status)
			}
			if tt.status != 0 && (resp == nil || resp.StatusCode != tt.status) {
				t.Errorf("response %v, want status %d", resp, tt.status)
			}
		})
	}
}

// checkClientRequest checks Dial's request against RFC 6455 §4.1.
func checkClientRequest(t *testing.T, r *http.Request, offer []string) {
	t.Helper()
	if r.Method != "GET" || r.RequestURI != "/chat?room=1" || r.Proto != "HTTP/1.1" {
		t.Errorf("request line %s %s %s", r.Method, r.RequestURI, r.Proto)
	}
	if !strings.HasPrefix(r.Host, "127.0.0.1:") {
		t.Errorf("Host %q", r.Host)
	}
	for k, v := range map[string]string{"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13", "Origin": "http://example.com"} {
		if got := r.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if key, err := base64.StdEncoding.DecodeString(r.Header.Get("Sec-WebSocket-Key")); err != nil || len(key) != 16 {
		t.Errorf("Sec-WebSocket-Key %q is not 16 bytes in base64", r.Header.Get("Sec-WebSocket-Key"))
	}
	if got := r.Header.Get("Sec-WebSocket-Protocol"); got != strings.Join(offer, ", ") {
		t.Errorf("Sec-WebSocket-Protocol = %q, want %q", got, strings.Join(offer, ", "))
	}
}

func TestDialTimesOutOnSilentServer(t *testing.T) {
	url, _ := fakeServer(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := Dial(ctx, url, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 10*time.Second { // 50 times the deadline: ignored, not late
		t.Errorf("Dial took %v with a deadline of 200ms", d)
	}
}

func TestDialCancelled(t *testing.T) {
	url, _ := fakeServer(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, _, err := Dial(ctx, url, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestDialBadURL(t *testing.T) {
	for _, u := range []string{"ftp://x/", "ws:///nohost", "://"} {
		if _, _, err := Dial(context.Background(), u, nil); err == nil {
			t.Errorf("Dial(%q) succeeded", u)
		}
	}
}

// Our client against our server, through the real handshake, observed on
// both sides.
func TestDialAcceptObserved(t *testing.T) {
	var serverHS, clientHS Handshake
	srvObs := ObserverFuncs{Handshake: func(h Handshake) { serverHS = h }}
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		c, err := Accept(w, r, &AcceptOptions{Observer: srvObs, Subprotocols: []string{"wiretalk"}})
		if err != nil {
			return
		}
		c.CloseNow()
	}))
	defer srv.Close()
	c, _, err := Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http")+"/x",
		&DialOptions{Observer: ObserverFuncs{Handshake: func(h Handshake) { clientHS = h }}, Subprotocols: []string{"other", "wiretalk"}})
	if err != nil {
		t.Fatal(err)
	}
	c.CloseNow()
	<-done
	if clientHS.Key == "" || clientHS.Key != serverHS.Key || clientHS.Accept != ComputeAccept(clientHS.Key) || serverHS.Accept != clientHS.Accept {
		t.Errorf("keys/accepts differ: client %+v server %+v", clientHS, serverHS)
	}
	if !bytes.Equal(clientHS.Response, serverHS.Response) {
		t.Errorf("client saw response %q, server wrote %q", clientHS.Response, serverHS.Response)
	}
	if clientHS.Subprotocol != "wiretalk" || serverHS.Subprotocol != "wiretalk" {
		t.Errorf("subprotocols %q %q", clientHS.Subprotocol, serverHS.Subprotocol)
	}
	for _, req := range [][]byte{clientHS.Request, serverHS.Request} {
		if !bytes.HasPrefix(req, []byte("GET /x HTTP/1.1\r\n")) || !bytes.HasSuffix(req, []byte("\r\n\r\n")) ||
			!bytes.Contains(req, []byte("Sec-WebSocket-Key: "+clientHS.Key+"\r\n")) {
			t.Errorf("request %q", req)
		}
	}
}

// hijackRecorder is a ResponseRecorder that can be hijacked, for running
// Accept on requests parsed with http.ReadRequest.
type hijackRecorder struct {
	*httptest.ResponseRecorder
	conn *recordConn
}

func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h.conn = &recordConn{}
	return h.conn, bufio.NewReadWriter(bufio.NewReader(h.conn), bufio.NewWriter(h.conn)), nil
}

// recordConn is a net.Conn that records what is written and reads EOF.
type recordConn struct {
	bytes.Buffer
}

func (c *recordConn) Read([]byte) (int, error)         { return 0, io.EOF }
func (c *recordConn) Close() error                     { return nil }
func (c *recordConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *recordConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *recordConn) SetDeadline(time.Time) error      { return nil }
func (c *recordConn) SetReadDeadline(time.Time) error  { return nil }
func (c *recordConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzHandshake feeds arbitrary request bytes to Accept: it must never
// panic, and must answer 101 with the right accept value or a 4xx with a
// reason.
func FuzzHandshake(f *testing.F) {
	f.Add(validRequest().bytes())
	f.Add(validRequest().set("Sec-WebSocket-Protocol", "a, b").set("Origin", "http://server.example.com").bytes())
	f.Add(validRequest().set("Connection", "keep-alive, Upgrade").bytes())
	f.Add(validRequest().set("Sec-WebSocket-Version", "8").bytes())
	f.Add(validRequest().set("Sec-WebSocket-Key", "AAAA").bytes())
	f.Add(func() []byte { r := validRequest(); r.method = "POST"; return r.bytes() }())
	f.Add([]byte("GET / HTTP/1.0\r\n\r\n"))
	opts := &AcceptOptions{Subprotocols: []string{"a", "b"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(data)))
		if err != nil {
			return
		}
		rec := &hijackRecorder{ResponseRecorder: httptest.NewRecorder()}
		c, err := Accept(rec, r, opts)
		if err == nil {
			c.CloseNow()
			resp := rec.conn.String()
			if !strings.HasPrefix(resp, "HTTP/1.1 101 Switching Protocols\r\n") ||
				!strings.Contains(resp, "\r\nSec-WebSocket-Accept: "+ComputeAccept(r.Header.Get("Sec-WebSocket-Key"))+"\r\n") ||
				!strings.HasSuffix(resp, "\r\n\r\n") {
				t.Fatalf("accepted with response %q", resp)
			}
			return
		}
		var he *HandshakeError
		if !errors.As(err, &he) {
			t.Fatalf("error %v is not a *HandshakeError", err)
		}
		if rec.Code < 400 || rec.Code > 499 || rec.Code != he.Status {
			t.Fatalf("rejected with status %d (error %v)", rec.Code, err)
		}
		if body := rec.Body.String(); !strings.HasPrefix(body, "websocket: ") {
			t.Fatalf("rejected with body %q", body)
		}
	})
}

// wss://: Dial speaks TLS (HTTP/1.1 by ALPN), Accept works behind
// net/http's TLS, and frames go through tls.Conn's copy path.
func TestDialAcceptTLS(t *testing.T) {
	srv := httptest.NewTLSServer(echoHandler(nil))
	defer srv.Close()
	tlsConfig := srv.Client().Transport.(*http.Transport).TLSClientConfig
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := Dial(ctx, "wss"+strings.TrimPrefix(srv.URL, "https")+"/", &DialOptions{TLSConfig: tlsConfig})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	for _, n := range []int{5, 70000} {
		msg := bytes.Repeat([]byte("s"), n)
		if err := c.Write(ctx, OpText, msg); err != nil {
			t.Fatal(err)
		}
		if _, p, err := c.Read(ctx); err != nil || !bytes.Equal(p, msg) {
			t.Fatalf("echo of %d bytes over TLS: %d bytes, %v", n, len(p), err)
		}
	}
	if err := c.Close(StatusNormalClosure, ""); err != nil {
		t.Errorf("Close: %v", err)
	}
	// Without the test CA the certificate is refused.
	if _, _, err := Dial(ctx, "wss"+strings.TrimPrefix(srv.URL, "https")+"/", nil); err == nil || !strings.Contains(err.Error(), "TLS") {
		t.Errorf("Dial without the CA: %v", err)
	}
}
