package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"testing"

	"wiretalk/bench/internal/micro"
)

// microResult is one run of one in-process benchmark.
type microResult struct {
	N           int     `json:"n"`
	NsPerOp     float64 `json:"ns_per_op"`
	AllocsPerOp float64 `json:"allocs_per_op"` // not rounded: 0.001 shows a rare allocation
	BytesPerOp  float64 `json:"bytes_per_op"`
	MBPerS      float64 `json:"mb_per_s"` // 10^6 bytes per second, as go test prints it
}

// cmdMicro runs the in-process benchmarks (masking, read, write) count
// times each and prints every result as JSON.
func cmdMicro(args []string) error {
	fs := flag.NewFlagSet("micro", flag.ExitOnError)
	match := fs.String("match", ".", "regexp of the benchmark names to run")
	count := fs.Int("count", 3, "runs of each benchmark")
	benchtime := fs.String("benchtime", "300ms", "time of each run, as go test's -benchtime")
	fs.Parse(args)
	re, err := regexp.Compile(*match)
	if err != nil {
		return err
	}
	testing.Init()
	if err := flag.Set("test.benchtime", *benchtime); err != nil {
		return err
	}
	out := map[string][]microResult{}
	for _, bm := range append(micro.MaskBenches(), micro.ConnBenches()...) {
		if !re.MatchString(bm.Name) {
			continue
		}
		for range *count {
			r := testing.Benchmark(bm.F)
			if r.N == 0 {
				return fmt.Errorf("%s failed", bm.Name)
			}
			mr := microResult{
				N:           r.N,
				NsPerOp:     float64(r.T.Nanoseconds()) / float64(r.N),
				AllocsPerOp: float64(r.MemAllocs) / float64(r.N),
				BytesPerOp:  float64(r.MemBytes) / float64(r.N),
			}
			if r.Bytes > 0 && r.T > 0 {
				mr.MBPerS = float64(r.Bytes) * float64(r.N) / 1e6 / r.T.Seconds()
			}
			out[bm.Name] = append(out[bm.Name], mr)
		}
		fmt.Fprintf(os.Stderr, "  %-28s %s\n", bm.Name, summarize(out[bm.Name]))
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}

func summarize(rs []microResult) string {
	r := rs[len(rs)-1]
	if r.MBPerS > 0 {
		return fmt.Sprintf("%10.0f ns/op %9.2f GB/s %6.3f allocs/op", r.NsPerOp, r.MBPerS/1000, r.AllocsPerOp)
	}
	return fmt.Sprintf("%10.0f ns/op %6.3f allocs/op", r.NsPerOp, r.AllocsPerOp)
}
