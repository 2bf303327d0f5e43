package protocol

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// The conformance table follows the sections of the Autobahn TestSuite's
// fuzzingclient (1 framing, 2 pings and pongs, 3 reserved bits, 4
// opcodes, 5 fragmentation, 6 UTF-8, 7 close handling, 9 large messages),
// case numbers included, so the coverage can be compared. A raw client
// sends exact bytes to an echo handler over a real handshake and TCP, and
// the test asserts exactly what comes back: the frames, byte for byte
// (close frames by their code), then the server closing TCP.
//
// Where Autobahn waits between chops to see whether the server fails
// fast, a case here stops sending at the bad byte and keeps the
// connection open: the server must fail on what it has.

// echoHandler echoes every message as one message of the same type.
func echoHandler(opts *AcceptOptions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := Accept(w, r, opts)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := context.Background()
		for {
			op, p, err := c.Read(ctx)
			if err != nil {
				return
			}
			if err := c.Write(ctx, op, p); err != nil {
				return
			}
		}
	})
}

// expect is a frame the server must send: a data or control frame whose
// bytes must match exactly, or a close frame with a code.
type expect struct {
	op      Opcode
	payload []byte
	code    StatusCode // for OpClose
}

func echoText(s string) expect   { return expect{op: OpText, payload: []byte(s)} }
func echoBinary(b []byte) expect { return expect{op: OpBinary, payload: b} }
func pong(s string) expect       { return expect{op: OpPong, payload: []byte(s)} }
func closeWith(c StatusCode) expect {
	return expect{op: OpClose, code: c}
}

type conformanceCase struct {
	id, name string
	send     [][]byte // client frames, masked
	chop     int      // write the bytes in pieces of this size; 0: one write per frame
	stop     bool     // send nothing after send, not even a close: the server must act on what it has
	limit    int64
	want     []expect
}

// c5 builds a masked client frame with any header bits.
func c5(fin bool, rsv byte, op Opcode, p []byte) []byte {
	h := Header{Fin: fin, Rsv1: rsv&4 != 0, Rsv2: rsv&2 != 0, Rsv3: rsv&1 != 0, Opcode: op, Masked: true, Key: [4]byte{0x5a, 0x11, 0xc3, 0x77}, Length: int64(len(p))}
	b := AppendHeader(nil, h)
	q := append([]byte(nil), p...)
	Mask(q, h.Key, 0)
	return append(b, q...)
}

func text(s string) []byte { return c5(true, 0, OpText, []byte(s)) }
func closeCase(code int, reason string) []byte {
	return c5(true, 0, OpClose, append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...))
}

func unhexStr(s string) string {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return string(b)
}

