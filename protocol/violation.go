package protocol

import "fmt"

// The rules that span the frames of a message, as errors. Conn's reader
// and Decoder both judge frames with these (and with Header.Check and
// ParseClosePayload), so that a connection, the frame inspector and
// "wiretalk decode" name the same violation in the same words.

// errLoneContinuation is the answer to a continuation frame when no
// fragmented message is open.
var errLoneContinuation = violationf("5.4", "a continuation frame, but no fragmented message is open")

// errTextEndsInCodePoint is the answer to a text message whose last frame
// ends in the middle of a code point.
var errTextEndsInCodePoint = &ProtocolError{Code: StatusInvalidPayload, Rule: "8.1",
	Reason: "text is not valid UTF-8: the message ends inside a code point"}

// fragmentRule checks that data frame h may come next when a fragmented
// message of type msgOp is open (or none is, when !open).
//
// RFC 6455 §5.4: a fragmented message is one frame with FIN clear and an
// opcode, then continuation frames, the last with FIN set; "The fragments
// of one message MUST NOT be interleaved between the fragments of another
// message".
func fragmentRule(h Header, open bool, msgOp Opcode) error {
	if h.Opcode == OpContinuation {
		if !open {
			return errLoneContinuation
		}
		return nil
	}
	if open {
		return violationf("5.4", "a new %s message starts before the fragmented %s message has ended", h.Opcode, msgOp)
	}
	return nil
}

// messageOf returns the type of the message that data frame h belongs to
// when a fragmented message of type msgOp is open (or none is): a text or
// binary frame's own opcode, the open message's for a continuation, and 0
// for a continuation with nothing to continue or a frame that is not
// data.
func messageOf(h Header, open bool, msgOp Opcode) Opcode {
	switch h.Opcode {
	case OpText, OpBinary:
		return h.Opcode
	case OpContinuation:
		if open {
			return msgOp
		}
	}
	return 0
}

// invalidUTF8 says where text went wrong: v is the validator of the
// message as it was before p, the bytes at offset off of the frame's
// payload that it rejected. RFC 6455 §8.1: an endpoint that finds a text
// message is not valid UTF-8 "MUST _Fail the WebSocket Connection_"
// (close 1007).
func invalidUTF8(v UTF8Validator, p []byte, off int64) *ProtocolError {
	at := 0
	for at < len(p) && v.Write(p[at:at+1]) {
		at++
	}
	if at == len(p) {
		return errTextEndsInCodePoint
	}
	return &ProtocolError{Code: StatusInvalidPayload, Rule: "8.1",
		Reason: fmt.Sprintf("text is not valid UTF-8: payload byte %d (%#02x) cannot follow the bytes before it", off+int64(at), p[at])}
}

// tooBig is the answer to a message over the read limit. RFC 6455 §10.4:
// an implementation "MUST protect itself against exceeding" its limits;
// §7.4.1 gives 1009 for a message "too big for it to process".
func tooBig(format string, args ...any) *ProtocolError {
	return &ProtocolError{Code: StatusMessageTooBig, Rule: "10.4", Reason: fmt.Sprintf(format, args...)}
}
