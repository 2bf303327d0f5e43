package server

import (
	"time"

	"wiretalk/protocol"
)

// talkTimer is the talk's clock. The server keeps it, not the pages, so
// that the laptop and the phone of the same presenter show the same time
// and a reloaded page loses nothing. It starts at the first slide change.
type talkTimer struct {
	start  time.Time     // zero until the first slide change (or after a reset)
	length time.Duration // the talk's planned length; 0 when not set
}

// timerMsg tells presenters the clock (docs/messages.md). Times are Unix
// milliseconds; now is the server's clock when the message was made, so a
// page with its own clock off by minutes still shows the same elapsed
// time as every other: elapsed = now - start + (time since received).
type timerMsg struct {
	Type   string `json:"type"`   // "timer"
	Start  int64  `json:"start"`  // 0 when not started
	Now    int64  `json:"now"`    // the server's clock
	Length int64  `json:"length"` // planned length in ms; 0 when not set
}

// message builds the timer frame as of now. It is made for each send,
// since now must be fresh.
func (t talkTimer) message(now time.Time) *protocol.Prepared {
	m := timerMsg{Type: "timer", Now: now.UnixMilli(), Length: t.length.Milliseconds()}
	if !t.start.IsZero() {
		m.Start = t.start.UnixMilli()
	}
	return jsonMessage(m)
}

// maxLength bounds the talk's length as a page may set it: a day.
const maxLength = 24 * time.Hour
