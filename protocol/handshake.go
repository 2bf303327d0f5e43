package protocol

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

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

// GUID is the constant of RFC 6455 §1.3 and §4.2.2, "a Globally Unique
// Identifier ... in string form", that the server appends to the client's
// key before hashing it.
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// ComputeAccept returns the Sec-WebSocket-Accept value for a
// Sec-WebSocket-Key (RFC 6455 §4.2.2): the base64 encoding of the SHA-1
// of the key followed by GUID.
func ComputeAccept(key string) string {
	sum := sha1.Sum([]byte(key + GUID))
	return base64.StdEncoding.EncodeToString(sum[:])
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

// handshakeHeader reports whether the canonical header name ck is set by
// the handshake itself, so that it cannot be given as an extra header.
func handshakeHeader(ck string) bool {
	switch ck {
	case "Upgrade", "Connection", "Host",
		"Sec-Websocket-Key", "Sec-Websocket-Version", "Sec-Websocket-Accept",
		"Sec-Websocket-Protocol", "Sec-Websocket-Extensions":
		return true
	}
	return false
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
		if ck := http.CanonicalHeaderKey(k); !handshakeHeader(ck) && isToken(k) {
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
