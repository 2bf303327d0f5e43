package server

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"testing"
)

// freshEnv is set in the test binary that TestIdleAudienceSocketStack runs
// again to measure in.
const freshEnv = "WIRETALK_TEST_IDLE_STACK"

// TestIdleAudienceSocketStack: an idle audience socket's reading
// goroutine keeps the 2 KiB stack it starts with. The join (hello, the
// state, their JSON) runs on the handler's goroutine; run on the reading
// one it grew that stack to 4 KiB, which the runtime does not shrink
// under a read waiting about 1 KiB deep, and an idle phone cost 6.3 KiB
// instead of 4.3 (docs/BENCHMARKS.md).
//
// It measures in a process of its own. The runtime starts new goroutines
// with the average stack it found at its last collection; after the
// package's other tests that average can be 4 KiB, and the sockets would
// start there whatever the server did (it failed that way run a second
// time in one process, with -count=2).
func TestIdleAudienceSocketStack(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("measures stacks; not meaningful under the race detector")
	}
	if os.Getenv(freshEnv) != "" {
		stack, heap := idleSocketCost(t)
		fmt.Printf("idle audience socket: %d %d\n", stack, heap)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleAudienceSocketStack$", "-test.count=1")
	cmd.Env = append(os.Environ(), freshEnv+"=1")
	out, err := cmd.CombinedOutput()
	var stack, heap int64
	i := bytes.Index(out, []byte("idle audience socket: "))
	if err != nil || i < 0 {
		t.Fatalf("the measuring process: %v\n%s", err, out)
	}
	if _, err := fmt.Sscanf(string(out[i:]), "idle audience socket: %d %d", &stack, &heap); err != nil {
		t.Fatalf("the measuring process printed %q: %v", out, err)
	}
	t.Logf("per idle audience socket: stack %d bytes, heap %d bytes (with the test's client sockets)", stack, heap)
	if stack > 3<<10 {
		t.Errorf("stack %d bytes per idle audience socket, want about 2 KiB (at most 3 KiB)", stack)
	}
}

// idleSocketCost opens idle audience sockets and returns what each adds
// to the stacks and the heap in use, in bytes.
func idleSocketCost(t *testing.T) (stack, heap int64) {
	const n = 300
	ts := newTestServer(t, testDeck)
	ts.dial(t, "/ws", nil) // warm up: pools, the hub's slice

	settle := func() runtime.MemStats {
		var ms runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms
	}
	before := settle()
	for range n {
		stalledDial(t, ts.addr()) // the handshake, then never a read
	}
	eventually(t, "every page in the hub", func() bool { return ts.AudienceCount() == n+1 })
	after := settle()
	return (int64(after.StackInuse) - int64(before.StackInuse)) / n, (int64(after.HeapInuse) - int64(before.HeapInuse)) / n
}
