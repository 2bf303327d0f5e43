package protocol

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// firstViolation returns the first *ProtocolError in err's tree.
func firstViolation(err error) *ProtocolError {
	var pe *ProtocolError
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}

// decodeAll decodes every frame of b, stopping at the first incomplete
// one, which is returned too.
func decodeAll(d *Decoder, b []byte) []Frame {
	var out []Frame
	for len(b) > 0 {
		f, n, err := d.Decode(b)
		if err != nil {
			if !errors.Is(err, ErrShortHeader) {
				out = append(out, f)
			}
			return out
		}
		out = append(out, f)
		b = b[n:]
	}
	return out
}

func TestDecoderViolations(t *testing.T) {
	tests := []struct {
		name string
		d    Decoder
		in   []byte
		want []string // per frame, its violations as "§rule reason (close code)", joined by "; "
		msgs []Opcode // per frame, Frame.Message
	}{
		{"RFC6455 5.7 fragmented text is followed", Decoder{Role: RoleClient},
			[]byte{0x01, 0x03, 'H', 'e', 'l', 0x80, 0x02, 'l', 'o'}, []string{"", ""}, []Opcode{OpText, OpText}},
		{"RFC6455 5.4 ping between fragments belongs to no message", Decoder{},
			bytes.Join([][]byte{cf(false, OpBinary, "a"), cf(true, OpPing, ""), cf(true, OpContinuation, "b")}, nil),
			[]string{"", "", ""}, []Opcode{OpBinary, 0, OpBinary}},
		{"RFC6455 5.2 several rules of one header are all reported", Decoder{},
			rawFrame(Header{Rsv1: true, Opcode: 0xB, Length: 200}, strings.Repeat("x", 200)),
			[]string{"§5.2 RSV bits 100 set, but no extension was negotiated that defines them (close 1002); " +
				"§5.2 opcode 0xB is reserved: the receiver MUST fail the connection (close 1002); " +
				"§5.1 client frame is not masked (close 1002); " +
				"§5.5 control frames MUST NOT be fragmented, but FIN=0 (close 1002); " +
				"§5.5 control frames MUST have a payload of 125 bytes or less, not 200 (close 1002)"}, []Opcode{0}},
		{"RFC6455 5.1 any mask is accepted when the sender is not known", Decoder{AnyMask: true},
			append(sf(true, OpText, "a"), cf(true, OpText, "b")...), []string{"", ""}, []Opcode{OpText, OpText}},
		{"RFC6455 5.4 a message interrupting another starts afresh", Decoder{},
			bytes.Join([][]byte{cf(false, OpText, "a"), cf(false, OpBinary, "\xff"), cf(true, OpContinuation, "\xfe")}, nil),
			[]string{"", "§5.4 a new binary message starts before the fragmented text message has ended (close 1002)", ""},
			[]Opcode{OpText, OpBinary, OpBinary}},
		{"RFC6455 5.4 lone continuation", Decoder{}, cf(true, OpContinuation, "x"),
			[]string{"§5.4 a continuation frame, but no fragmented message is open (close 1002)"}, []Opcode{0}},
		{"RFC6455 8.1 the bad byte is named, once per message", Decoder{},
			bytes.Join([][]byte{cf(false, OpText, "A\xed\xa0"), cf(true, OpContinuation, "\xff")}, nil),
			[]string{"§8.1 text is not valid UTF-8: payload byte 2 (0xa0) cannot follow the bytes before it (close 1007)", ""},
			[]Opcode{OpText, OpText}},
		{"RFC6455 8.1 text ending inside a code point", Decoder{}, cf(true, OpText, "\xe2\x82"),
			[]string{"§8.1 text is not valid UTF-8: the message ends inside a code point (close 1007)"}, []Opcode{OpText}},
		{"RFC6455 5.5.1 close reason not UTF-8", Decoder{}, closeFrame(1000, "\xff"),
			[]string{"§5.5.1 close reason is not valid UTF-8 (close 1007)"}, []Opcode{0}},
		{"RFC6455 7.4 close code 1005 may not be sent", Decoder{}, closeFrame(1005, ""),
			[]string{"§7.4 close status code 1005 may not be sent (close 1002)"}, []Opcode{0}},
		{"RFC6455 5.5.1 data after a close is reported, control frames are not", Decoder{},
			bytes.Join([][]byte{closeFrame(1000, ""), cf(true, OpPing, ""), cf(true, OpText, "late")}, nil),
			[]string{"", "", "§5.5.1 a text frame after the close frame: no data may follow a close (close 1002)"}, []Opcode{0, 0, OpText}},
		{"RFC6455 5.2 non-minimal length is reported and read past", Decoder{AnyMask: true},
			[]byte{0x81, 0x7e, 0x00, 0x01, 'a', 0x81, 0x00},
			[]string{"§5.2 16-bit payload length 1 is not minimal: it fits in 7 bits (close 1002)", ""}, []Opcode{OpText, OpText}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frames := decodeAll(&tt.d, tt.in)
			var got []string
			var msgs []Opcode
			for _, f := range frames {
				var vs []string
				for _, e := range joined(f.Err) {
					pe := firstViolation(e)
					vs = append(vs, fmt.Sprintf("§%s %s (close %d)", pe.Rule, pe.Reason, uint16(pe.Code)))
				}
				got = append(got, strings.Join(vs, "; "))
				msgs = append(msgs, f.Message)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("violations\n got %q\nwant %q", got, tt.want)
			}
			if fmt.Sprint(msgs) != fmt.Sprint(tt.msgs) {
				t.Errorf("messages %v, want %v", msgs, tt.msgs)
			}
		})
	}
}

