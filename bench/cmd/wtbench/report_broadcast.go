package main

import (
	"slices"
	"strings"
)

// broadcast writes section 2, the broadcast to N connections, with the
// servers' CPU time and the hub's own table.
func (r *reporter) broadcast() {
	ns := r.bcastNs(r.libs.bcast...)
	if len(ns) > 0 {
		r.f("## 2. Broadcast: one 200-byte text message to N connections\n\n")
		r.f("Raw clients hold the connections, in a process of their own per server (one epoll loop per core). For each round the clients process sends `b` on the server's control port and times, on its own monotonic clock, from just before that write to the receipt of the message by the last of the N sockets; %d timed rounds after 3 of warm-up, each followed by a 20 ms pause. ", r.res.Rounds)
		r.f("Every run is a tournament (`bench/cmd/wtbench/tournament.go`): the servers of all the libraries, the floor and the hub run at once, each with its N sockets open, and take turns round by round, in a fresh random order each cycle, so that round i of every server is measured within a second of the others'. ")
		r.f("p50 and p99 (nearest rank: with %d rounds the p99 is the slowest round) of the rounds of a run, then the median over %d runs (%d first, then more, up to %d, at the end of the whole run while its time budget lasts); milliseconds, lower is better. ", r.res.Rounds, r.bcastRuns(), r.res.Runs, max(r.res.BcastRuns, r.res.Runs))
		r.f("Each library broadcasts the way its users would do it best: wiretalk one `Prepared` frame written as `server/hub.go` does it, by one goroutine per P (2 here), the writers taking the connections 32 at a time from a shared counter, each write a `TryWritePrepared`, a socket that cannot take it at once getting a goroutine of its own; gorilla one `PreparedMessage`, a goroutine per connection; coder `Conn.Write` from a goroutine per connection; gobwas one `ws.CompileFrame` frame written by two writer goroutines (one per P), each over its half of the connections, with plain `Write` calls, as issue #5 describes it; gws its `Broadcaster`. ")
		r.f("The floor writes the same bytes to the same kind of sockets (upgraded by hand) with plain `conn.Write` calls, split among the writers as wiretalk's are.\n\n")
		how := "round by round, median and 95% CI"
		r.head("N", append(titles(r.libs.bcast, " p50 / p99"), "wiretalk ÷ best peer ("+how+")", "wiretalk ÷ floor ("+how+")"), "---:")
		for _, n := range ns {
			r.f("| %s |", comma(float64(n)))
			vals := map[string]float64{}
			for _, lib := range r.libs.bcast {
				p50, p99 := r.bcast(lib, n)
				vals[lib] = p50
				r.f(" %s / %s |", num(p50, 1), num(p99, 1))
			}
			bn, _ := best(vals, lower)
			r.f(" %s (%s) | %s |\n", r.bcastCmp("wiretalk", bn, n).short(), bn, r.bcastCmp("wiretalk", "raw", n).short())
		}
		r.f("\nThe p50 of every run, in the order run, shows how much the shared machine moves the figures:\n\n")
		r.head("N", titles(r.libs.bcast, ""), "---")
		for _, n := range ns {
			r.f("| %s |", comma(float64(n)))
			for _, lib := range r.libs.bcast {
				var xs []string
				for _, x := range r.bcastByRun(lib, n, 50) {
					xs = append(xs, num(x, 0))
				}
				r.f(" %s |", strings.Join(xs, " "))
			}
			r.f("\n")
		}
		r.f("\n")
		r.bcastCPU(ns)
	}
	if hns := r.bcastNs("hub"); len(hns) > 0 {
		r.f("### The wiretalk hub\n\n")
		r.f("The same measurement through wiretalk's real server (`server/`, the embedded talk, `server.New` as `wiretalk serve` builds it): a raw presenter socket sends the `{\"type\":\"goto\"}` frame the presenter page sends on a key press, and the round ends when the last audience socket at `/ws` has the new `state` message (about 70 bytes of JSON). This adds the presenter socket's read, the JSON command, the position change and the state message's encoding to the broadcast itself.")
		r.f(" The hub plays in the same tournaments as the libraries.\n\nMedian of %d runs.\n\n", len(r.res.Broadcast["hub"]))
		r.f("| N | hub p50 | hub p99 | hub ÷ protocol-level wiretalk | hub ÷ floor |\n|---|---:|---:|---:|---:|\n")
		for _, n := range hns {
			p50, p99 := r.bcast("hub", n)
			r.f("| %s | %s | %s | %s | %s |\n", comma(float64(n)), num(p50, 1), num(p99, 1), r.bcastCmp("hub", "wiretalk", n).short(), r.bcastCmp("hub", "raw", n).short())
		}
		r.f("\n")
	}
}

// bcastCPU reports the servers' own CPU time per round: what the round
// cost the server, the clients' share and the waiting left out.
func (r *reporter) bcastCPU(ns []int) {
	libs := slices.DeleteFunc(append(slices.Clone(r.libs.bcast), "hub"), func(lib string) bool { return len(r.res.Broadcast[lib]) == 0 })
	if len(libs) == 0 {
		return
	}
	r.f("The server's CPU time (user and system, from `getrusage`) over the timed rounds at each N, divided by the rounds, in µs per socket; median over runs. It counts the kernel's work for each `write` or `send` on loopback, which includes delivering the segment to the receiving socket, and leaves out the clients' work.\n\n")
	r.head("N", titles(libs, ""), "---:")
	for _, n := range ns {
		r.f("| %s |", comma(float64(n)))
		for _, lib := range libs {
			var xs []float64
			for _, run := range r.res.Broadcast[lib] {
				for _, br := range run {
					if br.N == n && len(br.RoundsMS) > 0 {
						xs = append(xs, float64(br.ServerCPUNS)/1e3/float64(len(br.RoundsMS))/float64(n))
					}
				}
			}
			r.f(" %s |", num(median(xs), 2))
		}
		r.f("\n")
	}
	r.f("\n")
}

// profile writes the CPU profile of wiretalk's broadcast, when the run
// took one.
func (r *reporter) profile() {
	if r.res.Profile == "" {
		return
	}
	r.f("## Profile of wiretalk's broadcast\n\n")
	r.f("CPU profile of the wiretalk server process during the timed rounds at the largest N (`wtbench run` does it in its last broadcast run), `go tool pprof -top`:\n\n```\n%s```\n\n", r.res.Profile)
}
