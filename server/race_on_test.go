//go:build race

package server

// raceEnabled: the race detector makes goroutine stacks deeper and
// memory use unrepresentative, so memory checks skip.
const raceEnabled = true
