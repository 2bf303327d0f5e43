package protocol

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
)

// StatusCode is a close frame's status code (RFC 6455 §7.4).
type StatusCode uint16

// Status codes from RFC 6455 §7.4.1 and the IANA WebSocket Close Code
// Number Registry.
const (
	StatusNormalClosure      StatusCode = 1000
	StatusGoingAway          StatusCode = 1001
	StatusProtocolError      StatusCode = 1002
	StatusUnsupportedData    StatusCode = 1003
	StatusNoStatusReceived   StatusCode = 1005 // never sent: no code in the close frame
	StatusAbnormalClosure    StatusCode = 1006 // never sent: no close frame at all
	StatusInvalidPayload     StatusCode = 1007
	StatusPolicyViolation    StatusCode = 1008
	StatusMessageTooBig      StatusCode = 1009
	StatusMandatoryExtension StatusCode = 1010
	StatusInternalError      StatusCode = 1011
	StatusServiceRestart     StatusCode = 1012
	StatusTryAgainLater      StatusCode = 1013
	StatusBadGateway         StatusCode = 1014
	StatusTLSHandshake       StatusCode = 1015 // never sent: TLS failed
)

// Name returns the code's name in the IANA registry ("normal closure",
// "message too big", …), or the range it falls in for codes the registry
// leaves to others: "registered" (3000-3999, for libraries and
// frameworks), "private use" (4000-4999), else "invalid".
func (c StatusCode) Name() string {
	switch c {
	case StatusNormalClosure:
		return "normal closure"
	case StatusGoingAway:
		return "going away"
	case StatusProtocolError:
		return "protocol error"
	case StatusUnsupportedData:
		return "unsupported data"
	case StatusNoStatusReceived:
		return "no status received"
	case StatusAbnormalClosure:
		return "abnormal closure"
	case StatusInvalidPayload:
		return "invalid payload data"
	case StatusPolicyViolation:
		return "policy violation"
	case StatusMessageTooBig:
		return "message too big"
	case StatusMandatoryExtension:
		return "mandatory extension"
	case StatusInternalError:
		return "internal error"
	case StatusServiceRestart:
		return "service restart"
	case StatusTryAgainLater:
		return "try again later"
	case StatusBadGateway:
		return "bad gateway"
	case StatusTLSHandshake:
		return "TLS handshake failure"
	}
	switch {
	case c >= 3000 && c <= 3999:
		return "registered"
	case c >= 4000 && c <= 4999:
		return "private use"
	}
	return "invalid"
}

// String returns the code with its name, e.g. "1000 (normal closure)".
func (c StatusCode) String() string {
	return strconv.Itoa(int(c)) + " (" + c.Name() + ")"
}

// ValidOnWire reports whether c may appear in a close frame. RFC 6455
// §7.4.1 defines 1000-1003 and 1007-1011 for the wire, IANA registered
// 1012-1014 since; 1004 is reserved, and 1005, 1006 and 1015 "MUST NOT be
// set as a status code in a Close control frame by an endpoint". 3000-3999
// are registered for libraries and frameworks, 4000-4999 are private use.
// Anything below 1000 or above 4999 is not used (§7.4.2).
func (c StatusCode) ValidOnWire() bool {
	switch {
	case c >= 1000 && c <= 1003, c >= 1007 && c <= 1014:
		return true
	case c >= 3000 && c <= 4999:
		return true
	}
	return false
}

// CloseError is the close frame a peer sent, returned by reads after the
// connection has closed. Find it with errors.As, or use CloseStatus.
type CloseError struct {
	Code   StatusCode
	Reason string
}

func (e *CloseError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("websocket: closed with status %s", e.Code)
	}
	return fmt.Sprintf("websocket: closed with status %s: %q", e.Code, e.Reason)
}

// CloseStatus returns the status code of the CloseError in err's chain,
// or -1 when there is none.
func CloseStatus(err error) int {
	var ce *CloseError
	if errors.As(err, &ce) {
		return int(ce.Code)
	}
	return -1
}

// ProtocolError is a violation of RFC 6455 by the peer. Code is the close
// code the connection is failed with (RFC 6455 §7.1.7): 1002 for a
// protocol error, 1007 for invalid UTF-8, 1009 for a message over the
// limit. Rule is the section of RFC 6455 that states the rule broken
// ("5.2", "5.4", "8.1", …) and Reason says how, in words fit for a
// close frame and a frame inspector. The reader and Decoder find the
// same violations in the same words: see violation.go.
type ProtocolError struct {
	Code   StatusCode
	Rule   string
	Reason string
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("websocket: %s (close %d)", e.Reason, uint16(e.Code))
}

// violationf returns a 1002 (protocol error) ProtocolError for a rule of
// RFC 6455 §rule.
func violationf(rule, format string, args ...any) *ProtocolError {
	return &ProtocolError{Code: StatusProtocolError, Rule: rule, Reason: fmt.Sprintf(format, args...)}
}

// MaxCloseReason is the longest close reason that fits in a control
// frame after the 2-byte status code.
const MaxCloseReason = MaxControlPayload - 2

// ParseClosePayload decodes a close frame's payload (RFC 6455 §5.5.1). An
// empty payload means no status: Code is StatusNoStatusReceived. The
// error is a *ProtocolError: 1002 for a 1-byte payload or a code not
// valid on the wire, 1007 for a reason that is not UTF-8.
func ParseClosePayload(p []byte) (CloseError, error) {
	switch len(p) {
	case 0:
		return CloseError{Code: StatusNoStatusReceived}, nil
	case 1:
		return CloseError{}, violationf("5.5.1", "a close payload of 1 byte: the status code takes 2")
	}
	ce := CloseError{Code: StatusCode(binary.BigEndian.Uint16(p))}
	if !ce.Code.ValidOnWire() {
		return CloseError{}, violationf("7.4", "close status code %d may not be sent", uint16(ce.Code))
	}
	reason := p[2:]
	// RFC 6455 §5.5.1: the reason's data "is not guaranteed to be human
	// readable" but it MUST be UTF-8 (§8.1 applies to it as to text).
	if !ValidUTF8(reason) {
		return CloseError{}, &ProtocolError{Code: StatusInvalidPayload, Rule: "5.5.1", Reason: "close reason is not valid UTF-8"}
	}
	ce.Reason = string(reason)
	return ce, nil
}

// AppendClosePayload appends the payload of a close frame with code and
// reason to dst. StatusNoStatusReceived gives an empty payload; a reason
// longer than MaxCloseReason is cut at a UTF-8 boundary so the frame stays
// a valid control frame.
func AppendClosePayload(dst []byte, code StatusCode, reason string) []byte {
	if code == StatusNoStatusReceived {
		return dst
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(code))
	if len(reason) > MaxCloseReason {
		cut := MaxCloseReason
		for cut > 0 && reason[cut]&0xC0 == 0x80 { // do not split a rune
			cut--
		}
		reason = reason[:cut]
	}
	return append(dst, reason...)
}
