package deflate

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"testing"
)

func TestJSONMessages(t *testing.T) {
	for _, size := range []int{1 << 10, 64 << 10} {
		msgs := jsonMessages(size, 4)
		for _, m := range msgs {
			if len(m) != size {
				t.Fatalf("message of %d bytes, want %d", len(m), size)
			}
		}
		if bytes.Equal(msgs[0], msgs[1]) {
			t.Fatal("messages repeat")
		}
		var b bytes.Buffer
		w, _ := flate.NewWriter(&b, flate.BestSpeed)
		w.Write(msgs[0])
		w.Close()
		if r := float64(size) / float64(b.Len()); r < 2 || r > 8 {
			t.Errorf("%d bytes compress %.1f times: not JSON-like", size, r)
		}
		if !json.Valid(msgs[0]) {
			t.Errorf("not JSON: %.80s", msgs[0])
		}
	}
}