// joined returns the errors errors.Join joined, or err alone.
func joined(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestDecoderIncompleteFrames(t *testing.T) {
	var d Decoder
	if _, n, err := d.Decode([]byte{0x81, 0xfe, 0x00}); !errors.Is(err, ErrShortHeader) || n != 0 {
		t.Errorf("header cut short: n %d, err %v; want ErrShortHeader", n, err)
	}
	f, n, err := d.Decode([]byte{0x09, 0x85, 1, 2, 3, 4, 'a'})
	if !errors.Is(err, ErrShortFrame) || n != 6 || f.Payload != nil || firstViolation(f.Err) == nil {
		t.Errorf("payload cut short: n %d, err %v, frame %+v; want ErrShortFrame with the header's violation", n, err, f)
	}
	f, n, err = d.Decode([]byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5})
	if !errors.Is(err, ErrLengthUnknown) || n != 14 || !strings.Contains(fmt.Sprint(f.Err), "most significant bit") {
		t.Errorf("unknown length: n %d, err %v, frame err %v", n, err, f.Err)
	}
	// A cut-short frame leaves the message as it was.
	d = Decoder{}
	d.Decode(cf(false, OpText, "a"))
	d.Decode(cf(true, OpContinuation, "bcd")[:7])
	if d.Open() != OpText {
		t.Errorf("Open() = %v after a cut-short continuation, want text", d.Open())
	}
}

// FuzzDecoderMatchesReader feeds the same bytes to a Conn, as the peer's
// side of the connection, and to a Decoder: every frame the Conn's
// observer sees must be the Decoder's frame at the same place, belonging
// to the same message, and the violation the Conn fails with must be the
// first the Decoder finds in that frame, in the same words; a frame the
// Conn accepts, the Decoder must accept. So the inspector and "wiretalk
// decode" never tell a different story from the connection.
func FuzzDecoderMatchesReader(f *testing.F) {
	for _, tc := range readCases {
		if tc.limit == 0 {
			f.Add(bytes.Join(tc.in, nil), tc.role == RoleClient)
		}
	}
	for _, tc := range conformanceCases() {
		if in := bytes.Join(tc.send, nil); len(in) <= 1024 && tc.limit == 0 {
			f.Add(in, false)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, client bool) {
		role := RoleServer
		if client {
			role = RoleClient
		}
		var log frameLog
		c, wait := peerSends(data, connConfig{role: role, closeTimeout: 50 * time.Millisecond, observer: &log})
		defer wait()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var readErr error
		for readErr == nil {
			var r io.Reader
			if _, r, readErr = c.Reader(ctx); readErr == nil {
				_, readErr = io.Copy(io.Discard, r)
			}
		}
		if errors.Is(readErr, context.DeadlineExceeded) {
			t.Fatalf("reads hung on %q", data)
		}
		c.CloseNow()

		d := Decoder{Role: role}
		decoded := decodeAll(&d, data)
		seen := log.get(Inbound)
		if len(seen) > len(decoded) {
			t.Fatalf("the Conn saw %d frames, the Decoder %d", len(seen), len(decoded))
		}
		for i, fc := range seen {
			fd := decoded[i]
			if fc.Header != fd.Header {
				t.Fatalf("frame %d: Conn saw %v, Decoder %v", i, fc.Header, fd.Header)
			}
			if fd.Payload != nil && fc.Message != fd.Message {
				t.Errorf("frame %d (%v): Conn says message %v, Decoder %v", i, fc.Header, fc.Message, fd.Message)
			}
			pc, pd := firstViolation(fc.Err), firstViolation(fd.Err)
			if fd.Payload == nil && fd.Header.Length > 0 {
				// Cut short: the Decoder judges the header alone, the
				// Conn may have found bad text in what did arrive.
				if pd != nil && (pc == nil || *pc != *pd) {
					t.Errorf("frame %d (%v), cut short: the Conn failed with %+v, the Decoder says %+v", i, fc.Header, pc, pd)
				}
				continue
			}
			switch {
			case pc == nil && fc.Err != nil:
				t.Errorf("frame %d: Conn's Err %v is not a *ProtocolError", i, fc.Err)
			case pc == nil && pd != nil && i < len(seen)-1:
				t.Errorf("frame %d (%v): the Conn read on, the Decoder says %v", i, fc.Header, pd)
			case pc != nil && (pd == nil || *pc != *pd):
				t.Errorf("frame %d (%v): the Conn failed with %+v, the Decoder says %+v", i, fc.Header, pc, pd)
			}
		}
		var pe *ProtocolError
		if errors.As(readErr, &pe) && (len(seen) == 0 || firstViolation(seen[len(seen)-1].Err) != pe) {
			t.Errorf("reads failed with %v, but the observer was not shown it with the frame", pe)
		}
	})
}
