package main

import (
	"encoding/json"
	"os/exec"
	"testing"
)

// TestEchoCycles measures two echo servers in turn through the real
// processes, as "wtbench run" does: every server gets every size in every
// cycle.
func TestEchoCycles(t *testing.T) {
	exe := wtbenchExe(t)
	var addrs []string
	for _, lib := range []string{"wiretalk", "gobwas"} {
		s, err := startServer(exec.Command(exe, "server", "-lib", lib, "-mode", "echo"))
		if err != nil {
			t.Fatal(err)
		}
		defer s.stop()
		addrs = append(addrs, s.addrs.WS)
	}
	out, err := exec.Command(exe, "clients", "-mode", "echo-cycles", "-ws", addrs[0]+","+addrs[1],
		"-cycles", "3", "-dur", "5ms", "-sizes", "16,70000").Output()
	if err != nil {
		t.Fatalf("clients: %v", err)
	}
	var res clientsResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.EchoCycles) != 2 {
		t.Fatalf("results for %d servers, want 2", len(res.EchoCycles))
	}
	for i, cycles := range res.EchoCycles {
		if len(cycles) != 3 {
			t.Fatalf("server %d: %d cycles, want 3", i, len(cycles))
		}
		for c, rs := range cycles {
			if len(rs) != 2 || rs[0].Size != 16 || rs[1].Size != 70000 {
				t.Fatalf("server %d cycle %d: %+v, want a result for 16 B and one for 70,000 B", i, c, rs)
			}
			for _, r := range rs {
				if r.RoundTrips < 1 || r.Seconds <= 0 {
					t.Errorf("server %d cycle %d: %+v", i, c, r)
				}
			}
		}
	}
}
