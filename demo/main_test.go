package demo

import (
	"testing"

	"wiretalk/internal/leakcheck"
)

// TestMain fails the run if goroutines of demo or protocol outlive the
// tests: every feed, specimen, writer and command must end with its
// connection.
func TestMain(m *testing.M) { leakcheck.Main(m, "wiretalk/demo.", "wiretalk/protocol.") }
