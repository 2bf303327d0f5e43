package server

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Question states. With moderation a new question is pending until the
// presenter approves it; the audience sees open and answered ones.
const (
	questionPending  = "pending"
	questionOpen     = "open"
	questionAnswered = "answered"
	questionHidden   = "hidden"
)

// question is one question from the audience.
type question struct {
	ID     int             `json:"id"`
	Text   string          `json:"text"`
	Device string          `json:"device"`
	State  string          `json:"state"`
	Asked  int64           `json:"asked"` // Unix milliseconds
	Voters map[string]bool `json:"voters"`
}

// ask adds a question from device. The text is kept as written (pages
// show it as text, never HTML), trimmed, with control characters but
// newlines and tabs refused.
func (r *room) ask(device, text string) (int, error) {
	text, err := questionText(text)
	if err != nil {
		return 0, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if err := r.admitAskLocked(device, now); err != nil {
		return 0, err
	}
	r.nextQ++
	q := &question{ID: r.nextQ, Text: text, Device: device, State: questionOpen, Asked: now.UnixMilli(), Voters: map[string]bool{}}
	if r.moderate {
		q.State = questionPending
	}
	r.questions = append(r.questions, q)
	r.changedLocked(changedQuestions)
	r.saved()
	return q.ID, nil
}

// questionText checks a question's text and returns it trimmed.
func questionText(text string) (string, error) {
	text = strings.TrimSpace(text)
	switch n := utf8.RuneCountInString(text); {
	case !utf8.ValidString(text):
		return "", refuse("a question must be UTF-8 text")
	case n == 0:
		return "", refuse("the question is empty")
	case n > maxQuestionRunes:
		return "", refuse("a question has at most 280 characters")
	case strings.ContainsFunc(text, func(c rune) bool { return unicode.IsControl(c) && c != '\n' && c != '\t' }):
		return "", refuse("a question cannot hold control characters")
	}
	return text, nil
}

// admitAskLocked counts one more question from device at now, or refuses
// a fourth within askWindow. Call with mu held.
func (r *room) admitAskLocked(device string, now time.Time) error {
	recent := slices.DeleteFunc(r.asks[device], func(t time.Time) bool { return now.Sub(t) >= askWindow })
	if len(recent) >= asksPerWindow {
		r.asks[device] = recent
		return refuse("at most 3 questions a minute: wait a little")
	}
	r.asks[device] = append(recent, now)
	return nil
}

// find returns question id, or nil. Call with mu held.
func (r *room) find(id int) *question {
	for _, q := range r.questions {
		if q.ID == id {
			return q
		}
	}
	return nil
}

// upvote records device's vote for question id, once per device; a
// device does not upvote its own question.
func (r *room) upvote(device string, id int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := r.find(id)
	switch {
	case q == nil || q.State == questionPending || q.State == questionHidden:
		return refuse("no such question")
	case q.Device == device:
		return refuse("you asked this question")
	case q.Voters[device]:
		return nil
	}
	q.Voters[device] = true
	r.changedLocked(changedQuestions)
	r.saved()
	return nil
}

// questionCommand applies a presenter's action to question id: answer,
// hide, approve (a pending one), reopen.
func (r *room) questionCommand(id int, action string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := r.find(id)
	if q == nil {
		return refuse("no such question")
	}
	switch action {
	case "answer":
		q.State = questionAnswered
	case "hide":
		q.State = questionHidden
	case "approve", "reopen":
		q.State = questionOpen
	default:
		return refuse("unknown question action")
	}
	r.changedLocked(changedQuestions)
	r.saved()
	return nil
}

// questionView is a question as a page is shown it.
type questionView struct {
	ID    int    `json:"id"`
	Text  string `json:"text"`
	Votes int    `json:"votes"`
	State string `json:"state"`
}

// questionViews returns the questions sorted by votes, then by age: all
// of them for presenters, the open and answered ones for the audience.
func (r *room) questionViews(presenter bool) []questionView {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := []questionView{}
	for _, q := range r.questions {
		if !presenter && q.State != questionOpen && q.State != questionAnswered {
			continue
		}
		out = append(out, questionView{ID: q.ID, Text: q.Text, Votes: len(q.Voters), State: q.State})
	}
	slices.SortStableFunc(out, func(a, b questionView) int { return b.Votes - a.Votes })
	return out
}

// upvotedBy returns the IDs of the questions device upvoted.
func (r *room) upvotedBy(device string) []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := []int{}
	for _, q := range r.questions {
		if q.Voters[device] {
			out = append(out, q.ID)
		}
	}
	return out
}
