// Package leakcheck fails a test binary whose tests leave goroutines
// running: every connection's reader, writer, timer callback and test
// server must be gone once the tests are.
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Patience is how long Main waits for goroutines to end after the tests:
// closing handshakes and timers take a moment.
const Patience = 5 * time.Second

// Main runs the tests of m and exits. When they pass but goroutines are
// still running Patience later, it prints their stacks and fails the run.
// With packages given (such as "wiretalk/protocol."), only goroutines
// running code of those packages count; without, every goroutine but the
// test harness's does.
func Main(m *testing.M, packages ...string) {
	code := m.Run()
	if code == 0 {
		if left := Wait(Patience, packages...); left != "" {
			fmt.Fprintf(os.Stderr, "FAIL: goroutines left running after the tests:\n\n%s\n", left)
			code = 1
		}
	}
	os.Exit(code)
}

// Wait waits up to timeout for the goroutines Main counts to end. It
// returns "" or, at the timeout, their stacks.
func Wait(timeout time.Duration, packages ...string) string {
	deadline := time.Now().Add(timeout)
	for {
		left := Running(packages...)
		if len(left) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(left, "\n\n")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// harness marks the stacks of goroutines that belong to the runtime and
// the test or fuzzing harness, not to the tests.
var harness = [...]string{
	"testing.(*M).Run",
	"testing.RunTests",
	"testing.runFuzzTests", // the fuzzing coordinator
	"internal/fuzz.",       // fuzzing workers
	"os/signal.loop",       // the fuzzing coordinator's SIGINT handler
	"runtime.goexit0",      // exiting
	"leakcheck.Running",    // this one
}

// Running returns the stacks of the goroutines that count (see Main).
func Running(packages ...string) []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
next:
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, h := range harness {
			if strings.Contains(g, h) {
				continue next
			}
		}
		if len(packages) == 0 {
			out = append(out, g)
			continue
		}
		for _, p := range packages {
			if strings.Contains(g, p) {
				out = append(out, g)
				continue next
			}
		}
	}
	return out
}
