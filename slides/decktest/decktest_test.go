package decktest

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// outcome records how a helper ended a test: Fatalf and Skipf stop the
// goroutine, as testing's do.
type outcome struct {
	testing.TB
	fatal, skip string
}

func (o *outcome) Helper() {}

func (o *outcome) Fatalf(format string, args ...any) {
	o.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (o *outcome) Skipf(format string, args ...any) {
	o.skip = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func run(t *testing.T, fromRoot string) *outcome {
	o := &outcome{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		userTalk(o, fromRoot)
	}()
	<-done
	return o
}

func TestMissingUserTalkSkipsOrFailsUnderCI(t *testing.T) {
	const missing = "testdata/decks/no-such-talk.md"
	t.Setenv("CI", "")
	if o := run(t, missing); o.fatal != "" || !strings.Contains(o.skip, "no-such-talk.md is not here") {
		t.Errorf("CI unset: fatal %q, skip %q; want a skip naming the file", o.fatal, o.skip)
	}
	t.Setenv("CI", "true")
	if o := run(t, missing); o.skip != "" || !strings.Contains(o.fatal, "no-such-talk.md is missing") {
		t.Errorf("CI=true: fatal %q, skip %q; want a failure naming the file", o.fatal, o.skip)
	}
	// A file that is there is read, CI or not.
	path, src := userTalk(t, FeaturesPath)
	if !strings.HasSuffix(path, "features.md") || !strings.Contains(string(src), "# Demo") {
		t.Errorf("read %s: %.40q", path, src)
	}
}
