package main

// echo writes section 1, the echo round trips over one connection.
func (r *reporter) echo() {
	sizes := r.echoSizes()
	if len(sizes) == 0 {
		return
	}
	r.f("## 1. Echo round trips over one connection\n\n")
	r.f("One connection, the raw client sends a pre-masked binary message and waits for the echo, for %s per size after a warm-up. ", r.res.EchoDur)
	r.f("Client and server run pinned to the same CPU (`taskset -c 1`), so the figure is software cost, not the cost of waking another CPU. ")
	r.f("The servers of all the libraries run at once, pinned to that CPU too, and one clients process holding a connection to each measures them in turn: %d cycles, in each of which every server gets its %s at each size, in a fresh random order (`bench/cmd/wtbench/echo.go`), so that cycle i of every server is measured within a second or two of the others'. ", r.res.EchoRuns, r.res.EchoDur)
	r.f("Round trips per second, median over the cycles; the ratio is the median of the cycle-by-cycle ratios, with its 95%% confidence interval; higher is better.\n\n")
	r.head("size", append(titles(r.libs.echo, ""), "wiretalk ÷ best peer (cycle by cycle, median and 95% CI)"), "---:")
	for _, size := range sizes {
		r.f("| %s |", sizeLabel(size))
		vals := map[string]float64{}
		for _, lib := range r.libs.echo {
			vals[lib] = r.echoRate(lib, size)
			r.f(" %s |", comma(vals[lib]))
		}
		bn, _ := best(vals, higher)
		r.f(" %s (%s) |\n", r.echoCmp("wiretalk", bn, size).short(), bn)
	}
	r.f("\n")
}
