package export

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"wiretalk/demo"
)

// TestRecorderWritesARecording: what a feed publishes through the Tee is
// written, when the feed ends, as a recording that reads back and replays;
// a session without a frame writes nothing, and a file that is not a
// recording is never replaced.
func TestRecorderWritesARecording(t *testing.T) {
	session, err := RecordSession(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var records []demo.Record
	for _, raw := range session.Records {
		var r demo.Record
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatal(err)
		}
		records = append(records, r)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "session.json")
	var logged []string
	rc := NewRecorder(file, func(f string, a ...any) { logged = append(logged, f) })
	var tee demo.Tee = rc
	for _, r := range records {
		tee.Record(r)
	}
	tee.Close()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadRecording(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Records) != len(records) || !strings.Contains(back.Source, "serve -record") {
		t.Errorf("read back %d records of %d, source %q", len(back.Records), len(records), back.Source)
	}
	if len(logged) != 1 {
		t.Errorf("logged %q", logged)
	}
	// export -replay takes it.
	out := filepath.Join(dir, "site")
	if _, err := Export(context.Background(), Options{Out: out, Replay: file}); err != nil {
		t.Fatal(err)
	}
	index, _ := os.ReadFile(filepath.Join(out, "index.html"))
	if !strings.Contains(string(index), `the presenter\u0027s browser`) && !strings.Contains(string(index), "serve -record") {
		t.Error("the export does not carry the recording it was given")
	}

	// A session with no frame leaves the file alone.
	before, _ := os.ReadFile(file)
	empty := NewRecorder(file, nil)
	empty.Record(records[0]) // the handshake alone
	empty.Close()
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Error("a session without frames replaced the recording")
	}

	// A file that is not a recording is refused up front, and never replaced.
	other := filepath.Join(dir, "notes.txt")
	os.WriteFile(other, []byte("my notes"), 0o644)
	if err := CheckRecordingFile(other); err == nil {
		t.Error("CheckRecordingFile accepted a file that is not a recording")
	}
	rc2 := NewRecorder(other, nil)
	for _, r := range records {
		rc2.Record(r)
	}
	rc2.Close()
	if b, _ := os.ReadFile(other); string(b) != "my notes" {
		t.Error("a file that is not a recording was replaced")
	}
	if err := CheckRecordingFile(filepath.Join(dir, "new.json")); err != nil {
		t.Errorf("a new file: %v", err)
	}
}
