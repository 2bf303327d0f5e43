package server

import (
	"runtime"
	"testing"
)

// TestIdleAudienceSocketStack: an idle audience socket's reading
// goroutine keeps the 2 KiB stack it starts with. The join (hello, the
// state, their JSON) runs on the handler's goroutine; run on the reading
// one it grew that stack to 4 KiB, which the runtime does not shrink
// under a read waiting about 1 KiB deep, and an idle phone cost 6.3 KiB
// instead of 4.3 (docs/BENCHMARKS.md).
func TestIdleAudienceSocketStack(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("measures stacks; not meaningful under the race detector")
	}
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
	stack := (int64(after.StackInuse) - int64(before.StackInuse)) / n
	heap := (int64(after.HeapInuse) - int64(before.HeapInuse)) / n
	t.Logf("per idle audience socket: stack %d bytes, heap %d bytes (with the test's client sockets)", stack, heap)
	if stack > 3<<10 {
		t.Errorf("stack %d bytes per idle audience socket, want about 2 KiB (at most 3 KiB)", stack)
	}
}
