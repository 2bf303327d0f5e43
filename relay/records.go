package relay

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"wiretalk/slides"
)

// Protocol is the version of the records below. A presenter and an edge
// that speak different versions refuse each other's records rather than
// mix them; a change that an older edge would misread bumps it.
const Protocol = 1

// The talk's names on the broker (docs/messages.md, "The relay").
func bucketName(talk string) string  { return "wiretalk-" + talk }
func objectsName(talk string) string { return "wiretalk-" + talk + "-files" }
func countSubject(talk, edge string) string {
	return "wiretalk." + talk + ".audience." + edge
}
func countsSubject(talk string) string { return "wiretalk." + talk + ".audience.*" }

// Keys of the talk's bucket. Each holds the latest record of its kind.
const (
	keyTalk     = "talk"     // talkRecord: who publishes, in which protocol
	keyDeck     = "deck"     // deckRecord: the deck version and where its bytes are
	keyPosition = "position" // positionRecord: the step on screen
	keyProblems = "problems" // problemsRecord: the deck's problems on the presenter's disk
)

// header is in every record, so that each can be checked on its own.
type header struct {
	Proto int    `json:"proto"`
	Talk  string `json:"talk"`
}

type talkRecord struct {
	header
	Presenter string `json:"presenter"` // a random id per start of the presenter's server
	Started   string `json:"started"`   // RFC 3339
}

type deckRecord struct {
	header
	Version string       `json:"version"`
	Title   string       `json:"title"`
	Study   bool         `json:"study"`
	JSON    objectRef    `json:"json"`  // the audience deck JSON (/api/deck)
	Files   []fileRecord `json:"files"` // the images, by name
}

type fileRecord struct {
	Name string `json:"name"` // as the deck refers to it, e.g. img/a.png
	objectRef
}

// objectRef names an object of the talk's object store by its content.
type objectRef struct {
	SHA256 string `json:"sha256"`
	Size   int    `json:"size"`
}

func (r objectRef) object() string { return "sha256-" + r.SHA256 }

func refOf(b []byte) objectRef {
	sum := sha256.Sum256(b)
	return objectRef{SHA256: hex.EncodeToString(sum[:]), Size: len(b)}
}

type positionRecord struct {
	header
	Deck     string `json:"deck"` // the deck version the index is in
	Index    int    `json:"index"`
	Blackout bool   `json:"blackout"`
}

type problemsRecord struct {
	header
	Problems []slides.Problem `json:"problems"`
}

// MismatchError is a record from a talk or protocol other than ours: it is
// refused, never mixed in.
type MismatchError struct {
	Key       string
	Want, Got header
}

func (e *MismatchError) Error() string {
	if e.Got.Proto != e.Want.Proto {
		return fmt.Sprintf("the talk %q on the broker speaks relay protocol %d and this wiretalk speaks %d: run the same wiretalk version on the presenter and every edge",
			e.Got.Talk, e.Got.Proto, e.Want.Proto)
	}
	return fmt.Sprintf("the %s record of bucket %s belongs to talk %q, not %q: refused", e.Key, bucketName(e.Want.Talk), e.Got.Talk, e.Want.Talk)
}

// decode reads a record of key into v and checks its header against want.
func decode(key string, b []byte, want header, v any) error {
	var h header
	if err := json.Unmarshal(b, &h); err != nil {
		return fmt.Errorf("the %s record is not JSON: %w", key, err)
	}
	if h != want {
		return &MismatchError{Key: key, Want: want, Got: h}
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("the %s record: %w", key, err)
	}
	return nil
}
