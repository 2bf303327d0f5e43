package main

// memory writes section 3, the memory per idle connection.
func (r *reporter) memory() {
	ns := r.idleNs()
	if len(ns) == 0 {
		return
	}
	r.f("## 3. Memory per idle connection\n\n")
	r.f("A server process of its own per library holds N connections that have done the handshake and nothing else, each in the library's normal reading model: a goroutine per connection for wiretalk, gorilla, coder and gws (its own server); an epoll loop and no goroutine for gobwas and the raw floor, as gobwas is used to be lean. ")
	r.f("After `runtime.GC()` and `debug.FreeOSMemory()`: (HeapInuse + StackInuse) and RSS, minus the same before the first connection, divided by N; median of %d runs. ", r.res.Runs)
	r.f("The wiretalk hub row is `server/` itself, whose audience sockets have also received `hello` and `state`. Lower is better.\n\n")
	var cols []string
	for _, n := range ns {
		cols = append(cols, "heap+stack N="+comma(float64(n)), "RSS N="+comma(float64(n)))
	}
	r.head("library", append(cols, "of which stacks, N="+comma(float64(ns[len(ns)-1])), "goroutines per connection"), "---:")
	for _, lib := range r.libs.idle {
		if len(r.res.Idle[lib]) == 0 {
			continue
		}
		r.f("| %s |", libTitle[lib])
		var g, st float64
		for _, n := range ns {
			hs, rss, gr, stack := r.idleMemStack(lib, n)
			g, st = gr, stack
			r.f(" %s B | %s B |", comma(hs), comma(rss))
		}
		r.f(" %s B | %s |\n", comma(st), num(g, 2))
	}
	n := ns[len(ns)-1]
	vals := map[string]float64{}
	for _, lib := range peers {
		vals[lib], _, _ = r.idleMem(lib, n)
	}
	ours, _, _ := r.idleMem("wiretalk", n)
	bn, bv := best(vals, lower)
	r.f("\nAt N=%s wiretalk holds an idle connection in %s of the best peer's heap and stack (%s).\n", comma(float64(n)), ratio(ours/bv), bn)
	r.f("\n")
}