func conformanceCases() []conformanceCase {
	var cases []conformanceCase
	add := func(c ...conformanceCase) { cases = append(cases, c...) }

	// 1 Framing: text and binary messages of the lengths around each
	// length encoding's limits.
	lengths := []int{0, 125, 126, 127, 128, 65535, 65536}
	for i, n := range lengths {
		p := strings.Repeat("*", n)
		add(conformanceCase{id: fmt.Sprintf("1.1.%d", i+1), name: fmt.Sprintf("text of %d bytes is echoed", n), send: [][]byte{text(p)}, want: []expect{echoText(p)}})
		b := bytes.Repeat([]byte{0xfe}, n)
		add(conformanceCase{id: fmt.Sprintf("1.2.%d", i+1), name: fmt.Sprintf("binary of %d bytes is echoed", n),
			send: [][]byte{c5(true, 0, OpBinary, b)}, want: []expect{echoBinary(b)}})
	}
	p64k := strings.Repeat("*", 65536)
	add(conformanceCase{id: "1.1.8", name: "text of 65536 bytes in chops of 997 is echoed", send: [][]byte{text(p64k)}, chop: 997, want: []expect{echoText(p64k)}},
		conformanceCase{id: "1.2.8", name: "binary of 65536 bytes in chops of 997 is echoed", send: [][]byte{c5(true, 0, OpBinary, []byte(p64k))}, chop: 997, want: []expect{echoBinary([]byte(p64k))}})

	// 2 Pings and pongs.
	binPing := "\x00\xff\xfe\xfd\xfc\xfb\x00\xff"
	p125 := strings.Repeat("\xfe", 125)
	tenPings := func() [][]byte {
		var f [][]byte
		for i := 0; i < 10; i++ {
			f = append(f, c5(true, 0, OpPing, []byte("payload-"+fmt.Sprint(i))))
		}
		return f
	}
	tenPongs := func() []expect {
		var w []expect
		for i := 0; i < 10; i++ {
			w = append(w, pong("payload-"+fmt.Sprint(i)))
		}
		return w
	}
	add(
		conformanceCase{id: "2.1", name: "ping without payload gets a pong", send: [][]byte{c5(true, 0, OpPing, nil)}, want: []expect{pong("")}},
		conformanceCase{id: "2.2", name: "ping with a text payload gets the same pong", send: [][]byte{c5(true, 0, OpPing, []byte("Hello, world!"))}, want: []expect{pong("Hello, world!")}},
		conformanceCase{id: "2.3", name: "ping with a binary payload gets the same pong", send: [][]byte{c5(true, 0, OpPing, []byte(binPing))}, want: []expect{pong(binPing)}},
		conformanceCase{id: "2.4", name: "ping of 125 bytes gets the same pong", send: [][]byte{c5(true, 0, OpPing, []byte(p125))}, want: []expect{pong(p125)}},
		conformanceCase{id: "2.5", name: "ping of 126 bytes fails with 1002", send: [][]byte{c5(true, 0, OpPing, []byte(p125+"x"))}, want: []expect{closeWith(1002)}},
		conformanceCase{id: "2.6", name: "ping of 125 bytes in 1-byte chops gets the same pong", send: [][]byte{c5(true, 0, OpPing, []byte(p125))}, chop: 1, want: []expect{pong(p125)}},
		conformanceCase{id: "2.7", name: "unsolicited pong without payload is ignored", send: [][]byte{c5(true, 0, OpPong, nil)}},
		conformanceCase{id: "2.8", name: "unsolicited pong with payload is ignored", send: [][]byte{c5(true, 0, OpPong, []byte("unsolicited pong payload"))}},
		conformanceCase{id: "2.9", name: "unsolicited pong then ping: only the ping is answered",
			send: [][]byte{c5(true, 0, OpPong, []byte("unsolicited pong payload")), c5(true, 0, OpPing, []byte("ping payload"))}, want: []expect{pong("ping payload")}},
		conformanceCase{id: "2.10", name: "ten pings get ten pongs in order", send: tenPings(), want: tenPongs()},
		conformanceCase{id: "2.11", name: "ten pings in 1-byte chops get ten pongs in order", send: tenPings(), chop: 1, want: tenPongs()},
	)

	// 3 Reserved bits: RFC 6455 §5.2, no extension negotiated.
	hello := "Hello, world!"
	add(
		conformanceCase{id: "3.1", name: "text with RSV1 fails with 1002", send: [][]byte{c5(true, 4, OpText, []byte(hello))}, want: []expect{closeWith(1002)}},
		conformanceCase{id: "3.2", name: "text, text with RSV2, ping: echo then 1002", send: [][]byte{text(hello), c5(true, 2, OpText, []byte(hello)), c5(true, 0, OpPing, nil)},
			want: []expect{echoText(hello), closeWith(1002)}},
		conformanceCase{id: "3.3", name: "text, text with RSV1+RSV2, ping, in chops: echo then 1002", send: [][]byte{text(hello), c5(true, 6, OpText, []byte(hello)), c5(true, 0, OpPing, nil)},
			chop: 1, want: []expect{echoText(hello), closeWith(1002)}},
		conformanceCase{id: "3.4", name: "text, text with RSV3, ping, in 1-byte chops: echo then 1002", send: [][]byte{text(hello), c5(true, 1, OpText, []byte(hello)), c5(true, 0, OpPing, nil)},
			chop: 1, want: []expect{echoText(hello), closeWith(1002)}},
		conformanceCase{id: "3.5", name: "binary with RSV1+RSV3 fails with 1002", send: [][]byte{c5(true, 5, OpBinary, []byte{0, 1, 2})}, want: []expect{closeWith(1002)}},
		conformanceCase{id: "3.6", name: "ping with RSV2+RSV3 fails with 1002", send: [][]byte{c5(true, 3, OpPing, []byte(hello))}, want: []expect{closeWith(1002)}},
		conformanceCase{id: "3.7", name: "close with all RSV bits fails with 1002", send: [][]byte{c5(true, 7, OpClose, nil)}, want: []expect{closeWith(1002)}},
	)

	// 4 Opcodes: RFC 6455 §5.2, an unknown opcode fails the connection.
	for i, op := range []Opcode{3, 4, 5, 6, 7} {
		add(reservedOpcodeCase(fmt.Sprintf("4.1.%d", i+1), op, i))
	}
	for i, op := range []Opcode{11, 12, 13, 14, 15} {
		add(reservedOpcodeCase(fmt.Sprintf("4.2.%d", i+1), op, i))
	}

	// 5 Fragmentation: RFC 6455 §5.4.
	f1, f2 := []byte("fragment1"), []byte("fragment2")
	cont := func(fin bool, p []byte) []byte { return c5(fin, 0, OpContinuation, p) }
	for _, chop := range []int{0, 1} {
		add(conformanceCase{id: "5.1", name: fmt.Sprintf("ping in two fragments fails with 1002 (chops %d)", chop),
			send: [][]byte{c5(false, 0, OpPing, f1), cont(true, f2)}, chop: chop, want: []expect{closeWith(1002)}})
		add(conformanceCase{id: "5.2", name: fmt.Sprintf("pong in two fragments fails with 1002 (chops %d)", chop),
			send: [][]byte{c5(false, 0, OpPong, f1), cont(true, f2)}, chop: chop, want: []expect{closeWith(1002)}})
	}
	frags := [][]byte{c5(false, 0, OpText, f1), cont(true, f2)}
	withPing := [][]byte{c5(false, 0, OpText, f1), c5(true, 0, OpPing, []byte("ping payload")), cont(true, f2)}
	add(
		conformanceCase{id: "5.3", name: "text in two fragments is echoed whole", send: frags, want: []expect{echoText("fragment1fragment2")}},
		conformanceCase{id: "5.4", name: "text in two fragments, in 1-byte chops, is echoed whole", send: frags, chop: 1, want: []expect{echoText("fragment1fragment2")}},
		conformanceCase{id: "5.5", name: "text in two fragments, in 3-byte chops, is echoed whole", send: frags, chop: 3, want: []expect{echoText("fragment1fragment2")}},
		conformanceCase{id: "5.6", name: "ping between two text fragments is answered first", send: withPing, want: []expect{pong("ping payload"), echoText("fragment1fragment2")}},
		conformanceCase{id: "5.7", name: "ping between two text fragments, in 1-byte chops", send: withPing, chop: 1, want: []expect{pong("ping payload"), echoText("fragment1fragment2")}},
		conformanceCase{id: "5.8", name: "ping between two text fragments, in 5-byte chops", send: withPing, chop: 5, want: []expect{pong("ping payload"), echoText("fragment1fragment2")}},
	)
	nothingToContinue := func(fin bool) [][]byte {
		return [][]byte{cont(fin, []byte("non-continuation payload")), text("Hello, world!")}
	}
	for i, chop := range []int{0, 1, 7} {
		add(conformanceCase{id: fmt.Sprintf("5.%d", 9+i), name: fmt.Sprintf("final continuation with nothing to continue fails with 1002 (chops %d)", chop),
			send: nothingToContinue(true), chop: chop, want: []expect{closeWith(1002)}})
		add(conformanceCase{id: fmt.Sprintf("5.%d", 12+i), name: fmt.Sprintf("unfinished continuation with nothing to continue fails with 1002 (chops %d)", chop),
			send: nothingToContinue(false), chop: chop, want: []expect{closeWith(1002)}})
	}
	add(
		conformanceCase{id: "5.15", name: "message, then a continuation and a new text: echo then 1002",
			send: [][]byte{c5(false, 0, OpText, []byte("fragment1")), cont(true, []byte("fragment2")), cont(false, []byte("fragment3")), text("fragment4")},
			want: []expect{echoText("fragment1fragment2"), closeWith(1002)}},
		conformanceCase{id: "5.16", name: "unfinished continuation first fails with 1002",
			send: [][]byte{cont(false, []byte("fragment1")), c5(false, 0, OpText, []byte("fragment2")), cont(true, []byte("fragment3"))}, want: []expect{closeWith(1002)}},
		conformanceCase{id: "5.17", name: "final continuation first fails with 1002",
			send: [][]byte{cont(true, []byte("fragment1")), c5(false, 0, OpText, []byte("fragment2")), cont(true, []byte("fragment3"))}, want: []expect{closeWith(1002)}},
		conformanceCase{id: "5.18", name: "text fragment followed by a new text fails with 1002",
			send: [][]byte{c5(false, 0, OpText, []byte("fragment1")), text("fragment2")}, want: []expect{closeWith(1002)}},
	)
	fivePieces := [][]byte{
		c5(false, 0, OpText, []byte("fragment1")), cont(false, []byte("fragment2")), c5(true, 0, OpPing, []byte("pongme 1!")),
		cont(false, []byte("fragment3")), cont(false, []byte("fragment4")), c5(true, 0, OpPing, []byte("pongme 2!")), cont(true, []byte("fragment5")),
	}
	fiveWant := []expect{pong("pongme 1!"), pong("pongme 2!"), echoText("fragment1fragment2fragment3fragment4fragment5")}
	add(
		conformanceCase{id: "5.19", name: "five fragments with two pings between them", send: fivePieces, want: fiveWant},
		conformanceCase{id: "5.20", name: "five fragments with two pings between them, in 1-byte chops", send: fivePieces, chop: 1, want: fiveWant},
	)

	// 6 UTF-8: RFC 6455 §8.1, and failing fast.
	add(
		conformanceCase{id: "6.1.1", name: "empty text is echoed", send: [][]byte{text("")}, want: []expect{echoText("")}},
		conformanceCase{id: "6.1.2", name: "three empty fragments are echoed as empty text",
			send: [][]byte{c5(false, 0, OpText, nil), cont(false, nil), cont(true, nil)}, want: []expect{echoText("")}},
		conformanceCase{id: "6.1.3", name: "empty fragments around a middle one",
			send: [][]byte{c5(false, 0, OpText, nil), cont(false, []byte("middle frame payload")), cont(true, nil)}, want: []expect{echoText("middle frame payload")}},
	)
	mixed := "Hello-µ@ßöäüàá-UTF-8!!"
	add(
		conformanceCase{id: "6.2.1", name: "valid UTF-8 in one frame is echoed", send: [][]byte{text(mixed)}, want: []expect{echoText(mixed)}},
		conformanceCase{id: "6.2.2", name: "valid UTF-8 in fragments split at code points", send: splitFragments(mixed, runeBoundaries(mixed)), want: []expect{echoText(mixed)}},
		conformanceCase{id: "6.2.3", name: "valid UTF-8 in 1-byte fragments, split inside code points", send: splitFragments(mixed, 1), want: []expect{echoText(mixed)}},
		conformanceCase{id: "6.2.4", name: "κόσμε in 1-byte fragments", send: splitFragments("κόσμε", 1), want: []expect{echoText("κόσμε")}},
	)
	badKosme := unhexStr("cebae1bdb9cf83cebcceb5eda080656469746564") // κόσμε-edited with a surrogate
	add(
		conformanceCase{id: "6.3.1", name: "invalid UTF-8 (a surrogate) in one frame fails with 1007", send: [][]byte{text(badKosme)}, want: []expect{closeWith(1007)}},
		conformanceCase{id: "6.3.2", name: "invalid UTF-8 in 1-byte fragments fails with 1007", send: splitFragments(badKosme, 1), want: []expect{closeWith(1007)}},
	)
	kosme := "κόσμε"
	add(
		conformanceCase{id: "6.4.1", name: "fail fast: invalid code point in the second fragment, the third never sent",
			send: [][]byte{c5(false, 0, OpText, []byte(kosme)), cont(false, []byte(unhexStr("f4908080")))}, stop: true, want: []expect{closeWith(1007)}},
		conformanceCase{id: "6.4.2", name: "fail fast: F4 90 is already invalid, the rest never sent",
			send: [][]byte{c5(false, 0, OpText, []byte(kosme+unhexStr("f490")))}, stop: true, want: []expect{closeWith(1007)}},
		conformanceCase{id: "6.4.3", name: "fail fast: invalid bytes inside one frame whose end never comes",
			send: [][]byte{partialFrame(kosme+unhexStr("f4908080")+"edited", len(kosme)+4)}, stop: true, want: []expect{closeWith(1007)}},
		conformanceCase{id: "6.4.4", name: "fail fast: F4 90 inside one frame whose end never comes",
			send: [][]byte{partialFrame(kosme+unhexStr("f4908080")+"edited", len(kosme)+2)}, stop: true, want: []expect{closeWith(1007)}},
	)
	for i := 1; i <= len(kosme); i++ {
		p := kosme[:i]
		c := conformanceCase{id: fmt.Sprintf("6.6.%d", i), send: [][]byte{text(p)}}
		if utf8.ValidString(p) {
			c.name, c.want = fmt.Sprintf("κόσμε cut at %d bytes, at a code point, is echoed", i), []expect{echoText(p)}
		} else {
			c.name, c.want = fmt.Sprintf("κόσμε cut at %d bytes, inside a code point, fails with 1007", i), []expect{closeWith(1007)}
		}
		add(c)
	}
	utf8Table := []struct {
		id, name, hex string
		valid         bool
	}{
		{"6.7.1", "first 1-byte sequence U+0000", "00", true},
		{"6.7.2", "first 2-byte sequence U+0080", "c280", true},
		{"6.7.3", "first 3-byte sequence U+0800", "e0a080", true},
		{"6.7.4", "first 4-byte sequence U+10000", "f0908080", true},
		{"6.8.1", "5-byte sequence", "f888808080", false},
		{"6.8.2", "6-byte sequence", "fc8480808080", false},
		{"6.9.1", "last 1-byte sequence U+007F", "7f", true},
		{"6.9.2", "last 2-byte sequence U+07FF", "dfbf", true},
		{"6.9.3", "last 3-byte sequence U+FFFF", "efbfbf", true},
		{"6.9.4", "last 4-byte sequence U+10FFFF", "f48fbfbf", true},
		{"6.10.1", "4-byte sequence above U+10FFFF", "f7bfbfbf", false},
		{"6.10.2", "5-byte sequence U+3FFFFFF", "fbbfbfbfbf", false},
		{"6.10.3", "6-byte sequence U+7FFFFFFF", "fdbfbfbfbfbf", false},
		{"6.11.1", "U+D7FF, before the surrogates", "ed9fbf", true},
		{"6.11.2", "U+E000, after the surrogates", "ee8080", true},
		{"6.11.3", "U+FFFD", "efbfbd", true},
		{"6.11.4", "U+10FFFF", "f48fbfbf", true},
		{"6.11.5", "U+110000", "f4908080", false},
		{"6.12.1", "lone continuation 80", "80", false},
		{"6.12.2", "lone continuation bf", "bf", false},
		{"6.12.3", "continuations 80 bf", "80bf", false},
		{"6.12.4", "continuations 80 bf 80", "80bf80", false},
		{"6.12.5", "continuations 80 bf 80 bf", "80bf80bf", false},
		{"6.12.8", "all 64 continuation bytes", "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf", false},
		{"6.13.1", "2-byte lead then a space", "c020", false},
		{"6.13.2", "3-byte lead then a space", "e020", false},
		{"6.13.3", "4-byte lead then a space", "f020", false},
		{"6.13.4", "5-byte lead then a space", "f820", false},
		{"6.13.5", "6-byte lead then a space", "fc20", false},
		{"6.14.1", "2-byte sequence missing its last byte", "c0", false},
		{"6.14.2", "3-byte sequence missing its last byte", "e080", false},
		{"6.14.3", "4-byte sequence missing its last byte", "f08080", false},
		{"6.14.6", "U+07FF missing its last byte", "df", false},
		{"6.14.7", "U+FFFF missing its last byte", "efbf", false},
		{"6.14.8", "U+1FFFFF missing its last byte", "f7bfbf", false},
		{"6.15.1", "incomplete sequences run together", "c0e080f08080f8808080fc80808080dfefbff7bfbffbbfbfbffdbfbfbfbf", false},
		{"6.16.1", "impossible byte fe", "fe", false},
		{"6.16.2", "impossible byte ff", "ff", false},
		{"6.16.3", "impossible bytes fe fe ff ff", "fefeffff", false},
		{"6.17.1", "overlong / in 2 bytes", "c0af", false},
		{"6.17.2", "overlong / in 3 bytes", "e080af", false},
		{"6.17.3", "overlong / in 4 bytes", "f08080af", false},
		{"6.17.6", "largest overlong 2-byte", "c1bf", false},
		{"6.17.7", "largest overlong 3-byte", "e09fbf", false},
		{"6.18.1", "surrogate U+D800", "eda080", false},
		{"6.18.2", "surrogate U+DB7F", "edadbf", false},
		{"6.18.3", "surrogate U+DB80", "edae80", false},
		{"6.18.4", "surrogate U+DBFF", "edafbf", false},
		{"6.18.5", "surrogate U+DC00", "edb080", false},
		{"6.18.6", "surrogate U+DF80", "edbe80", false},
		{"6.18.7", "surrogate U+DFFF", "edbfbf", false},
		{"6.19.1", "surrogate pair U+D800 U+DC00", "eda080edb080", false},
		{"6.19.2", "surrogate pair U+DBFF U+DFFF", "edafbfedbfbf", false},
		{"6.20.1", "noncharacter U+FFFE is valid UTF-8", "efbfbe", true},
		{"6.20.2", "noncharacter U+FFFF is valid UTF-8", "efbfbf", true},
		{"6.20.3", "noncharacter U+FDD0 is valid UTF-8", "efb790", true},
		{"6.21.1", "noncharacter U+10FFFE is valid UTF-8", "f48fbfbe", true},
	}
	for _, u := range utf8Table {
		p := unhexStr(u.hex)
		if u.valid {
			add(conformanceCase{id: u.id, name: u.name + " is echoed", send: [][]byte{text(p)}, want: []expect{echoText(p)}})
		} else {
			add(conformanceCase{id: u.id, name: u.name + " fails with 1007", send: [][]byte{text(p)}, want: []expect{closeWith(1007)}})
		}
	}

	// 7 Close handling: RFC 6455 §5.5.1, §7.4.
	add(
		conformanceCase{id: "7.1.1", name: "text then close: echo, then the close is echoed", send: [][]byte{text("Hello World!"), closeCase(1000, "")},
			want: []expect{echoText("Hello World!"), closeWith(1000)}},
		conformanceCase{id: "7.1.2", name: "two closes: one close back", send: [][]byte{closeCase(1000, ""), closeCase(1000, "")}, want: []expect{closeWith(1000)}},
		conformanceCase{id: "7.1.3", name: "ping after close is not answered", send: [][]byte{closeCase(1000, ""), c5(true, 0, OpPing, []byte("ping"))}, want: []expect{closeWith(1000)}},
		conformanceCase{id: "7.1.4", name: "text after close is not echoed", send: [][]byte{closeCase(1000, ""), text("late")}, want: []expect{closeWith(1000)}},
		conformanceCase{id: "7.1.5", name: "close between fragments ends it", send: [][]byte{c5(false, 0, OpText, f1), closeCase(1000, ""), cont(true, f2)}, want: []expect{closeWith(1000)}},
		conformanceCase{id: "7.1.6", name: "256 KiB text, close, ping: echo, close, no pong",
			send: [][]byte{text(strings.Repeat("BAsd7&jh23", 26215) + "BAsd7&"), closeCase(1000, ""), c5(true, 0, OpPing, nil)},
			want: []expect{echoText(strings.Repeat("BAsd7&jh23", 26215) + "BAsd7&"), closeWith(1000)}},
		conformanceCase{id: "7.3.1", name: "empty close is echoed empty (1005)", send: [][]byte{c5(true, 0, OpClose, nil)}, want: []expect{closeWith(1005)}},
		conformanceCase{id: "7.3.2", name: "close with a 1-byte payload fails with 1002", send: [][]byte{c5(true, 0, OpClose, []byte{0x03})}, want: []expect{closeWith(1002)}},
		conformanceCase{id: "7.3.3", name: "close with a code is echoed", send: [][]byte{closeCase(1000, "")}, want: []expect{closeWith(1000)}},
		conformanceCase{id: "7.3.4", name: "close with a code and a reason is echoed", send: [][]byte{closeCase(1000, "Hello World!")}, want: []expect{closeWith(1000)}},
		conformanceCase{id: "7.3.5", name: "close with a 123-byte reason is echoed", send: [][]byte{closeCase(1000, strings.Repeat("*", 123))}, want: []expect{closeWith(1000)}},
		conformanceCase{id: "7.3.6", name: "close with a 124-byte reason (126-byte frame) fails with 1002", send: [][]byte{closeCase(1000, strings.Repeat("*", 124))}, want: []expect{closeWith(1002)}},
		conformanceCase{id: "7.5.1", name: "close reason that is not UTF-8 fails with 1007", send: [][]byte{closeCase(1000, badKosme)}, want: []expect{closeWith(1007)}},
	)
	for i, code := range []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999} {
		add(conformanceCase{id: fmt.Sprintf("7.7.%d", i+1), name: fmt.Sprintf("close with valid code %d is echoed", code),
			send: [][]byte{closeCase(code, "")}, want: []expect{closeWith(StatusCode(code))}})
	}
	for i, code := range []int{0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999} {
		add(conformanceCase{id: fmt.Sprintf("7.9.%d", i+1), name: fmt.Sprintf("close with invalid code %d fails with 1002", code),
			send: [][]byte{closeCase(code, "")}, want: []expect{closeWith(1002)}})
	}
	for i, code := range []int{5000, 65535} {
		add(conformanceCase{id: fmt.Sprintf("7.13.%d", i+1), name: fmt.Sprintf("close with code %d, out of range, fails with 1002", code),
			send: [][]byte{closeCase(code, "")}, want: []expect{closeWith(1002)}})
	}

	// 9 Large messages, whole and fragmented, and over the limit.
	for i, n := range []int{64 << 10, 256 << 10, 1 << 20, 4 << 20} {
		p := strings.Repeat("BAsd7&jh23", n/10+1)[:n]
		add(conformanceCase{id: fmt.Sprintf("9.1.%d", i+1), name: fmt.Sprintf("text of %d KiB is echoed", n>>10), send: [][]byte{text(p)}, want: []expect{echoText(p)}})
		b := bytes.Repeat([]byte{0xfe}, n)
		add(conformanceCase{id: fmt.Sprintf("9.2.%d", i+1), name: fmt.Sprintf("binary of %d KiB is echoed", n>>10),
			send: [][]byte{c5(true, 0, OpBinary, b)}, want: []expect{echoBinary(b)}})
	}
	mib := strings.Repeat("BAsd7&jh23", 1<<20/10+1)[:1<<20]
	for i, size := range []int{64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10} {
		add(conformanceCase{id: fmt.Sprintf("9.3.%d", i+1), name: fmt.Sprintf("1 MiB text in fragments of %d bytes is echoed whole", size),
			send: splitFragments(mib, size), want: []expect{echoText(mib)}})
	}
	for i, size := range []int{64, 4 << 10, 64 << 10} {
		add(conformanceCase{id: fmt.Sprintf("9.4.%d", i+1), name: fmt.Sprintf("1 MiB binary in fragments of %d bytes is echoed whole", size),
			send: splitFragmentsOp(OpBinary, mib, size), want: []expect{echoBinary([]byte(mib))}})
	}
	add(
		conformanceCase{id: "9.limit.1", name: "RFC6455 10.4 message announced over the limit fails with 1009 before its payload",
			limit: 1 << 20, send: [][]byte{partialFrame(mib+"x", 0)}, stop: true, want: []expect{closeWith(1009)}},
		conformanceCase{id: "9.limit.2", name: "RFC6455 10.4 fragments adding up over the limit fail with 1009",
			limit: 1 << 20, send: append(splitFragments(mib, 64<<10)[:15:15], cont(true, []byte(mib[:64<<10+1]))), want: []expect{closeWith(1009)}},
		conformanceCase{id: "9.limit.3", name: "RFC6455 10.4 message of exactly the limit is echoed",
			limit: 1 << 20, send: [][]byte{text(mib)}, want: []expect{echoText(mib)}},
	)
	return cases
}

