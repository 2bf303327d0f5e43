package main

import "wiretalk/bench/internal/micro"

// masking writes section 4, the masking throughput.
func (r *reporter) masking() {
	if _, _, _, ok := r.microMedian("mask/wiretalk/64KiB"); !ok {
		return
	}
	r.f("## 4. Masking throughput, in place\n\n")
	r.f("XOR with a 4-byte key over a buffer that stays in cache (64 KiB) and one that mostly does too (1 MiB), in GB/s (10⁹ bytes/s), median of %d runs; `copy` is `copy(dst, src)` of the same size, the pace of memory itself. ", r.res.Runs)
	r.f("wiretalk's `protocol.Mask` is measured twice: as built by default (a scalar loop, 8 bytes per load and store) and built with Go 1.26's `GOEXPERIMENT=simd` (AVX2 vectors through the standard library's `simd/archsimd`, `protocol/mask_vector.go`). ")
	r.f("gobwas's `ws.Cipher` is measured twice: as built by default (AVX2/SSE2 assembly) and with `-tags purego` (its Go loop). ")
	r.f("gorilla's `maskBytes` and coder's `mask` are unexported and gws's `MaskXOR` is in its `internal` package, so none of the three can be called from outside its module (coder v1.8.15 uses its pure Go `maskGo` on every platform: its assembly is commented out).\n\n")
	var sizes []string
	for _, size := range micro.MaskSizes {
		sizes = append(sizes, sizeLabel(size))
	}
	r.head("function", sizes, "---:")
	for _, fn := range []struct{ key, title string }{
		{"wiretalk", "wiretalk `protocol.Mask`, default build (pure Go, scalar)"},
		{"wiretalk-simd", "wiretalk `protocol.Mask`, `GOEXPERIMENT=simd` (Go with `simd/archsimd`, no assembly)"},
		{"gobwas-purego", "gobwas `ws.Cipher`, `-tags purego` (pure Go)"},
		{"gobwas-asm", "gobwas `ws.Cipher`, default build (assembly)"},
		{"byteloop", "byte loop"},
		{"copy", "`copy`"},
	} {
		r.f("| %s |", fn.title)
		for _, size := range micro.MaskSizes {
			r.f(" %s |", num(r.microGBps(fn.key, size), 1))
		}
		r.f("\n")
	}
	r.f("\n")
}

// allocs writes section 5, the allocations per message.
func (r *reporter) allocs() {
	if _, _, _, ok := r.microMedian("read/wiretalk/16B"); !ok {
		return
	}
	r.f("## 5. Allocations per message, steady state\n\n")
	r.f("One server connection on loopback TCP reads messages that a raw client streams to it pre-masked, or writes messages that a raw client drains; `testing.Benchmark` with `ReportAllocs`, %d runs, medians. ", r.res.Runs)
	r.f("Each library uses its cheapest API for a whole message in memory it owns: wiretalk `Read`/`Write`; gorilla `NextReader` into a reused buffer and `WriteMessage`; coder `Reader` into a reused buffer and `Write`; gobwas `ReadHeaderBuffer` + `io.ReadFull` + `Cipher` and `WriteHeaderBuffer` + `Write` through bufio; gws `ReadMessage` + `Message.Close` and `WriteMessage`. ")
	r.f("Allocations per message are shown unrounded (0.002 is one allocation per 500 messages). The ns/op include the feeding or draining goroutine on the other core and are a rough guide only; the echo table is the speed comparison.\n\n")
	var cols []string
	for _, lib := range micro.Libs {
		cols = append(cols, libTitle[lib]+" allocs", libTitle[lib]+" ns")
	}
	r.head("operation", cols, "---:")
	for _, dir := range []string{"read", "write"} {
		for _, size := range micro.MessageSizes {
			r.f("| %s %s |", dir, sizeLabel(size))
			for _, lib := range micro.Libs {
				ns, a, _, _ := r.microMedian(dir + "/" + lib + "/" + micro.SizeName(size))
				r.f(" %s | %s |", num(a, 3), comma(ns))
			}
			r.f("\n")
		}
	}
	r.f("\n")
}
