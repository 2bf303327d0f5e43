package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
)

// position is where the talk is: the step on screen and whether the
// presenter blacked the screen out.
type position struct {
	Index    int    `json:"index"`
	Name     string `json:"name,omitempty"` // the name of the step's slide, to find it again after an edit
	Step     int    `json:"step"`           // which `--` step of that slide (0 for the first)
	Blackout bool   `json:"blackout"`
}

// at returns the position of step index in v.
func at(v *deckView, index int, blackout bool) position {
	s := v.deck.Slides[index]
	return position{Index: index, Name: v.deck.Slides[s.StepOf].Name, Step: index - s.StepOf, Blackout: blackout}
}

// remap finds p in a version of the deck: the same step of the slide of
// the same name where it has one, else the same index, clamped.
func remap(p position, v *deckView) position {
	n := len(v.deck.Slides)
	if n == 0 {
		return position{Blackout: p.Blackout}
	}
	if p.Name != "" {
		for _, s := range v.deck.Slides {
			if s.Name == p.Name && s.StepOf == s.Index {
				i := s.Index
				// Walk to the same step, staying within that slide.
				for k := 0; k < p.Step && i+1 < n && v.deck.Slides[i+1].StepOf == s.Index; k++ {
					i++
				}
				return at(v, i, p.Blackout)
			}
		}
	}
	return at(v, min(max(p.Index, 0), n-1), p.Blackout)
}

// positionStore keeps the talk's position in a small file so that a
// restarted server resumes where the talk was. Each deck has its own file,
// named after a hash of the deck's absolute path.
type positionStore struct {
	path string // "" when positions are not kept
}

// newPositionStore returns a store under dir for the deck at deckPath
// ("" for the embedded talk). An empty dir picks the user's state
// directory ($XDG_STATE_HOME, else ~/.local/state) under "wiretalk".
func newPositionStore(dir, deckPath string) positionStore {
	if dir == "" {
		if x := os.Getenv("XDG_STATE_HOME"); x != "" {
			dir = filepath.Join(x, "wiretalk")
		} else if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, ".local", "state", "wiretalk")
		} else {
			return positionStore{}
		}
	}
	key := deckPath
	if key == "" {
		key = "embedded talk"
	}
	sum := sha256.Sum256([]byte(key))
	base := strings.TrimSuffix(filepath.Base(key), filepath.Ext(key))
	return positionStore{path: filepath.Join(dir, sanitize(base)+"-"+hex.EncodeToString(sum[:6])+".json")}
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

// load returns the saved position, if any.
func (s positionStore) load() (position, bool) {
	if s.path == "" {
		return position{}, false
	}
	b, err := os.ReadFile(s.path)
	if err != nil {
		return position{}, false
	}
	var p position
	if json.Unmarshal(b, &p) != nil || p.Index < 0 {
		return position{}, false
	}
	return p, true
}

// save writes p atomically (a temporary file renamed over the old one),
// so a crash mid-write never leaves a torn file.
func (s positionStore) save(p position) error {
	if s.path == "" {
		return nil
	}
	b, _ := json.Marshal(p)
	return writeAtomic(s.path, b)
}

// writeAtomic writes b to path through a temporary file in the same
// folder, renamed over it: a reader, or a crash, sees the old file or the
// new one, never half of one. The talk's position and the audience's
// results are both kept so.
func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}
