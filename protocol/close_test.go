package protocol

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// closeCodeRanges is RFC 6455 §7.4 as a table, with the IANA registry's
// later additions: every code from 0 to 5000 is in exactly one range.
var closeCodeRanges = []struct {
	lo, hi StatusCode
	valid  bool
	why    string
}{
	{0, 999, false, "RFC6455 7.4.2 0-999 not used"},
	{1000, 1003, true, "RFC6455 7.4.1 1000-1003 defined"},
	{1004, 1004, false, "RFC6455 7.4.1 1004 reserved"},
	{1005, 1006, false, "RFC6455 7.4.1 1005, 1006 MUST NOT be set in a close frame"},
	{1007, 1011, true, "RFC6455 7.4.1 1007-1011 defined"},
	{1012, 1014, true, "IANA registry 1012-1014 registered since"},
	{1015, 1015, false, "RFC6455 7.4.1 1015 MUST NOT be set in a close frame"},
	{1016, 2999, false, "RFC6455 7.4.2 1016-2999 reserved for the protocol and extensions"},
	{3000, 3999, true, "RFC6455 7.4.2 3000-3999 registered for libraries and frameworks"},
	{4000, 4999, true, "RFC6455 7.4.2 4000-4999 private use"},
	{5000, 65535, false, "RFC6455 7.4.2 above 4999 not defined"},
}

func TestStatusCodeValidOnWire(t *testing.T) {
	for c := range StatusCode(5001) {
		n := 0
		for _, r := range closeCodeRanges {
			if c < r.lo || c > r.hi {
				continue
			}
			n++
			if got := c.ValidOnWire(); got != r.valid {
				t.Errorf("%s: StatusCode(%d).ValidOnWire() = %v", r.why, c, got)
			}
		}
		if n != 1 {
			t.Fatalf("code %d is in %d ranges of the table", c, n)
		}
	}
	if StatusCode(65535).ValidOnWire() {
		t.Error("65535 is valid")
	}
}

func TestStatusCodeString(t *testing.T) {
	tests := map[StatusCode]string{
		1000: "1000 (normal closure)",
		1002: "1002 (protocol error)",
		1005: "1005 (no status received)",
		1007: "1007 (invalid payload data)",
		1015: "1015 (TLS handshake failure)",
		1004: "1004 (invalid)",
		3000: "3000 (registered)",
		4999: "4999 (private use)",
		5000: "5000 (invalid)",
		0:    "0 (invalid)",
	}
	for c, want := range tests {
		if got := c.String(); got != want {
			t.Errorf("StatusCode(%d).String() = %q, want %q", uint16(c), got, want)
		}
		// Name is the part in brackets, for pages that show it apart.
		if got, wantName := c.Name(), want[strings.IndexByte(want, '(')+1:len(want)-1]; got != wantName {
			t.Errorf("StatusCode(%d).Name() = %q, want %q", uint16(c), got, wantName)
		}
	}
	// Every code with a name says it.
	for c := StatusNormalClosure; c <= StatusTLSHandshake; c++ {
		if c != 1004 && strings.Contains(c.String(), "invalid") && c != StatusInvalidPayload {
			t.Errorf("StatusCode(%d) has no name: %s", uint16(c), c)
		}
	}
}

func closePayload(code uint16, reason string) []byte {
	return append([]byte{byte(code >> 8), byte(code)}, reason...)
}

