package export

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"wiretalk/demo"
)

// A Recorder keeps one inspector feed's records and writes them to a
// recording file when the feed ends ("wiretalk serve -record FILE"): the
// records of a real browser on the presenter's Demo slide. A session with
// no frame leaves the file as it was. It is a demo.Tee.
type Recorder struct {
	file string
	logf func(format string, args ...any)

	mu      sync.Mutex
	records []json.RawMessage
	frames  int
}

// NewRecorder returns a Recorder that writes to file.
func NewRecorder(file string, logf func(format string, args ...any)) *Recorder {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	return &Recorder{file: file, logf: logf}
}

// CheckRecordingFile reports whether file may be written as a recording:
// it does not exist, or it is one already.
func CheckRecordingFile(file string) error {
	f, err := os.Open(file)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := ReadRecording(f); err != nil {
		return fmt.Errorf("%s exists and is not a recording to replace (%v): choose another file", file, err)
	}
	return nil
}

// Record keeps r; past the format's limit it keeps no more.
func (rc *Recorder) Record(r demo.Record) {
	b, err := json.Marshal(r)
	if err != nil {
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.records) >= maxRecords {
		return
	}
	rc.records = append(rc.records, b)
	if r.Type == "frame" {
		rc.frames++
	}
}

// Close writes the recording, if it holds a frame.
func (rc *Recorder) Close() {
	rc.mu.Lock()
	rec := &Recording{
		Format:   RecordingFormat,
		Version:  RecordingVersion,
		Recorded: time.Now().UTC().Truncate(time.Second),
		Source:   "wiretalk serve -record: the presenter's browser on the Demo slide",
		Records:  rc.records,
	}
	frames := rc.frames
	rc.mu.Unlock()
	if frames == 0 {
		return
	}
	if err := rc.write(rec); err != nil {
		rc.logf("record: %v", err)
		return
	}
	rc.logf("record: %d frames of the presenter's inspector written to %s", frames, rc.file)
}

func (rc *Recorder) write(rec *Recording) error {
	if err := CheckRecordingFile(rc.file); err != nil {
		return err
	}
	return replaceFile(rc.file, ".recording-*.json", func(w io.Writer) error {
		_, err := rec.WriteTo(w)
		return err
	})
}
