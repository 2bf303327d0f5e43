package demo

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the run if goroutines of demo or protocol outlive the
// tests: every feed, specimen, writer and command must end with its
// connection.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaks := leakedGoroutines(5 * time.Second); leaks != "" {
			fmt.Fprintf(os.Stderr, "goroutines left running after the tests:\n\n%s\n", leaks)
			code = 1
		}
	}
	os.Exit(code)
}

// leakedGoroutines returns the stacks of the goroutines running demo or
// protocol code, waiting up to patience for them to end.
func leakedGoroutines(patience time.Duration) string {
	deadline := time.Now().Add(patience)
	for {
		buf := make([]byte, 4<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaks []string
		for g := range strings.SplitSeq(string(buf), "\n\n") {
			if strings.Contains(g, "demo.leakedGoroutines") {
				continue
			}
			if strings.Contains(g, "wiretalk/demo.") || strings.Contains(g, "wiretalk/protocol.") {
				leaks = append(leaks, g)
			}
		}
		if len(leaks) == 0 || time.Now().After(deadline) {
			return strings.Join(leaks, "\n\n")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
