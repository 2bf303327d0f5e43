package demo

// A Tee gets a copy of every record one feed publishes, in order, and
// Close once when the feed ends: how "wiretalk serve -record" keeps the
// presenter's inspector session. Record must not block: it is called
// with the feed's lock held.
type Tee interface {
	Record(Record)
	Close()
}
