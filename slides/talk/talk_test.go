package talk

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// The RFC 6455 §1.3 and §4.2.2 example, which the deck shows.
const (
	exampleKey    = "dGhlIHNhbXBsZSBub25jZQ=="
	exampleAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
	handshakeGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
)

func readDeck(t *testing.T) string {
	t.Helper()
	b, err := fs.ReadFile(FS, Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 {
		t.Fatalf("%s is empty", Name)
	}
	return string(b)
}

// A line of the deck, with its 1-based number and whether it is inside a
// fenced code block (fence lines themselves count as outside).
type line struct {
	n      int
	text   string
	inCode bool
}

// fenceRE matches the opening or closing line of a fenced code block.
var fenceRE = regexp.MustCompile("^ {0,3}(```+|~~~+)")

// lines splits the deck into lines and marks the ones inside fences.
func lines(deck string) []line {
	var out []line
	fence := "" // the opening fence while inside a block
	for i, s := range strings.Split(deck, "\n") {
		l := line{n: i + 1, text: s}
		if m := fenceRE.FindStringSubmatch(s); m != nil {
			switch {
			case fence == "":
				fence = m[1]
			case m[1][0] == fence[0] && len(m[1]) >= len(fence) && strings.TrimSpace(s) == m[1]:
				fence = "" // a closing fence has no info string
			default:
				l.inCode = true
			}
		} else {
			l.inCode = fence != ""
		}
		out = append(out, l)
	}
	return out
}

// A step is what the audience sees at one press of a key: the deck split
// on lines exactly "---" (new slide) or "--" (incremental step).
type step struct {
	slide int // 1-based slide number
	lines []line
}

// steps splits the deck on separators outside fenced code blocks.
func steps(deck string) []step {
	out := []step{{slide: 1}}
	for _, l := range lines(deck) {
		if !l.inCode && (l.text == "---" || l.text == "--") {
			next := step{slide: out[len(out)-1].slide}
			if l.text == "---" {
				next.slide++
			}
			out = append(out, next)
			continue
		}
		out[len(out)-1].lines = append(out[len(out)-1].lines, l)
	}
	return out
}

// propRE matches a remark property line such as "name: demo".
var propRE = regexp.MustCompile(`^([A-Za-z-]+):\s*(.*)$`)

// properties returns the property lines at the top of a step.
func properties(s step) map[string]string {
	props := map[string]string{}
	for _, l := range s.lines {
		if len(props) == 0 && strings.TrimSpace(l.text) == "" {
			continue
		}
		m := propRE.FindStringSubmatch(l.text)
		if m == nil || l.inCode {
			break
		}
		props[m[1]] = m[2]
	}
	return props
}

func TestOnlyTheDeckIsEmbedded(t *testing.T) {
	names, err := fs.Glob(FS, "*")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, []string{Name}) {
		t.Errorf("FS holds %q, want only %q", names, Name)
	}
	if deck := readDeck(t); !utf8.ValidString(deck) {
		t.Error("the deck is not valid UTF-8")
	}
}

