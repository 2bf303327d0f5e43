package relay

import (
	"testing"

	"wiretalk/internal/leakcheck"
)

// TestMain fails the run if a presenter's loop, an edge's watch or count
// reporter, or a server they drive is left running after the tests.
func TestMain(m *testing.M) {
	leakcheck.Main(m, "wiretalk/relay.", "wiretalk/server.", "wiretalk/protocol.")
}