// reservedOpcodeCase is Autobahn 4.x: cases 1 and 2 send the reserved
// frame alone; 3 to 5 after a valid text and before a ping (5 in chops).
func reservedOpcodeCase(id string, op Opcode, i int) conformanceCase {
	c := conformanceCase{id: id, name: fmt.Sprintf("reserved opcode %d fails with 1002", op)}
	payload := []byte("reserved opcode payload")
	switch i {
	case 0:
		c.send = [][]byte{c5(true, 0, op, nil)}
		c.want = []expect{closeWith(1002)}
	case 1:
		c.send = [][]byte{c5(true, 0, op, payload)}
		c.want = []expect{closeWith(1002)}
	default:
		c.name = fmt.Sprintf("text, reserved opcode %d, ping: echo then 1002", op)
		c.send = [][]byte{text("Hello, world!"), c5(true, 0, op, payload), c5(true, 0, OpPing, nil)}
		c.want = []expect{echoText("Hello, world!"), closeWith(1002)}
		if i == 4 {
			c.chop = 1
		}
	}
	return c
}

// splitFragments cuts a text message into fragments of size bytes (a
// slice of sizes means each in turn).
func splitFragments(s string, size any) [][]byte { return splitFragmentsOp(OpText, s, size) }

func splitFragmentsOp(op Opcode, s string, size any) [][]byte {
	var sizes []int
	switch v := size.(type) {
	case int:
		for n := len(s); n > 0; n -= v {
			sizes = append(sizes, min(v, n))
		}
	case []int:
		sizes = v
	}
	var frames [][]byte
	for i, n := range sizes {
		o := OpContinuation
		if i == 0 {
			o = op
		}
		frames = append(frames, c5(i == len(sizes)-1, 0, o, []byte(s[:n])))
		s = s[n:]
	}
	return frames
}