func TestAcceptExample(t *testing.T) {
	deck := readDeck(t)
	raw, err := base64.StdEncoding.DecodeString(exampleKey)
	if err != nil || len(raw) != 16 {
		t.Errorf("key %q decodes to %d bytes (%v), want 16", exampleKey, len(raw), err)
	}
	sum := sha1.Sum([]byte(exampleKey + handshakeGUID))
	if got := base64.StdEncoding.EncodeToString(sum[:]); got != exampleAccept {
		t.Fatalf("base64(SHA-1(key + GUID)) = %s, want %s", got, exampleAccept)
	}

	have := map[string]bool{}
	for _, l := range lines(deck) {
		// A code line starting with '*' is highlighted; the '*' is not shown.
		have[strings.TrimPrefix(l.text, "*")] = true
	}
	for _, want := range []string{
		"Sec-WebSocket-Key: " + exampleKey,
		"Sec-WebSocket-Version: 13",
		"HTTP/1.1 101 Switching Protocols",
		"Sec-WebSocket-Accept: " + exampleAccept,
		"key  = " + exampleKey,
		"GUID = " + handshakeGUID,
		"accept = " + exampleAccept,
		"`accept = base64(SHA-1(key + GUID))`",
	} {
		if !have[want] {
			t.Errorf("the deck has no line %q", want)
		}
	}

	// The digest, shown as two lines of hex after its label.
	all := lines(deck)
	i := slices.IndexFunc(all, func(l line) bool { return l.text == "SHA-1(key + GUID) =" })
	if i < 0 || i+2 >= len(all) {
		t.Fatal(`the deck has no "SHA-1(key + GUID) =" followed by two lines`)
	}
	shown := mustHex(t, all[i+1].text+" "+all[i+2].text)
	if !bytes.Equal(shown, sum[:]) {
		t.Errorf("deck lines %d-%d show SHA-1 % x, want % x", all[i+1].n, all[i+2].n, shown, sum[:])
	}
}

func TestEveryStepHasSpeakerNotes(t *testing.T) {
	all := steps(readDeck(t))
	if n := len(all); n < 20 || n > 28 {
		t.Errorf("the deck has %d steps, want 20 to 28", n)
	}
	for i, s := range all {
		if !slices.ContainsFunc(s.lines, func(l line) bool { return !l.inCode && l.text == "???" }) {
			first := 0
			if len(s.lines) > 0 {
				first = s.lines[0].n
			}
			t.Errorf("step %d (slide %d, from line %d) has no speaker notes (a line \"???\")", i+1, s.slide, first)
		}
	}
}

func TestSlideNames(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range steps(readDeck(t)) {
		name, ok := properties(s)["name"]
		if !ok {
			continue
		}
		if seen[name] {
			t.Errorf("slide name %q is used twice", name)
		}
		seen[name] = true
	}
	for _, want := range []string{"title", "handshake", "accept", "frame", "masking", "fragmentation", "heartbeat", "close", "codes", "fail", "demo", "refs"} {
		if !seen[want] {
			t.Errorf("no slide is named %q", want)
		}
	}
}

func TestFirstSlideIsCentred(t *testing.T) {
	props := properties(steps(readDeck(t))[0])
	class := props["class"]
	if !strings.Contains(class, "center") || !strings.Contains(class, "middle") {
		t.Errorf("first slide class = %q, want center, middle", class)
	}
}

func TestDemoSlideEmbedsTheInspector(t *testing.T) {
	deck := readDeck(t)
	var demo []step
	for _, s := range steps(deck) {
		if properties(s)["name"] == "demo" {
			demo = append(demo, s)
		}
	}
	if len(demo) != 1 {
		t.Fatalf("%d steps are named demo, want 1", len(demo))
	}
	has := func(text string) bool {
		return slices.ContainsFunc(demo[0].lines, func(l line) bool { return !l.inCode && l.text == text })
	}
	if !has("![:inspector]()") {
		t.Error("the demo slide has no line ![:inspector]()")
	}
	if !has("Type a message, send it, and watch your phone mask it.") {
		t.Error("the demo slide does not tell the audience what to do")
	}
	if n := strings.Count(deck, "![:inspector]()"); n != 1 {
		t.Errorf("the inspector is embedded %d times, want once", n)
	}
}

// The masked "Hello" of RFC 6455 §5.7 is on the masking slide.
func TestMaskedHello(t *testing.T) {
	const shown = "81 85 37 fa 21 3d 7f 9f 4d 51 58"
	for _, l := range lines(readDeck(t)) {
		if !l.inCode || !strings.HasPrefix(l.text, shown) {
			continue
		}
		b := mustHex(t, shown)
		key, payload := b[2:6], b[6:]
		for i := range payload {
			payload[i] ^= key[i%4]
		}
		if string(payload) != "Hello" {
			t.Errorf("line %d unmasks to %q, want Hello", l.n, payload)
		}
		return
	}
	t.Errorf("the deck has no code line starting %q", shown)
}

