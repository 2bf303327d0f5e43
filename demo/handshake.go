package demo

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"

	"wiretalk/protocol"
)

// handshakeMax is how many header lines are kept from each side of the
// handshake.
const handshakeMax = 64

// HandshakeRecord is the opening handshake of a specimen connection with
// the accept computation of RFC 6455 §4.2.2 worked out step by step.
type HandshakeRecord struct {
	Request  []string `json:"request"`  // request line and headers; Cookie and Authorization values hidden
	Response []string `json:"response"` // status line and headers

	Key    string `json:"key"`    // Sec-WebSocket-Key
	GUID   string `json:"guid"`   // the RFC's fixed GUID
	Concat string `json:"concat"` // Key + GUID
	SHA1   string `json:"sha1"`   // SHA-1 of Concat, hex
	Accept string `json:"accept"` // base64 of the SHA-1: the expected Sec-WebSocket-Accept
	Sent   string `json:"sent"`   // the Sec-WebSocket-Accept the server sent
	Match  bool   `json:"match"`  // Accept == Sent

	Subprotocol string `json:"subprotocol,omitempty"`
	// Extensions is the Sec-WebSocket-Extensions offer and answer,
	// parameter by parameter; nil when neither side named one.
	Extensions *ExtensionsRecord `json:"extensions,omitempty"`
}

// FromHandshake turns an observed opening handshake into a record with
// the accept computation of RFC 6455 §4.2.2 worked out: the key plus the
// GUID, its SHA-1, and that digest in base64, compared with the
// Sec-WebSocket-Accept the server sent. Cookie and Authorization values
// are hidden: the inspector may be on a projector.
func FromHandshake(h protocol.Handshake) Record {
	hr := &HandshakeRecord{
		Request:     headerLines(h.Request),
		Response:    headerLines(h.Response),
		Key:         h.Key,
		GUID:        protocol.GUID,
		Sent:        h.Accept,
		Subprotocol: h.Subprotocol,
	}
	if hr.Key == "" {
		hr.Key = headerValue(hr.Request, "Sec-WebSocket-Key")
	}
	if hr.Sent == "" {
		hr.Sent = headerValue(hr.Response, "Sec-WebSocket-Accept")
	}
	hr.Concat = hr.Key + protocol.GUID
	sum := sha1.Sum([]byte(hr.Concat))
	hr.SHA1 = hex.EncodeToString(sum[:])
	hr.Accept = base64.StdEncoding.EncodeToString(sum[:])
	hr.Match = hr.Sent != "" && hr.Sent == hr.Accept
	hr.Extensions = extensionsRecord(hr.Request, hr.Response)
	return Record{Type: "handshake", Handshake: hr}
}

// headerLines splits an HTTP head into its lines, without the blank line
// that ends it, hiding credentials.
func headerLines(head []byte) []string {
	s := strings.ToValidUTF8(string(head), "\uFFFD")
	if i := strings.Index(s, "\r\n\r\n"); i >= 0 {
		s = s[:i]
	}
	var lines []string
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			continue
		}
		if len(lines) == handshakeMax {
			lines = append(lines, "…")
			break
		}
		lines = append(lines, hideSecret(line))
	}
	return lines
}

// hideSecret hides the value of a credential header line. The specimen is
// same-origin, so the browser sends it the site's cookies (the presenter's
// key among them), and the inspector may be on a projector.
func hideSecret(line string) string {
	name, value, ok := strings.Cut(line, ":")
	if !ok {
		return line
	}
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "cookie", "authorization", "proxy-authorization":
		return name + ": (hidden, " + strconv.Itoa(len(strings.TrimSpace(value))) + " bytes)"
	}
	return line
}

func headerValue(lines []string, name string) string {
	for _, line := range lines {
		if n, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(n), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
