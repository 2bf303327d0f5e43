package main

import (
	"strings"
	"testing"
)

// -from says which side sent the frames, and so which MASK bit is wrong.
func TestDecodeFrom(t *testing.T) {
	const masked = "81 85 37 fa 21 3d 7f 9f 4d 51 58" // RFC 6455 §5.7's masked "Hello"
	const plain = "81 05 48 65 6c 6c 6f"              // and unmasked
	tests := []struct {
		name, from, hex string
		code            int
		want            []string
	}{
		{"RFC6455 5.3 a client's masked frame is right", "client", masked, exitOK,
			[]string{"frames from a client: each MUST be masked, with a fresh key (RFC 6455 §5.3)", "  masking key: 37 fa 21 3d"}},
		{"RFC6455 5.1 a client's unmasked frame is wrong", "client", plain, exitFail,
			[]string{"frames from a client: each MUST be masked, with a fresh key (RFC 6455 §5.3)", "  violates RFC 6455 §5.1: client frame is not masked"}},
		{"RFC6455 5.1 a server's masked frame is wrong", "server", masked, exitFail,
			[]string{"frames from a server: none may be masked (RFC 6455 §5.1)", "  violates RFC 6455 §5.1: server frame is masked"}},
		{"RFC6455 5.1 a server's unmasked frame is right", "server", plain, exitOK,
			[]string{"frames from a server: none may be masked (RFC 6455 §5.1)", `  payload: 48 65 6c 6c 6f   "Hello"`}},
		{"either is accepted without -from", "", masked + " " + plain, exitOK, []string{"frame 2 (7 bytes at offset 11)"}},
		{"RFC6455 5.5.1 data after a close", "server", "88 02 03 e8 81 01 61", exitFail,
			[]string{"frame 2 (3 bytes at offset 4)", "  violates RFC 6455 §5.5.1: a text frame after the close frame: no data may follow a close"}},
		{"RFC6455 5.5.1 a control frame after a close is not flagged", "server", "88 00 8a 00", exitOK, []string{"frame 2 (2 bytes at offset 2)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{tt.hex}
			if tt.from != "" {
				args = []string{"-from", tt.from, tt.hex}
			}
			code, stdout, stderr := runDecodeCLI(t, "", args...)
			if code != tt.code {
				t.Errorf("status %d, want %d; stderr %q\n%s", code, tt.code, stderr, stdout)
			}
			wantLines(t, stdout, tt.want...)
			if tt.from == "" && strings.Contains(stdout, "frames from a") {
				t.Errorf("without -from, decode names a sender:\n%s", stdout)
			}
		})
	}
	if code, _, stderr := runDecodeCLI(t, "", "-from", "proxy", plain); code != exitUsage || !strings.Contains(stderr, "-from must be client or server") {
		t.Errorf("-from proxy: status %d, stderr %q; want usage, exit 2", code, stderr)
	}
}