// The step that unmasks "Hello" by hand: masked, key, result.
func TestXORTable(t *testing.T) {
	all := lines(readDeck(t))
	i := slices.IndexFunc(all, func(l line) bool { return l.inCode && strings.HasPrefix(l.text, "^ ") })
	if i < 1 || i+1 >= len(all) || !strings.HasPrefix(all[i+1].text, "= ") {
		t.Fatal("the deck has no XOR table (a line starting \"^ \" between two others)")
	}
	row := func(l line) []byte {
		m := hexRunRE.FindString(l.text)
		if m == "" {
			t.Fatalf("line %d has no hex bytes", l.n)
		}
		return mustHex(t, m)
	}
	masked, key, plain := row(all[i-1]), row(all[i]), row(all[i+1])
	hello := mustHex(t, "81 85 37 fa 21 3d 7f 9f 4d 51 58")
	if !bytes.Equal(masked, hello[6:]) {
		t.Errorf("line %d: masked bytes % x, want the Hello frame's % x", all[i-1].n, masked, hello[6:])
	}
	for j := range key {
		if key[j] != hello[2+j%4] {
			t.Errorf("line %d: key byte %d is %#x, want %#x (key[%d mod 4])", all[i].n, j, key[j], hello[2+j%4], j)
		}
	}
	if len(masked) != len(key) || len(key) != len(plain) {
		t.Fatalf("lines %d-%d: rows of different lengths", all[i-1].n, all[i+1].n)
	}
	for j := range plain {
		if masked[j]^key[j] != plain[j] {
			t.Errorf("line %d: column %d: %#x XOR %#x != %#x", all[i+1].n, j, masked[j], key[j], plain[j])
		}
	}
	if q := quotedRE.FindStringSubmatch(all[i+1].text); q == nil || q[1] != string(plain) {
		t.Errorf("line %d: the result is %q, the line says otherwise: %s", all[i+1].n, plain, all[i+1].text)
	}
}

// Lines such as "0x81 = 1 000 0001" show a byte in binary.
func TestBinaryExamples(t *testing.T) {
	re := regexp.MustCompile(`^0x([0-9a-f]{2}) = ([01 ]+)$`)
	n := 0
	for _, l := range lines(readDeck(t)) {
		m := re.FindStringSubmatch(l.text)
		if !l.inCode || m == nil {
			continue
		}
		n++
		want, _ := strconv.ParseUint(m[1], 16, 8)
		bits := strings.ReplaceAll(m[2], " ", "")
		got, err := strconv.ParseUint(bits, 2, 8)
		if len(bits) != 8 || err != nil || got != want {
			t.Errorf("line %d: %s is not 0x%s in binary", l.n, m[2], m[1])
		}
	}
	if n == 0 {
		t.Error("the deck shows no byte in binary")
	}
}

// hexRunRE matches three or more hex bytes, such as "81 85 37".
var hexRunRE = regexp.MustCompile(`\b[0-9a-f]{2}(?: [0-9a-f]{2}){2,}\b`)

var quotedRE = regexp.MustCompile(`"([^"]*)"`)

