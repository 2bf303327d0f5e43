package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"wiretalk/protocol"
)

// BenchmarkRelayProcesses is the relay's benchmark at the scale
// docs/BENCHMARKS.md names, every part a process of its own: one
// "wiretalk serve" with -relay.n sockets, against nats-server, a presenter
// and two "wiretalk edge" processes with -relay.n sockets each. The
// sockets are held by client processes (this test binary run again with
// WIRETALK_BENCH_CLIENTS set), since one process may open 20,000 files
// here. A key press is the presenter socket's goto; it ends when the last
// socket of every client process has the new step, by the wall clock all
// processes share.
//
//	go test -run '^$' -bench RelayProcesses -benchtime 50x -relay.n 10000 .
var (
	relayN     = flag.Int("relay.n", 1000, "audience sockets per server in BenchmarkRelayProcesses")
	relayTrace = flag.Bool("relay.trace", false, "in BenchmarkRelayProcesses, print each press's times to the last phone")
	relayPin   = flag.Bool("relay.pin", true, "in BenchmarkRelayProcesses, pin the processes to CPUs (with taskset) as relayLayout lays them out for this machine, as if each audience server were on a machine of its own")
)

func TestMain(m *testing.M) {
	if spec := os.Getenv("WIRETALK_BENCH_CLIENTS"); spec != "" {
		os.Exit(benchClients(spec))
	}
	os.Exit(m.Run())
}

// pinned is the command for name and args, run on the CPUs cpu names
// (taskset's list) when -relay.pin is on and cpu is not empty.
func pinned(cpu, name string, args ...string) *exec.Cmd {
	if !*relayPin || cpu == "" {
		return exec.Command(name, args...)
	}
	return exec.Command("taskset", append([]string{"-c", cpu, name}, args...)...)
}

// cpuLayout says where BenchmarkRelayProcesses pins its processes, as
// taskset CPU lists ("" for anywhere).
type cpuLayout struct {
	// first holds the one server and the first edge, which are pressed in
	// turn, never together, so that the two are compared on the same CPU;
	// firstPhones holds their client processes.
	first, firstPhones   string
	second, secondPhones string // the second edge, and its client process
	rest                 string // the presenter and the broker
}

// relayLayout lays the processes out on a machine of ncpu CPUs. With four
// or more, each audience server has a CPU to itself and its phones (the
// client processes) another, and from five the presenter and the broker
// have the rest: each part as if on a machine of its own, which is what
// the relay's target is about. With fewer, each audience server shares
// one CPU with its phones, and the presenter and the broker go anywhere.
func relayLayout(ncpu int) cpuLayout {
	if ncpu >= 4 {
		l := cpuLayout{first: "0", firstPhones: "1", second: "2", secondPhones: "3"}
		if ncpu >= 5 {
			l.rest = fmt.Sprintf("4-%d", ncpu-1)
		}
		return l
	}
	second := strconv.Itoa(min(1, ncpu-1))
	return cpuLayout{first: "0", firstPhones: "0", second: second, secondPhones: second}
}

// talk is one way of presenting: a presenter's socket, and the client
// processes whose sockets follow it.
type talk struct {
	ps      *protocol.Conn
	clients []*clientProc
}

func dialTalk(b *testing.B, presenterAddr, key string, clients []*clientProc) *talk {
	b.Helper()
	ctx := context.Background()
	ps, _, err := protocol.Dial(ctx, "ws://"+presenterAddr+"/ws/presenter?key="+key, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ps.CloseNow() })
	go func() {
		for {
			if _, _, err := ps.Read(ctx); err != nil {
				return
			}
		}
	}()
	return &talk{ps: ps, clients: clients}
}

