package export

import (
	"testing"

	"wiretalk/internal/leakcheck"
)

// The recording session starts a server, a feed and a specimen: none may
// outlive the tests.
func TestMain(m *testing.M) {
	leakcheck.Main(m, "wiretalk/export.", "wiretalk/demo.", "wiretalk/protocol.")
}