// Every run of hex bytes in the deck's code is checked. The digest and the
// XOR table have tests of their own; every other run is a frame, which
// must be valid and agree with the words after it on its line.
func TestFrameExamples(t *testing.T) {
	all := lines(readDeck(t))
	checkedElsewhere := map[int]bool{}
	for i, l := range all {
		if l.text == "SHA-1(key + GUID) =" && i+2 < len(all) {
			checkedElsewhere[i+1], checkedElsewhere[i+2] = true, true
		}
		if l.inCode && strings.HasPrefix(l.text, "^ ") && i > 0 && i+1 < len(all) {
			checkedElsewhere[i-1], checkedElsewhere[i], checkedElsewhere[i+1] = true, true, true
		}
	}
	frames := 0
	for i, l := range all {
		loc := hexRunRE.FindStringIndex(l.text)
		if loc == nil || checkedElsewhere[i] {
			continue
		}
		if !l.inCode {
			t.Errorf("line %d: hex bytes outside a code block: %s", l.n, l.text)
			continue
		}
		frames++
		b := mustHex(t, l.text[loc[0]:loc[1]])
		f, err := decodeFrame(b)
		if err != nil {
			t.Errorf("line %d: %v: %s", l.n, err, l.text)
			continue
		}
		if strings.HasPrefix(l.text, "wiretalk decode ") {
			if !f.complete {
				t.Errorf("line %d: the frame to decode is incomplete", l.n)
			}
			continue
		}
		if err := f.agrees(strings.TrimSpace(l.text[loc[1]:])); err != nil {
			t.Errorf("line %d: %v: %s", l.n, err, l.text)
		}
	}
	if frames < 8 {
		t.Errorf("checked only %d frame examples; did the deck or this test change?", frames)
	}
}

// A frame as this test decodes it, independently of package protocol.
type frame struct {
	fin      bool
	opcode   byte
	masked   bool
	length   uint64
	payload  []byte // unmasked
	complete bool   // whether the bytes include the whole payload
}

var opcodeNames = map[byte]string{0x0: "cont", 0x1: "text", 0x2: "binary", 0x8: "close", 0x9: "ping", 0xA: "pong"}

// decodeFrame decodes one frame, or just its header, and applies the
// rules of RFC 6455 §5.2 and §5.5 that bytes alone can break.
func decodeFrame(b []byte) (frame, error) {
	var f frame
	if len(b) < 2 {
		return f, fmt.Errorf("%d bytes is too short for a frame", len(b))
	}
	f.fin = b[0]&0x80 != 0
	if rsv := b[0] & 0x70; rsv != 0 {
		return f, fmt.Errorf("RSV bits %#x set without an extension", rsv)
	}
	f.opcode = b[0] & 0x0f
	if _, ok := opcodeNames[f.opcode]; !ok {
		return f, fmt.Errorf("reserved opcode %#x", f.opcode)
	}
	f.masked = b[1]&0x80 != 0
	f.length = uint64(b[1] & 0x7f)
	rest := b[2:]
	switch f.length {
	case 126:
		if len(rest) < 2 {
			return f, fmt.Errorf("truncated 16-bit length")
		}
		f.length = uint64(binary.BigEndian.Uint16(rest))
		rest = rest[2:]
		if f.length < 126 {
			return f, fmt.Errorf("length %d must use the 7-bit form", f.length)
		}
	case 127:
		if len(rest) < 8 {
			return f, fmt.Errorf("truncated 64-bit length")
		}
		f.length = binary.BigEndian.Uint64(rest)
		rest = rest[8:]
		if f.length>>63 != 0 {
			return f, fmt.Errorf("64-bit length with its most significant bit set")
		}
		if f.length <= 0xffff {
			return f, fmt.Errorf("length %d must use a shorter form", f.length)
		}
	}
	if f.opcode >= 0x8 && (!f.fin || f.length > 125) {
		return f, fmt.Errorf("control frame fragmented or longer than 125 bytes")
	}
	var key []byte
	if f.masked {
		if len(rest) < 4 {
			return f, fmt.Errorf("truncated masking key")
		}
		key, rest = rest[:4], rest[4:]
	}
	switch {
	case uint64(len(rest)) == f.length:
		f.complete = true
	case len(rest) != 0:
		return f, fmt.Errorf("payload of %d bytes, header says %d", len(rest), f.length)
	}
	f.payload = bytes.Clone(rest)
	for i := range f.payload {
		if key != nil {
			f.payload[i] ^= key[i%4]
		}
	}
	if f.complete && f.fin && f.opcode == 0x1 && !utf8.Valid(f.payload) {
		return f, fmt.Errorf("text message is not valid UTF-8")
	}
	return f, nil
}