// runeBoundaries returns the lengths of s's code points.
func runeBoundaries(s string) []int {
	var sizes []int
	for _, r := range s {
		sizes = append(sizes, utf8.RuneLen(r))
	}
	return sizes
}

// partialFrame returns the header of a text frame for p and its first n
// payload bytes: the rest never comes.
func partialFrame(p string, n int) []byte {
	f := text(p)
	return f[:len(f)-len(p)+n]
}

// echoCommand, when set, runs the table against that wiretalk binary's
// "wiretalk echo" (one process per read limit) instead of the in-process
// handler: .ci/run does so, so the shipped command is what passes.
var echoCommand = flag.String("echo", "", "run TestConformance against `wiretalk` echo, started from this binary")

// echoTargets starts "wiretalk echo" processes on demand, one per limit.
type echoTargets struct {
	mu    sync.Mutex
	addrs map[int64]string
	stops []func()
}

// addr returns the address of a "wiretalk echo -max-message limit".
func (e *echoTargets) addr(t *testing.T, limit int64) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if a, ok := e.addrs[limit]; ok {
		return a
	}
	cmd := exec.Command(*echoCommand, "echo", "-addr", "127.0.0.1:0", "-max-message", strconv.FormatInt(limit, 10))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s echo: %v", *echoCommand, err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if _, rest, ok := strings.Cut(sc.Text(), "listening on ws://"); ok {
			e.addrs[limit] = strings.TrimSuffix(rest, "/")
			go io.Copy(io.Discard, stderr)
			stop := func() { cmd.Process.Kill(); cmd.Wait() }
			e.stops = append(e.stops, stop)
			return e.addrs[limit]
		}
	}
	cmd.Process.Kill()
	t.Fatalf("%s echo printed no address", *echoCommand)
	return ""
}

