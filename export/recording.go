package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// A Recording is an inspector session kept for replay: the records the
// inspector's feed sent, in order, as the live page received them. Its
// file format is described in docs/recording.md.
type Recording struct {
	Format   string            `json:"format"`   // always RecordingFormat
	Version  int               `json:"version"`  // RecordingVersion
	Recorded time.Time         `json:"recorded"` // when the session ended
	Source   string            `json:"source"`   // who made it, in words
	Records  []json.RawMessage `json:"records"`  // the feed's records, oldest first
}

// The recording format's name and version. A change that an older
// wiretalk could not replay raises the version.
const (
	RecordingFormat  = "wiretalk-inspector-recording"
	RecordingVersion = 1

	// maxRecording bounds a recording file, so that a stray huge file is
	// refused rather than inlined into an export.
	maxRecording = 8 << 20
	maxRecords   = 2000
)

// recordHead is the part of a record that a recording is checked for.
type recordHead struct {
	Type      string          `json:"type"`
	Seq       int             `json:"seq"`
	Frame     json.RawMessage `json:"frame"`
	Handshake json.RawMessage `json:"handshake"`
	Notice    json.RawMessage `json:"notice"`
}

// ReadRecording reads and checks a recording. Anything that is not a
// recording of this version, or is broken, is an error that says why.
func ReadRecording(r io.Reader) (*Recording, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxRecording+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxRecording {
		return nil, fmt.Errorf("not a recording: larger than %d MiB", maxRecording>>20)
	}
	var probe struct {
		Format  *string `json:"format"`
		Version *int    `json:"version"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("not a wiretalk recording: %v", jsonProblem(b, err))
	}
	switch {
	case probe.Format == nil || *probe.Format != RecordingFormat:
		return nil, fmt.Errorf("not a wiretalk recording: its \"format\" is not %q", RecordingFormat)
	case probe.Version == nil:
		return nil, errors.New("broken recording: it has no \"version\"")
	case *probe.Version > RecordingVersion:
		return nil, fmt.Errorf("recording version %d is newer than this wiretalk reads (%d): update wiretalk", *probe.Version, RecordingVersion)
	case *probe.Version != RecordingVersion:
		return nil, fmt.Errorf("broken recording: unknown version %d", *probe.Version)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var rec Recording
	if err := dec.Decode(&rec); err != nil {
		return nil, fmt.Errorf("broken recording: %v", jsonProblem(b, err))
	}
	if err := rec.check(); err != nil {
		return nil, fmt.Errorf("broken recording: %v", err)
	}
	return &rec, nil
}

// check checks what the viewer relies on: at least one frame, each record
// of a known type with its body, sequence numbers rising.
func (rec *Recording) check() error {
	if len(rec.Records) > maxRecords {
		return fmt.Errorf("%d records, more than %d", len(rec.Records), maxRecords)
	}
	frames, last := 0, 0
	for i, raw := range rec.Records {
		var h recordHead
		if err := json.Unmarshal(raw, &h); err != nil {
			return fmt.Errorf("record %d: %v", i+1, err)
		}
		var body json.RawMessage
		switch h.Type {
		case "frame":
			body = h.Frame
			frames++
		case "handshake":
			body = h.Handshake
		case "notice":
			body = h.Notice
		default:
			return fmt.Errorf("record %d: unknown type %q", i+1, h.Type)
		}
		if len(body) == 0 || body[0] != '{' {
			return fmt.Errorf("record %d: a %s record without its %s", i+1, h.Type, h.Type)
		}
		if h.Seq <= last {
			return fmt.Errorf("record %d: seq %d after %d", i+1, h.Seq, last)
		}
		last = h.Seq
	}
	if frames == 0 {
		return errors.New("it holds no frames")
	}
	return nil
}

// WriteTo writes rec as indented JSON.
func (rec *Recording) WriteTo(w io.Writer) (int64, error) {
	b, err := json.MarshalIndent(rec, "", " ")
	if err != nil {
		return 0, err
	}
	n, err := w.Write(append(b, '\n'))
	return int64(n), err
}

// jsonProblem adds the line of a syntax error to it.
func jsonProblem(b []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(b[:min(int(se.Offset), len(b))], []byte("\n"))
		return fmt.Errorf("line %d: %v", line, err)
	}
	return err
}