var (
	finRE    = regexp.MustCompile(`FIN=([01])`)
	bytesRE  = regexp.MustCompile(`(\d+) bytes`)
	closeRE  = regexp.MustCompile(`^close (\d{4}) "([^"]*)"`)
	opNameRE = regexp.MustCompile(`^[a-z]+`)
)

// agrees checks the words that describe a frame on its line, such as
// `text, FIN=0: "Hel"`, `binary, 256 bytes` or `close 1000 "bye"`.
func (f frame) agrees(words string) error {
	if op := opNameRE.FindString(words); op != opcodeNames[f.opcode] {
		return fmt.Errorf("the line says %q, the opcode is %s", op, opcodeNames[f.opcode])
	}
	if m := finRE.FindStringSubmatch(words); m != nil && (m[1] == "1") != f.fin {
		return fmt.Errorf("the line says FIN=%s, the frame says %v", m[1], f.fin)
	}
	if !f.complete {
		m := bytesRE.FindStringSubmatch(words)
		if m == nil || m[1] != strconv.FormatUint(f.length, 10) {
			return fmt.Errorf("a header-only example must say its length, %d bytes", f.length)
		}
		return nil
	}
	if f.opcode == 0x8 {
		m := closeRE.FindStringSubmatch(words)
		if m == nil || len(f.payload) < 2 {
			return fmt.Errorf(`a close frame must be described as close CODE "REASON"`)
		}
		if code := binary.BigEndian.Uint16(f.payload); m[1] != strconv.Itoa(int(code)) || m[2] != string(f.payload[2:]) {
			return fmt.Errorf("the close frame holds %d %q", code, f.payload[2:])
		}
		return nil
	}
	if q := quotedRE.FindStringSubmatch(words); q == nil || q[1] != string(f.payload) {
		return fmt.Errorf("the payload is %q", f.payload)
	}
	return nil
}

// The status code table lists exactly the codes RFC 6455 §7.4.1 defines
// for the wire or for reporting, and marks the never-sent ones.
func TestCloseCodeTable(t *testing.T) {
	rfc := map[int]string{
		1000: "normal", 1001: "going away", 1002: "protocol error",
		1003: "unsupported data", 1005: "no status", 1006: "abnormal",
		1007: "invalid payload", 1008: "policy violation", 1009: "too big",
		1010: "extension", 1011: "internal error", 1015: "TLS",
	}
	neverSent := []int{1005, 1006, 1015}
	row := regexp.MustCompile(`^\| (\d{4}) \| (.*) \|$`)
	seen := map[int]bool{}
	for _, l := range lines(readDeck(t)) {
		m := row.FindStringSubmatch(l.text)
		if m == nil {
			continue
		}
		code, _ := strconv.Atoi(m[1])
		seen[code] = true
		want, ok := rfc[code]
		switch {
		case !ok:
			t.Errorf("line %d: %d is not a status code defined by RFC 6455", l.n, code)
		case !strings.Contains(strings.ToLower(m[2]), strings.ToLower(want)):
			t.Errorf("line %d: %d is described as %q, want something about %q", l.n, code, m[2], want)
		}
		if strings.Contains(m[2], "never sent") != slices.Contains(neverSent, code) {
			t.Errorf("line %d: only %v are never sent", l.n, neverSent)
		}
	}
	for code := range rfc {
		if !seen[code] {
			t.Errorf("the status code table lacks %d", code)
		}
	}
	deck := readDeck(t)
	for _, want := range []string{"3000–3999", "4000–4999"} {
		if !strings.Contains(deck, want) {
			t.Errorf("the deck does not mention the range %s", want)
		}
	}
}

