package relay

import (
	"encoding/json"
	"testing"
)

// FuzzDecodeRecord: whatever a broker hands an edge, decode never panics,
// and a record it accepts carries exactly the protocol and talk wanted.
func FuzzDecodeRecord(f *testing.F) {
	for _, seed := range []string{
		`{"proto":1,"talk":"keynote","presenter":"ab12","started":"2026-12-07T15:00:00Z"}`,
		`{"proto":1,"talk":"keynote","version":"3f9a1c2e","title":"T","study":false,"json":{"sha256":"00","size":2},"files":[{"name":"img/a.png","sha256":"11","size":3}]}`,
		`{"proto":1,"talk":"keynote","deck":"3f9a1c2e","index":4,"blackout":true}`,
		`{"proto":1,"talk":"keynote","problems":[{"file":"talk.md","line":3,"message":"m"}]}`,
		`{"proto":1,"talk":"keynote","edge":"edge-1","count":37}`,
		`{"proto":2,"talk":"keynote","index":1}`,
		`{"proto":1,"talk":"other"}`,
		`{"proto":"1"}`, `[]`, `null`, ``, `{"proto":1,"talk":"keynote","index":"x"}`,
	} {
		f.Add([]byte(seed))
	}
	want := header{Proto: Protocol, Talk: "keynote"}
	f.Fuzz(func(t *testing.T, b []byte) {
		records := map[string]any{
			keyTalk: new(talkRecord), keyDeck: new(deckRecord), keyPosition: new(positionRecord),
			keyProblems: new(problemsRecord), "audience": new(countRecord),
		}
		for key, v := range records {
			if err := decode(key, b, want, v); err != nil {
				continue
			}
			var h header
			if json.Unmarshal(b, &h) != nil || h != want {
				t.Fatalf("%s: accepted %q with header %+v", key, b, h)
			}
		}
	})
}

func TestMismatchErrorSaysWhich(t *testing.T) {
	want := header{Proto: 1, Talk: "keynote"}
	var r positionRecord
	err := decode(keyPosition, []byte(`{"proto":2,"talk":"keynote"}`), want, &r)
	if !isMismatch(err) || err.Error() != `the talk "keynote" on the broker speaks relay protocol 2 and this wiretalk speaks 1: run the same wiretalk version on the presenter and every edge` {
		t.Errorf("protocol mismatch: %v", err)
	}
	err = decode(keyPosition, []byte(`{"proto":1,"talk":"other"}`), want, &r)
	if !isMismatch(err) || err.Error() != `the position record of bucket wiretalk-keynote belongs to talk "other", not "keynote": refused` {
		t.Errorf("talk mismatch: %v", err)
	}
}
