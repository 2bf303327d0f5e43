package main

import "time"

// results is everything one "wtbench run" measured; it is saved as JSON
// and the report is written from it.
type results struct {
	Env       envInfo   `json:"env"`
	Started   time.Time `json:"started"`
	Finished  time.Time `json:"finished"`
	Quick     bool      `json:"quick,omitempty"`
	Runs      int       `json:"runs"`
	BcastRuns int       `json:"bcast_runs"`
	// EchoRuns is the echo's cycles (echo.go): run i of every library
	// is cycle i, all measured within a second or two.
	EchoRuns int    `json:"echo_runs"`
	Rounds   int    `json:"rounds"`
	EchoDur  string `json:"echo_dur"`

	Echo      map[string][][]echoResult      `json:"echo"`      // library → runs
	Broadcast map[string][][]broadcastResult `json:"broadcast"` // library (and "raw", "hub") → runs
	Idle      map[string][][]idleResult      `json:"idle"`      // library (and "raw", "hub") → runs
	Micro     map[string][]microResult       `json:"micro"`     // benchmark → runs
	Page      *pageResult                    `json:"page,omitempty"`
	Profile   string                         `json:"profile,omitempty"` // pprof top of our broadcast, when asked
	Failures  []string                       `json:"failures,omitempty"`
}

// Results of the clients process, one JSON document on stdout.
type (
	broadcastResult struct {
		N         int       `json:"n"`
		ConnectMS float64   `json:"connect_ms"`
		RoundsMS  []float64 `json:"rounds_ms"`
		// ServerCPUNS is the server's CPU time (user and system) over
		// the timed rounds, pauses included, in ns.
		ServerCPUNS int64 `json:"server_cpu_ns"`
	}
	idleResult struct {
		N    int      `json:"n"`
		Base memStats `json:"base"`
		Mem  memStats `json:"mem"`
	}
	echoResult struct {
		Size       int     `json:"size"`
		RoundTrips int     `json:"round_trips"`
		Seconds    float64 `json:"seconds"`
	}
	clientsResult struct {
		Broadcast []broadcastResult `json:"broadcast,omitempty"`
		Idle      []idleResult      `json:"idle,omitempty"`
		Echo      []echoResult      `json:"echo,omitempty"`
		// EchoCycles is the echo-cycles mode's: for each server, in the
		// order of -ws, one result per size in each cycle.
		EchoCycles [][][]echoResult `json:"echo_cycles,omitempty"`
		// The audience's workloads (clients_interact.go).
		Votes     *votesResult     `json:"votes,omitempty"`
		Reactions *reactionsResult `json:"reactions,omitempty"`
		Heartbeat *heartbeatResult `json:"heartbeat,omitempty"`
	}
)
