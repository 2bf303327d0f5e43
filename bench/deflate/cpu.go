package deflate

import "syscall"

// cpuTime returns the CPU time (user and system) the process has used,
// in nanoseconds. On a machine shared with other work, a round trip's
// CPU time moves much less than its wall time, which includes waiting
// for a core.
func cpuTime() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