func TestConformance(t *testing.T) {
	cases := conformanceCases()
	t.Logf("%d cases", len(cases))
	var targets *echoTargets
	if *echoCommand != "" {
		targets = &echoTargets{addrs: map[int64]string{}}
		t.Cleanup(func() {
			for _, stop := range targets.stops {
				stop()
			}
		})
		t.Logf("against %s echo", *echoCommand)
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("autobahn %s %s", tc.id, tc.name), func(t *testing.T) {
			t.Parallel()
			var addr string
			if targets != nil {
				limit := tc.limit
				if limit == 0 {
					limit = DefaultReadLimit
				}
				addr = targets.addr(t, limit)
			} else {
				srv := httptest.NewServer(echoHandler(&AcceptOptions{ReadLimit: tc.limit, CloseTimeout: 2 * time.Second}))
				defer srv.Close()
				addr = srv.Listener.Addr().String()
			}
			runConformance(t, tc, addr)
		})
	}
}

func runConformance(t *testing.T, tc conformanceCase, addr string) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	br := bufio.NewReader(nc)
	req := validRequest()
	req.target = "/" // where "wiretalk echo" serves
	nc.Write(req.bytes())
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("handshake: %v %v", resp, err)
	}

	got := make(chan []wireFrame, 1)
	gotErr := make(chan error, 1)
	go func() {
		var frames []wireFrame
		var hb [MaxHeaderSize]byte
		for {
			h, err := ReadHeader(br, hb[:])
			if err != nil {
				got <- frames
				gotErr <- err
				return
			}
			p := make([]byte, h.Length)
			if _, err := io.ReadFull(br, p); err != nil {
				got <- frames
				gotErr <- err
				return
			}
			frames = append(frames, wireFrame{h, p})
		}
	}()

	want := tc.want
	send := tc.send
	if len(want) == 0 || want[len(want)-1].op != OpClose {
		// The case ends well: close normally and expect the echo.
		send = append(append([][]byte(nil), send...), closeCase(1000, ""))
		want = append(append([]expect(nil), want...), closeWith(1000))
	}
	for _, f := range send {
		if tc.chop == 0 {
			nc.Write(f)
			continue
		}
		for len(f) > 0 {
			n := min(tc.chop, len(f))
			nc.Write(f[:n])
			f = f[n:]
		}
	}
	frames := <-got
	// After its close frame the server closes TCP: a clean EOF, not a
	// timeout nor a reset.
	if err := <-gotErr; !errors.Is(err, io.EOF) {
		t.Errorf("after the frames: %v, want the server to close TCP (EOF)", err)
	}
	if len(frames) != len(want) {
		t.Fatalf("got %d frames %s, want %d", len(frames), describeFrames(frames), len(want))
	}
	for i, w := range want {
		f := frames[i]
		if !f.Fin || f.Masked || f.Rsv() != 0 {
			t.Errorf("frame %d: header %v, want FIN, no mask, no RSV", i, f.Header)
		}
		if w.op == OpClose {
			if f.Opcode != OpClose || closeCode(f) != w.code {
				t.Errorf("frame %d: %s, want close %d", i, describeFrames(frames[i:i+1]), w.code)
			}
			continue
		}
		if f.Opcode != w.op || !bytes.Equal(f.Payload, w.payload) {
			t.Errorf("frame %d: %s, want %s of %d bytes", i, describeFrames(frames[i:i+1]), w.op, len(w.payload))
		}
	}
}

func describeFrames(frames []wireFrame) string {
	var s []string
	for _, f := range frames {
		d := describeFrame(f)
		if len(d) > 60 {
			d = fmt.Sprintf("%s (%d bytes)", f.Opcode, len(f.Payload))
		}
		s = append(s, d)
	}
	return "[" + strings.Join(s, ", ") + "]"
}
