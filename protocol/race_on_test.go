//go:build race

package protocol

// raceEnabled: under the race detector sync.Pool drops items at random and
// memory use is not representative, so allocation and memory checks skip.
const raceEnabled = true
