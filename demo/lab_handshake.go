package demo

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"wiretalk/protocol"
)

// The handshake lab: GET /demo/specimen?feed=ID&handshake=RULE answers
// that one request with a broken opening handshake, so that the viewer
// sees their browser refuse it and their page learn only 1006. The
// response goes to the request that asked for it and to nothing else, and
// its record to the viewer's feed. A request without Upgrade (a plain
// fetch() of the same URL) gets the same response without a record: for
// 426 it shows the page the status its socket never could.

// brokenResponse returns the response for handshake lab rule kind to a
// request with key.
func brokenResponse(kind, key string) string {
	accept := protocol.ComputeAccept(key)
	const ok = "HTTP/1.1 101 Switching Protocols\r\n"
	plain := func(status, extra, body string) string {
		return "HTTP/1.1 " + status + "\r\n" + extra + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " +
			strconv.Itoa(len(body)) + "\r\nConnection: close\r\n\r\n" + body
	}
	switch kind {
	case "hs-accept":
		// The right answer, to another key: RFC 6455 §1.3's example.
		return ok + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
	case "hs-noupgrade":
		return ok + "Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\n\r\n"
	case "hs-subprotocol":
		return ok + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\nSec-WebSocket-Protocol: superchat\r\n\r\n"
	case "hs-extension":
		return ok + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\nSec-WebSocket-Extensions: x-wiretalk-lab\r\n\r\n"
	case "hs-403":
		return plain("403 Forbidden", "", "This origin may not open a WebSocket here.\n")
	case "hs-426":
		return plain("426 Upgrade Required", "Sec-WebSocket-Version: 8\r\n", "This server speaks WebSocket version 8 only.\n")
	case "hs-302":
		return plain("302 Found", "Location: /demo\r\n", "Moved to /demo.\n")
	}
	return ""
}

// serveBrokenHandshake answers r with the broken handshake of lab rule
// id, for feed f.
func (i *Inspector) serveBrokenHandshake(w http.ResponseWriter, r *http.Request, f *feed, id string) {
	rule, ok := labRule(id)
	if !ok || rule.Handshake == "" {
		http.Error(w, "no such handshake lab", http.StatusNotFound)
		return
	}
	key := r.Header.Get("Sec-WebSocket-Key")
	resp := brokenResponse(id, key)
	upgrade := strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
	nc, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "cannot take over the connection", http.StatusInternalServerError)
		return
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(writeTimeout))
	if _, err := nc.Write([]byte(resp)); err != nil {
		return
	}
	if !upgrade {
		return // a plain fetch(): the response is all it wants
	}
	n := f.nextConn()
	defer f.abandon()
	rec := FromHandshake(protocol.Handshake{Request: protocol.RequestHead(r), Response: []byte(resp), Key: key})
	rec.Conn = n
	f.publish(rec)
	f.notice(n, "warn", "lab", "Handshake lab: "+rule.Title+".")
	// A browser that refuses a 101 closes TCP: wait for that (or the
	// deadline), so that our close does not race its refusal.
	if strings.HasPrefix(resp, "HTTP/1.1 101") {
		nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		var b [512]byte
		for {
			if _, err := nc.Read(b[:]); err != nil {
				break
			}
		}
	}
}