// press is the presenter's i-th key press: it returns the time from the
// press to the first socket of all, and to the last socket of each client
// process.
func (t *talk) press(b *testing.B, i int) (first time.Duration, last []time.Duration) {
	start := time.Now()
	if err := t.ps.Write(context.Background(), protocol.OpText, fmt.Appendf(nil, `{"type":"goto","index":%d}`, 1+i%2)); err != nil {
		b.Fatal(err)
	}
	var f int64
	for _, c := range t.clients {
		select {
		case a := <-c.times:
			if a.k != int64(i) {
				b.Fatalf("press %d: a client process reported change %d", i, a.k)
			}
			if f == 0 || a.first < f {
				f = a.first
			}
			last = append(last, time.Duration(a.last-start.UnixNano()))
		case <-time.After(time.Minute):
			b.Fatalf("press %d: not every socket had it within a minute", i)
		}
	}
	return time.Duration(f - start.UnixNano()), last
}

// BenchmarkRelayProcesses holds, at once, one "wiretalk serve" with
// -relay.n sockets and a talk through the relay (nats-server, a presenter,
// two "wiretalk edge" with -relay.n sockets each), and presses a key on
// each in turn, so that whatever else the machine does falls on both
// alike. With -relay.pin the processes are pinned to CPUs as relayLayout
// says: on two CPUs each audience server shares one with its own client
// process (the one server and the first edge CPU 0, the second edge CPU
// 1) and the presenter and the broker are not pinned; from four CPUs each
// server and its phones have a CPU each. Presses take turns going first, each 100 ms
// after the last one ended. It reports, in ms, p50 and p99 to the last phone
// for each; the p50 to the last phone of each edge alone (the first edge
// on the same CPU as the one server); the p50 to the first phone (the
// relay's hop with one write); and what the relay adds, two ways, each
// with its 95% bootstrap interval over the presses: the difference of the
// two p50s (p50diff), and the median of the paired differences, relay
// minus one server press by press (added). -relay.trace prints every
// press. Runs differ by more than these intervals (where the kernel puts
// the processes that are not pinned, what each process's memory looks
// like): compare several runs (-count) with benchstat.
//
//	go test -run '^$' -bench RelayProcesses -benchtime 50x -relay.n 10000 .
func BenchmarkRelayProcesses(b *testing.B) {
	natsBin, err := exec.LookPath("nats-server")
	if err != nil {
		natsBin = "/opt/nats/nats-server"
		if _, err := os.Stat(natsBin); err != nil {
			b.Skip("nats-server is not installed")
		}
	}
	if _, err := exec.LookPath("taskset"); err != nil && *relayPin {
		b.Skip("taskset is not installed (util-linux); run with -relay.pin=false")
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "wiretalk")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	deck := filepath.Join(dir, "talk.md")
	os.WriteFile(deck, []byte(relayDeck), 0o644)
	const key = "bench-presenter-key"
	n := *relayN
	maxConns := strconv.Itoa(n + 100)
	start := func(cmd *exec.Cmd) {
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	}
	listening := func(addr string) {
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				return
			}
			if time.Now().After(deadline) {
				b.Fatalf("nothing listens on %s", addr)
			}
		}
	}
	free := func() string {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		defer ln.Close()
		return ln.Addr().String()
	}

	cpus := relayLayout(runtime.NumCPU())

	// One server.
	addr := free()
	start(pinned(cpus.first, bin, "serve", "-addr", addr, "-no-state", "-key", key, "-max-conns", maxConns, deck))
	listening(addr)
	one := dialTalk(b, addr, key, []*clientProc{startClients(b, cpus.firstPhones, "ws://"+addr+"/ws", n)})

	// The relay.
	natsAddr := free()
	host, port, _ := net.SplitHostPort(natsAddr)
	start(pinned(cpus.rest, natsBin, "-a", host, "-p", port, "-js", "-sd", b.TempDir()))
	listening(natsAddr)
	paddr := free()
	start(pinned(cpus.rest, bin, "serve", "-addr", paddr, "-no-state", "-key", key, "-relay", "nats://"+natsAddr, "-talk", "bench", deck))
	listening(paddr)
	var clients []*clientProc
	for i := range 2 {
		cpu, phones := cpus.first, cpus.firstPhones
		if i == 1 {
			cpu, phones = cpus.second, cpus.secondPhones
		}
		eaddr := free()
		start(pinned(cpu, bin, "edge", "-addr", eaddr, "-name", fmt.Sprintf("edge-%d", i+1), "-max-conns", maxConns, "-relay", "nats://"+natsAddr, "-talk", "bench"))
		listening(eaddr)
		clients = append(clients, startClients(b, phones, "ws://"+eaddr+"/ws", n))
	}
	relayed := dialTalk(b, paddr, key, clients)

	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	var oneFirst, oneLast, relFirst, relLast, edge1Last, edge2Last, added []time.Duration
	b.ResetTimer()
	for i := 1; i <= b.N; i++ {
		// Each press starts on a settled machine (the last one's writes,
		// reads and collections done), and the two take turns going first.
		var f1, f2 time.Duration
		var l1, l2 []time.Duration
		pressOne := func() { time.Sleep(100 * time.Millisecond); f1, l1 = one.press(b, i) }
		pressRelay := func() { time.Sleep(100 * time.Millisecond); f2, l2 = relayed.press(b, i) }
		if i%2 == 0 {
			pressOne()
			pressRelay()
		} else {
			pressRelay()
			pressOne()
		}
		oneFirst, oneLast = append(oneFirst, f1), append(oneLast, l1[0])
		relFirst, relLast = append(relFirst, f2), append(relLast, slices.Max(l2))
		edge1Last = append(edge1Last, l2[0])
		edge2Last = append(edge2Last, l2[len(l2)-1])
		added = append(added, slices.Max(l2)-l1[0])
		if *relayTrace {
			fmt.Fprintf(os.Stderr, "press %d one %.1f e1 %.1f e2 %.1f first %.1f/%.1f\n", i, ms(l1[0]), ms(l2[0]), ms(l2[len(l2)-1]), ms(f1), ms(f2))
		}
	}
	b.StopTimer()
	b.ReportMetric(ms(quantile(oneLast, 0.5)), "one-p50-ms")
	b.ReportMetric(ms(quantile(oneLast, 0.99)), "one-p99-ms")
	b.ReportMetric(ms(quantile(relLast, 0.5)), "relay-p50-ms")
	b.ReportMetric(ms(quantile(relLast, 0.99)), "relay-p99-ms")
	b.ReportMetric(ms(quantile(edge1Last, 0.5)), "edge1-p50-ms")
	b.ReportMetric(ms(quantile(edge2Last, 0.5)), "edge2-p50-ms")
	b.ReportMetric(ms(quantile(oneFirst, 0.5)), "one-first-p50-ms")
	b.ReportMetric(ms(quantile(relFirst, 0.5)), "relay-first-p50-ms")
	lo, mid, hi := medianInterval(added, 2000)
	b.ReportMetric(ms(mid), "added-p50-ms")
	b.ReportMetric(ms(lo), "added-lo-ms")
	b.ReportMetric(ms(hi), "added-hi-ms")
	lo, mid, hi = p50DiffInterval(oneLast, relLast, 2000)
	b.ReportMetric(ms(mid), "p50diff-ms")
	b.ReportMetric(ms(lo), "p50diff-lo-ms")
	b.ReportMetric(ms(hi), "p50diff-hi-ms")
	b.ReportMetric(0, "ns/op")
}

