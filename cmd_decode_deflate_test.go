package main

import (
	"encoding/hex"
	"strings"
	"testing"

	"wiretalk/protocol"
)

// hexFrame encodes a frame as decode's input: masked with a fixed key
// when masked is set.
func hexFrame(fin, rsv1 bool, op protocol.Opcode, masked bool, p []byte) string {
	h := protocol.Header{Fin: fin, Rsv1: rsv1, Opcode: op, Masked: masked, Key: [4]byte{1, 2, 3, 4}, Length: int64(len(p))}
	b := protocol.AppendHeader(nil, h)
	q := append([]byte(nil), p...)
	if masked {
		protocol.Mask(q, h.Key, 0)
	}
	return hex.EncodeToString(append(b, q...)) + " "
}

var (
	decHello = []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00} // RFC 7692 §7.2.3.1
	decAgain = []byte{0xf2, 0x00, 0x11, 0x00, 0x00}             // §7.2.3.2
)

func TestDecodeDeflate(t *testing.T) {
	tests := []struct {
		name  string
		input string
		code  int
		lines []string
		not   []string
	}{
		{"RFC7692 7.2.3.1 and 7.2.3.2: Hello, then Hello again from the window",
			hexFrame(true, true, protocol.OpText, false, decHello) + hexFrame(true, true, protocol.OpText, false, decAgain), exitOK,
			[]string{"  RSV1=1: the message is compressed (permessage-deflate)", "  inflated: 5 bytes, 0.71 times the compressed size", `  message: "Hello"`,
				"frame 2 (7 bytes at offset 9)", `  message: "Hello"`}, []string{"violates"}},
		{"RFC7692 7.2.3.1 in fragments from a client, masked",
			hexFrame(false, true, protocol.OpText, true, decHello[:3]) + hexFrame(true, false, protocol.OpContinuation, true, decHello[3:]), exitOK,
			[]string{"  starts a fragmented text message (FIN=0)", "  RSV1=1: the message is compressed (permessage-deflate)",
				"  compressed message: 7 bytes; the receiver appends the stripped 00 00 ff ff and inflates", `  message: "Hello"`},
			[]string{"violates", "text is valid UTF-8"}},
		{"each direction has its own window", hexFrame(true, true, protocol.OpText, true, decHello) + hexFrame(true, true, protocol.OpText, false, decAgain), exitFail,
			[]string{"  violates RFC 6455 §7.4.1: the compressed message does not inflate"}, nil},
		{"RSV1 on a continuation", hexFrame(false, true, protocol.OpText, false, decHello[:3]) + hexFrame(true, true, protocol.OpContinuation, false, decHello[3:]), exitFail,
			[]string{"  violates RFC 6455 §5.2: RSV1 (compressed) set on a continuation frame"}, nil},
		{"RSV1 on a ping", hexFrame(true, true, protocol.OpPing, false, nil), exitFail,
			[]string{"  violates RFC 6455 §5.2: RSV1 (compressed) set on a ping frame"}, nil},
		{"RSV2 is still reserved", hexFrame(true, false, protocol.OpText, false, []byte("x"))[:0] + "a1 01 78", exitFail,
			[]string{"  violates RFC 6455 §5.2: RSV bits 010 set"}, nil},
		{"inflated text that is not UTF-8", hexFrame(true, true, protocol.OpText, false, []byte{0x00, 0x02, 0x00, 0xfd, 0xff, 0xff, 0xfe, 0x00}), exitFail,
			[]string{"  message (hex): ff fe", "  violates RFC 6455 §8.1: the inflated text is not valid UTF-8"}, nil},
		{"an uncompressed message between compressed ones", hexFrame(true, false, protocol.OpText, false, []byte("plain")), exitOK,
			[]string{`  payload: 70 6c 61 69 6e   "plain"`, "  text is valid UTF-8"}, []string{"RSV1=1:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runDecodeCLI(t, "", "-deflate", tt.input)
			if code != tt.code {
				t.Errorf("status %d, want %d; stderr %q", code, tt.code, stderr)
			}
			rest := stdout
			for _, w := range tt.lines {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("output lacks %q (or has it out of order):\n%s", w, stdout)
				}
				rest = rest[i+len(w):]
			}
			for _, n := range tt.not {
				if strings.Contains(stdout, n) {
					t.Errorf("output has %q:\n%s", n, stdout)
				}
			}
		})
	}
	// Without -deflate, RSV1 breaks RFC 6455 §5.2 and nothing is inflated.
	code, stdout, _ := runDecodeCLI(t, "", hexFrame(true, true, protocol.OpText, false, decHello))
	if code != exitFail || !strings.Contains(stdout, "RSV bits 100 set") || strings.Contains(stdout, "inflated") {
		t.Errorf("without -deflate: status %d\n%s", code, stdout)
	}
}
