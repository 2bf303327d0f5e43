package main

// Results of the audience's workloads (clients_interact.go), one clients
// process each, saved together by "wtbench interact" (interact.go).
type (
	// votesResult is workload (a): every socket votes once per round.
	votesResult struct {
		N         int         `json:"n"`
		ConnectMS float64     `json:"connect_ms"`
		SpreadMS  float64     `json:"spread_ms"` // the votes of a round are spread evenly over this
		Rounds    []voteRound `json:"rounds"`
		// IdleCPUNS is the server's CPU time over WindowMS with the
		// sockets idle and no pings, before any vote.
		IdleCPUNS int64          `json:"idle_cpu_ns"`
		WindowMS  float64        `json:"window_ms"`
		MemIdle   memStats       `json:"mem_idle"`   // the sockets connected, before any vote
		MemVoting memStats       `json:"mem_voting"` // halfway through an untimed round's votes
		MemVoted  memStats       `json:"mem_voted"`  // after the last round, every vote held
		Presenter map[string]int `json:"presenter"`  // messages the presenter got, by type, over the whole run
	}
	voteRound struct {
		// FinalMS is from the last vote's write to the receipt of the
		// presenter's first "polls" message whose counts add up to
		// every vote.
		FinalMS        float64 `json:"final_ms"`
		SendMS         float64 `json:"send_ms"`         // from the first vote's write to the last's
		ServerCPUNS    int64   `json:"server_cpu_ns"`   // from before the first vote to the final counts
		PresenterPolls int     `json:"presenter_polls"` // "polls" messages the presenter got meanwhile
		PhoneMessages  int64   `json:"phone_messages"`  // messages all the sockets got meanwhile
	}

	// reactionsResult is workload (b): slide changes with the audience
	// idle, and while it sends reactions.
	reactionsResult struct {
		N          int            `json:"n"`
		ConnectMS  float64        `json:"connect_ms"`
		Rate       float64        `json:"rate"`         // reactions a second per socket, asked
		SettleMS   float64        `json:"settle_ms"`    // after the reactions start or stop, before the round
		IdleMS     []float64      `json:"idle_ms"`      // slide change to the last phone, audience idle
		LoadedMS   []float64      `json:"loaded_ms"`    // the same while reacting; pair i of both was measured together
		SentPerSec []float64      `json:"sent_per_sec"` // reactions sent a second, in each loaded round
		IdleCPU    []float64      `json:"idle_cpu"`     // the server's CPU ns a second over each idle round
		LoadedCPU  []float64      `json:"loaded_cpu"`   // and each loaded one
		Sent       int64          `json:"sent"`
		Presenter  map[string]int `json:"presenter"`
	}

	// heartbeatResult is workload (c): the server's CPU over windows with
	// pings alone, and with pings and the heartbeat's histogram.
	heartbeatResult struct {
		N         int               `json:"n"`
		ConnectMS float64           `json:"connect_ms"`
		PingMS    float64           `json:"ping_ms"`
		WindowMS  float64           `json:"window_ms"`
		SettleMS  float64           `json:"settle_ms"`
		Pings     []heartbeatWindow `json:"pings"`     // the deck without the heartbeat's slide
		Heartbeat []heartbeatWindow `json:"heartbeat"` // with it; window i of both was measured together
		Presenter map[string]int    `json:"presenter"`
	}
	heartbeatWindow struct {
		CPUNS         int64 `json:"cpu_ns"`
		PhoneMessages int64 `json:"phone_messages"`
		Pongs         int64 `json:"pongs"`
		// Seen is the last histogram the presenter got in the window
		// (with the heartbeat's slide).
		Seen heartbeatSeen `json:"seen"`
	}
)