// quantile is the q-quantile of ds (nearest rank), which it sorts a copy of.
func quantile(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// medianInterval is the median of ds and a 95% percentile-bootstrap
// interval for it, from rounds resamples with a fixed seed.
func medianInterval(ds []time.Duration, rounds int) (lo, mid, hi time.Duration) {
	r := rand.New(rand.NewPCG(1, 2))
	meds := make([]time.Duration, rounds)
	s := make([]time.Duration, len(ds))
	for i := range meds {
		for j := range s {
			s[j] = ds[r.IntN(len(ds))]
		}
		meds[i] = quantile(s, 0.5)
	}
	return quantile(meds, 0.025), quantile(ds, 0.5), quantile(meds, 0.975)
}

// p50DiffInterval is p50(b) minus p50(a), a[i] and b[i] measured as a
// pair, and a 95% percentile-bootstrap interval for it, from rounds
// resamples of the pairs with a fixed seed.
func p50DiffInterval(a, b []time.Duration, rounds int) (lo, mid, hi time.Duration) {
	r := rand.New(rand.NewPCG(3, 4))
	diffs := make([]time.Duration, rounds)
	sa, sb := make([]time.Duration, len(a)), make([]time.Duration, len(b))
	for i := range diffs {
		for j := range sa {
			k := r.IntN(len(a))
			sa[j], sb[j] = a[k], b[k]
		}
		diffs[i] = quantile(sb, 0.5) - quantile(sa, 0.5)
	}
	return quantile(diffs, 0.025), quantile(b, 0.5) - quantile(a, 0.5), quantile(diffs, 0.975)
}

func TestBenchQuantileAndInterval(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i))
	}
	if q := quantile(ds, 0.5); q != 51 {
		t.Errorf("median of 1..100 by nearest rank = %d, want 51", q)
	}
	if q := quantile(ds, 0.99); q != 100 {
		t.Errorf("p99 of 1..100 = %d, want 100", q)
	}
	if ds[0] != 100 {
		t.Error("quantile sorted its argument in place")
	}
	lo, mid, hi := medianInterval(ds, 500)
	if !(lo < mid && mid < hi) || lo < 35 || hi > 65 {
		t.Errorf("median interval of 1..100 = [%d, %d, %d]", lo, mid, hi)
	}
	shifted := make([]time.Duration, len(ds))
	for i, d := range ds {
		shifted[i] = d + 10
	}
	if lo, mid, hi := p50DiffInterval(ds, shifted, 500); lo != 10 || mid != 10 || hi != 10 {
		t.Errorf("p50 difference of 1..100 shifted by 10 = [%d, %d, %d], want all 10", lo, mid, hi)
	}
	reversed := slices.Clone(ds)
	slices.Reverse(reversed)
	if lo, mid, hi := p50DiffInterval(ds, reversed, 500); mid != 0 || !(lo < 0 && hi > 0) {
		t.Errorf("p50 difference of 1..100 and its reverse, paired = [%d, %d, %d], want 0 inside a spread", lo, mid, hi)
	}
	same := []time.Duration{7, 7, 7, 7}
	if lo, mid, hi := medianInterval(same, 100); lo != 7 || mid != 7 || hi != 7 {
		t.Errorf("interval of a constant = [%d, %d, %d], want all 7", lo, mid, hi)
	}
}

func TestRelayLayout(t *testing.T) {
	for _, tc := range []struct {
		ncpu int
		want cpuLayout
	}{
		{1, cpuLayout{first: "0", firstPhones: "0", second: "0", secondPhones: "0"}},
		{2, cpuLayout{first: "0", firstPhones: "0", second: "1", secondPhones: "1"}},
		{3, cpuLayout{first: "0", firstPhones: "0", second: "1", secondPhones: "1"}},
		{4, cpuLayout{first: "0", firstPhones: "1", second: "2", secondPhones: "3"}},
		{5, cpuLayout{first: "0", firstPhones: "1", second: "2", secondPhones: "3", rest: "4-4"}},
		{16, cpuLayout{first: "0", firstPhones: "1", second: "2", secondPhones: "3", rest: "4-15"}},
	} {
		if got := relayLayout(tc.ncpu); got != tc.want {
			t.Errorf("relayLayout(%d) = %+v, want %+v", tc.ncpu, got, tc.want)
		}
	}
}