func TestParseClosePayload(t *testing.T) {
	tests := []struct {
		name     string
		payload  []byte
		want     CloseError
		wantCode StatusCode // of the ProtocolError; 0 for none
	}{
		{"RFC6455 5.5.1 empty payload: no status", nil, CloseError{Code: StatusNoStatusReceived}, 0},
		{"RFC6455 5.5.1 1-byte payload", []byte{0x03}, CloseError{}, StatusProtocolError},
		{"RFC6455 7.4 code 1000", closePayload(1000, ""), CloseError{Code: 1000}, 0},
		{"RFC6455 7.4 code 1000 with reason", closePayload(1000, "bye"), CloseError{Code: 1000, Reason: "bye"}, 0},
		{"RFC6455 7.4.2 code 3000", closePayload(3000, "lib"), CloseError{Code: 3000, Reason: "lib"}, 0},
		{"RFC6455 7.4.2 code 4999", closePayload(4999, ""), CloseError{Code: 4999}, 0},
		{"RFC6455 5.5.1 reason of 123 bytes", closePayload(1001, strings.Repeat("x", 123)), CloseError{Code: 1001, Reason: strings.Repeat("x", 123)}, 0},
		{"RFC6455 5.5.1 UTF-8 reason", closePayload(1000, "κόσμε"), CloseError{Code: 1000, Reason: "κόσμε"}, 0},
		{"RFC6455 8.1 reason not UTF-8", closePayload(1000, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited"), CloseError{}, StatusInvalidPayload},
		{"RFC6455 8.1 reason ends inside a code point", closePayload(1000, "\xe2\x82"), CloseError{}, StatusInvalidPayload},
	}
	for _, c := range []uint16{0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535} {
		tests = append(tests, struct {
			name     string
			payload  []byte
			want     CloseError
			wantCode StatusCode
		}{fmt.Sprintf("RFC6455 7.4 invalid code %d", c), closePayload(c, ""), CloseError{}, StatusProtocolError})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseClosePayload(tc.payload)
			if tc.wantCode == 0 {
				if err != nil || got != tc.want {
					t.Fatalf("ParseClosePayload(% x) = %+v, %v; want %+v", tc.payload, got, err, tc.want)
				}
				return
			}
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Code != tc.wantCode {
				t.Fatalf("ParseClosePayload(% x) error = %v, want a ProtocolError with code %d", tc.payload, err, tc.wantCode)
			}
		})
	}
}

func TestAppendClosePayload(t *testing.T) {
	if got := AppendClosePayload([]byte("x"), StatusNoStatusReceived, "ignored"); string(got) != "x" {
		t.Errorf("1005 gives payload %q, want nothing appended", got[1:])
	}
	if got, want := AppendClosePayload(nil, StatusGoingAway, "bye"), closePayload(1001, "bye"); !bytes.Equal(got, want) {
		t.Errorf("AppendClosePayload = % x, want % x", got, want)
	}
	// Reasons of every rune width, at every offset around the cut, are
	// cut to at most 123 bytes at a code point boundary.
	for _, r := range []string{"a", "é", "€", "🙂"} {
		for pad := range 8 {
			reason := strings.Repeat("a", MaxCloseReason-pad) + strings.Repeat(r, 10)
			p := AppendClosePayload(nil, StatusNormalClosure, reason)
			if len(p) > MaxControlPayload {
				t.Fatalf("%q padded %d: payload of %d bytes", r, pad, len(p))
			}
			if len(p) < MaxControlPayload-3 {
				t.Errorf("%q padded %d: cut to %d bytes, more than one rune short", r, pad, len(p))
			}
			if !utf8.Valid(p[2:]) || !strings.HasPrefix(reason, string(p[2:])) {
				t.Fatalf("%q padded %d: reason cut to %q", r, pad, p[2:])
			}
			ce, err := ParseClosePayload(p)
			if err != nil || ce.Code != StatusNormalClosure || ce.Reason != string(p[2:]) {
				t.Fatalf("%q padded %d: round trip gave %+v, %v", r, pad, ce, err)
			}
		}
	}
	if got := AppendClosePayload(nil, 1000, strings.Repeat("x", MaxCloseReason)); len(got) != MaxControlPayload {
		t.Errorf("a reason of exactly 123 bytes gave %d bytes", len(got))
	}
}

func TestCloseErrors(t *testing.T) {
	ce := &CloseError{Code: StatusGoingAway, Reason: "bye"}
	if got, want := ce.Error(), `websocket: closed with status 1001 (going away): "bye"`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := (&CloseError{Code: 4000}).Error(), "websocket: closed with status 4000 (private use)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	wrapped := fmt.Errorf("read: %w", ce)
	if got := CloseStatus(wrapped); got != 1001 {
		t.Errorf("CloseStatus(wrapped) = %d, want 1001", got)
	}
	if got := CloseStatus(errors.New("other")); got != -1 {
		t.Errorf("CloseStatus(other) = %d, want -1", got)
	}
	if got := CloseStatus(nil); got != -1 {
		t.Errorf("CloseStatus(nil) = %d, want -1", got)
	}
	pe := &ProtocolError{Code: StatusInvalidPayload, Reason: "bad text"}
	if got, want := pe.Error(), "websocket: bad text (close 1007)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
