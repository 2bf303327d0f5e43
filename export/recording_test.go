package export

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"wiretalk/demo"
)

// TestRecordSession: the recording holds what a person would try, with
// real keys, masks and lengths.
func TestRecordSession(t *testing.T) {
	rec, err := RecordSession(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var hs []demo.HandshakeRecord
	var frames []demo.FrameRecord
	for _, raw := range rec.Records {
		var r demo.Record
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatal(err)
		}
		if r.Handshake != nil {
			hs = append(hs, *r.Handshake)
		}
		if r.Frame != nil {
			frames = append(frames, *r.Frame)
		}
	}
	if len(hs) != 1 {
		t.Fatalf("%d handshakes, want 1", len(hs))
	}
	sum := sha1.Sum([]byte(hs[0].Key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if want := base64.StdEncoding.EncodeToString(sum[:]); hs[0].Accept != want || hs[0].Sent != want || !hs[0].Match || len(hs[0].Key) != 24 {
		t.Errorf("handshake: key %q accept %q sent %q, want accept %q", hs[0].Key, hs[0].Accept, hs[0].Sent, want)
	}
	has := func(what string, f func(demo.FrameRecord) bool) {
		t.Helper()
		for _, fr := range frames {
			if f(fr) {
				return
			}
		}
		t.Errorf("no frame: %s", what)
	}
	has(`"Hello" in, masked`, func(f demo.FrameRecord) bool {
		return f.Dir == "in" && f.Mask && f.Opcode == 1 && f.Payload == "Hello" && len(f.Key) == 8
	})
	has(`"Hello" echoed, not masked`, func(f demo.FrameRecord) bool { return f.Dir == "out" && !f.Mask && f.Payload == "Hello" })
	has("126 bytes in, 16-bit length", func(f demo.FrameRecord) bool { return f.Dir == "in" && f.LengthBits == 16 && f.Length == 126 })
	has("70 KiB in, 64-bit length", func(f demo.FrameRecord) bool { return f.Dir == "in" && f.LengthBits == 64 && f.Length == 70*1024 })
	has("binary in", func(f demo.FrameRecord) bool { return f.Dir == "in" && f.Opcode == 2 })
	has("the server's ping", func(f demo.FrameRecord) bool { return f.Dir == "out" && f.Opcode == 9 && f.Payload == "ping 1" })
	has("the client's pong", func(f demo.FrameRecord) bool { return f.Dir == "in" && f.Opcode == 10 && f.Payload == "ping 1" })
	has("a first fragment", func(f demo.FrameRecord) bool { return f.Dir == "out" && f.Opcode == 1 && !f.Fin })
	has("a continuation", func(f demo.FrameRecord) bool { return f.Dir == "out" && f.Opcode == 0 })
	has("close 1000 bye in", func(f demo.FrameRecord) bool {
		return f.Dir == "in" && f.Close != nil && f.Close.Code == 1000 && f.Close.Reason == "bye"
	})
	has("close out", func(f demo.FrameRecord) bool { return f.Dir == "out" && f.Opcode == 8 })

	// It reads back as it was written.
	var b bytes.Buffer
	if _, err := rec.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	back, err := ReadRecording(&b)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Records) != len(rec.Records) {
		t.Errorf("read back %d records of %d", len(back.Records), len(rec.Records))
	}
}

func TestReadRecordingRefusesBrokenAndForeignFiles(t *testing.T) {
	frame := `{"type":"frame","seq":1,"frame":{"dir":"in"}}`
	for name, c := range map[string]struct{ in, want string }{
		"not JSON":        {"hello", "not a wiretalk recording"},
		"a JSON array":    {"[1,2]", "not a wiretalk recording"},
		"another format":  {`{"format":"har","version":1}`, `its "format" is not`},
		"no version":      {`{"format":"wiretalk-inspector-recording"}`, `no "version"`},
		"newer version":   {`{"format":"wiretalk-inspector-recording","version":2}`, "newer than this wiretalk reads"},
		"version 0":       {`{"format":"wiretalk-inspector-recording","version":0}`, "unknown version 0"},
		"unknown field":   {`{"format":"wiretalk-inspector-recording","version":1,"extra":1,"records":[` + frame + `]}`, "unknown field"},
		"no frames":       {`{"format":"wiretalk-inspector-recording","version":1,"records":[]}`, "no frames"},
		"unknown record":  {`{"format":"wiretalk-inspector-recording","version":1,"records":[{"type":"x","seq":1}]}`, `unknown type "x"`},
		"frame w/o frame": {`{"format":"wiretalk-inspector-recording","version":1,"records":[{"type":"frame","seq":1}]}`, "without its frame"},
		"seq backwards":   {`{"format":"wiretalk-inspector-recording","version":1,"records":[` + frame + `,` + frame + `]}`, "seq 1 after 1"},
		"truncated":       {"{\n\"format\": \"wiretalk-inspector-recording\",\n\"version\": 1,\n\"records\": [", "line 4"},
	} {
		_, err := ReadRecording(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
	ok := `{"format":"wiretalk-inspector-recording","version":1,"recorded":"2026-01-01T00:00:00Z","source":"test","records":[` + frame + `]}`
	if _, err := ReadRecording(strings.NewReader(ok)); err != nil {
		t.Errorf("a good recording: %v", err)
	}
}