// The frame diagram of RFC 6455 §5.2 is character-aligned: every row has
// the same width, the ruler numbers bits 0-31 over their columns, and the
// first row's dividers sit on the field boundaries.
func TestFrameDiagramIsAligned(t *testing.T) {
	all := lines(readDeck(t))
	start := slices.IndexFunc(all, func(l line) bool { return l.inCode && strings.HasPrefix(l.text, "|F|R|R|R|") })
	if start < 3 {
		t.Fatal("the deck has no frame diagram")
	}
	ruler := all[start-2].text
	for bit := 0; bit < 32; bit++ {
		if len(ruler) <= 2*bit+1 || ruler[2*bit+1] != byte('0'+bit%10) {
			t.Fatalf("line %d: the ruler does not number bit %d in column %d", all[start-2].n, bit, 2*bit+1)
		}
	}
	rows := 0
	for _, l := range all[start-1:] {
		if !l.inCode {
			break
		}
		rows++
		if len(l.text) != 65 {
			t.Errorf("line %d is %d characters wide, want 65: %q", l.n, len(l.text), l.text)
		}
	}
	if rows != 16 {
		t.Errorf("the diagram has %d rows below its ruler, want 16", rows)
	}
	for _, l := range all[start : start+4] {
		for _, col := range []int{0, 2, 4, 6, 8, 16, 18, 32, 64} {
			if len(l.text) <= col || l.text[col] != '|' {
				t.Errorf("line %d: no field divider in column %d", l.n, col)
			}
		}
	}
}

// Code must be readable on a phone: at most 60 columns, except the RFC's
// frame diagram, which scrolls in its box.
func TestCodeFitsOnAPhone(t *testing.T) {
	for _, l := range lines(readDeck(t)) {
		if !l.inCode || strings.HasPrefix(l.text, "|") || strings.HasPrefix(l.text, "+") ||
			strings.HasPrefix(l.text, ":") || strings.HasPrefix(l.text, " 0 ") {
			continue
		}
		if n := utf8.RuneCountInString(strings.TrimPrefix(l.text, "*")); n > 60 {
			t.Errorf("line %d is %d columns wide: %s", l.n, n, l.text)
		}
	}
}

// Talks run offline: no images, no external resources (the inspector and
// heartbeat macros are the talk's own).
func TestNoExternalResources(t *testing.T) {
	deck := readDeck(t)
	for _, bad := range []string{"http://", "https://", "![", "url("} {
		for _, l := range lines(deck) {
			if strings.Contains(l.text, bad) && l.text != "![:inspector]()" && l.text != "![:heartbeat]()" && !l.inCode {
				t.Errorf("line %d refers to %q: %s", l.n, bad, l.text)
			}
		}
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// The splitter the notes test relies on ignores separators in code.
func TestStepsIgnoreSeparatorsInCode(t *testing.T) {
	deck := "# One\n\n```text\n---\n--\n???\n```\n\n???\nnotes\n\n--\n\nmore\n\n???\nx\n\n---\n\n````md\n```\n--\n```\n````\n"
	got := steps(deck)
	if len(got) != 3 || got[0].slide != 1 || got[1].slide != 1 || got[2].slide != 2 {
		t.Fatalf("steps = %+v, want 3 steps on slides 1, 1, 2", got)
	}
	if n := len(got[2].lines); n != 7 {
		t.Errorf("the last step has %d lines, want 7 (the inner fence is code)", n)
	}
	if !slices.ContainsFunc(got[0].lines, func(l line) bool { return l.text == "???" && !l.inCode }) {
		t.Error("the first step's notes were not found outside code")
	}
	if slices.ContainsFunc(got[0].lines[:6], func(l line) bool { return l.text == "???" && !l.inCode }) {
		t.Error("a ??? inside a code block counted as notes")
	}
}
