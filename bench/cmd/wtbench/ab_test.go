package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// built is the wtbench binary the process tests run, built once.
var built struct {
	once sync.Once
	dir  string
	exe  string
	err  error
	out  []byte
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// wtbenchExe builds wtbench, once for all the tests, and returns it.
func wtbenchExe(t *testing.T) string {
	if testing.Short() {
		t.Skip("builds wtbench and starts processes")
	}
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "wtbench-test-"); built.err != nil {
			return
		}
		built.exe = filepath.Join(built.dir, "wtbench")
		built.out, built.err = exec.Command("go", "build", "-o", built.exe, ".").CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("go build: %v\n%s", built.err, built.out)
	}
	return built.exe
}

func TestMedianCI(t *testing.T) {
	xs := make([]float64, 100)
	for i := range xs {
		xs[len(xs)-1-i] = float64(i + 1) // unsorted: 100 down to 1
	}
	med, lo, hi, n := medianCI(xs)
	// For 100 values the distribution-free 95 % interval of the median
	// lies between the 40th and the 61st smallest.
	if med != 50.5 || lo != 40 || hi != 61 || n != 100 {
		t.Errorf("medianCI(1..100) = %v [%v, %v] of %d, want 50.5 [40, 61] of 100", med, lo, hi, n)
	}
	if med, lo, hi, _ := medianCI([]float64{3, 1, 2}); med != 2 || lo != 1 || hi != 3 {
		t.Errorf("medianCI of 3 values = %v [%v, %v], want 2 [1, 3]: the whole range", med, lo, hi)
	}
	if _, _, _, n := medianCI(nil); n != 0 {
		t.Errorf("medianCI(nil) counted %d values", n)
	}
}

func TestBcastCmpPairsRoundsOfTheSameRun(t *testing.T) {
	res := &results{Broadcast: map[string][][]broadcastResult{
		"wiretalk": {
			{{N: 10, RoundsMS: []float64{9, 18, 27}}},
			{},                                      // a failed run: nothing to pair
			{{N: 10, RoundsMS: []float64{5, 5, 5}}}, // rounds of run 3
		},
		"raw": {
			{{N: 10, RoundsMS: []float64{10, 20, 30}}},
			{{N: 10, RoundsMS: []float64{1, 1, 1}}},
			{{N: 10, RoundsMS: []float64{10, 10, 10}}},
		},
	}}
	r := &reporter{res: res}
	c := r.bcastCmp("wiretalk", "raw", 10)
	// Pairs: 0.9 three times (run 1) and 0.5 three times (run 3); run 2's
	// rounds of raw have no partner.
	if c.pairs != 6 || c.med != 0.7 || c.lo != 0.5 || c.hi != 0.9 {
		t.Errorf("bcastCmp = %+v, want the median 0.7 of 6 pairs, CI 0.5 to 0.9", c)
	}
	if met, inside := c.verdict(1, lower); !met || inside {
		t.Errorf("verdict(1, lower) = %v, %v; want met, with the whole interval below the goal", met, inside)
	}
	if met, inside := c.verdict(0.8, lower); !met || !inside {
		t.Errorf("verdict(0.8, lower) = %v, %v; want met, inside the noise", met, inside)
	}
	// A goal to reach or exceed (the echo's).
	if met, inside := c.verdict(0.6, higher); !met || !inside {
		t.Errorf("verdict(0.6, higher) = %v, %v; want met, inside the noise", met, inside)
	}
	if met, inside := c.verdict(0.95, higher); met || inside {
		t.Errorf("verdict(0.95, higher) = %v, %v; want missed, with the whole interval below the goal", met, inside)
	}
}

// TestABTournament plays a small tournament of two servers through the
// real processes: wtbench is built, and "wtbench ab" starts two servers
// and two clients processes and alternates their rounds.
func TestABTournament(t *testing.T) {
	exe := wtbenchExe(t)
	out, err := exec.Command(exe, "ab", "-a", "wiretalk", "-b", "raw", "-n", "20,40", "-rounds", "6", "-gap", "1ms").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("wtbench ab: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^N=(\d+): wiretalk p50 [0-9.]+ ms, raw p50 [0-9.]+ ms; .* \((\d+) pairs\); wiretalk faster in (\d+)$`)
	m := re.FindAllStringSubmatch(string(out), -1)
	if len(m) != 2 {
		t.Fatalf("want a line for each of N=20 and N=40, got:\n%s", out)
	}
	for i, want := range []string{"20", "40"} {
		if m[i][1] != want || m[i][2] != "6" {
			t.Errorf("line %d: N=%s with %s pairs, want N=%s with 6", i+1, m[i][1], m[i][2], want)
		}
		if k, _ := strconv.Atoi(m[i][3]); k > 6 {
			t.Errorf("line %d: faster in %d of 6 rounds", i+1, k)
		}
	}
}

// TestABEcho compares two echo servers cycle by cycle through the real
// processes: a line for each size, with a pair for every cycle.
func TestABEcho(t *testing.T) {
	exe := wtbenchExe(t)
	out, err := exec.Command(exe, "ab", "-mode", "echo", "-a", "wiretalk", "-b", "gobwas", "-sizes", "16,1024",
		"-cycles", "4", "-dur", "5ms", "-cpu", "0").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("wtbench ab -mode echo: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^(\d+ [KM]?i?B): wiretalk [0-9,]+/s, gobwas [0-9,]+/s; wiretalk ÷ gobwas cycle by cycle: median [0-9.]+, 95% CI [0-9.]+ to [0-9.]+ \((\d+) pairs\); wiretalk faster in (\d+)$`)
	m := re.FindAllStringSubmatch(string(out), -1)
	if len(m) != 2 {
		t.Fatalf("want a line for each of 16 B and 1 KiB, got:\n%s", out)
	}
	for i, want := range []string{"16 B", "1 KiB"} {
		if m[i][1] != want || m[i][2] != "4" {
			t.Errorf("line %d: %s with %s pairs, want %s with 4", i+1, m[i][1], m[i][2], want)
		}
		if k, _ := strconv.Atoi(m[i][3]); k > 4 {
			t.Errorf("line %d: faster in %d of 4 cycles", i+1, k)
		}
	}
}

// TestABRefuses checks that ab refuses what it cannot measure, before it
// starts anything: a server without an echo (exit 1) and an unknown mode
// (usage, exit 2).
func TestABRefuses(t *testing.T) {
	exe := wtbenchExe(t)
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"-mode", "echo", "-a", "hub", "-b", "hub"}, 1, "hub has no echo"},
		{[]string{"-mode", "echo", "-a", "wiretalk", "-b", "raw"}, 1, "raw has no echo"},
		{[]string{"-mode", "read"}, 2, `-mode "read": want broadcast or echo`},
	} {
		out, err := exec.Command(exe, append([]string{"ab"}, tc.args...)...).CombinedOutput()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != tc.code || !strings.Contains(string(out), tc.says) {
			t.Errorf("ab %v: %v, want exit %d saying %q; output:\n%s", tc.args, err, tc.code, tc.says, out)
		}
	}
}
