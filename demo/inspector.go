package demo

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync"
	"time"
)

// Options configures an Inspector. The zero value of each field is a
// working default.
type Options struct {
	// CheckOrigin decides whether a feed or specimen upgrade request may
	// proceed. Nil means protocol's default: same origin only.
	CheckOrigin func(*http.Request) bool

	// MaxMessage is the largest message a specimen connection reads;
	// a larger one fails the connection with close 1009 (message too
	// big). Zero means 1 MiB.
	MaxMessage int64

	// Rate and Burst limit the messages a specimen connection may send
	// (a token bucket: Burst at once, Rate per second after). Zero means
	// 20 per second and a burst of Rate.
	Rate  float64
	Burst int

	// MaxFeeds is the most feeds open at once; further ones get 503.
	// Zero means 256.
	MaxFeeds int

	// PingInterval is the feed's heartbeat: a viewer whose phone vanished
	// is dropped, with its specimen, within two. Zero means 15 s. The
	// specimen itself is never pinged unasked: its frames are the lesson.
	PingInterval time.Duration

	// Logf logs connection errors. Nil means no logging.
	Logf func(format string, args ...any)

	// Tee, when not nil, is asked as each feed opens whether to copy
	// its records elsewhere: it returns nil for no, or a Tee. Nil means
	// no copies.
	Tee func(r *http.Request) Tee
}

// Defaults for the zero values of Options.
const (
	DefaultMaxMessage = 1 << 20
	DefaultRate       = 20
	DefaultMaxFeeds   = 256
)

// Limits that are not options.
const (
	// sustainedDrops is how many messages in a row may be over the rate
	// before the specimen is closed with 1008 (policy violation): at the
	// default rate, five seconds of ignoring the limit. A short burst
	// costs only the messages over it, with a notice on the feed.
	sustainedDrops = 100
	feedQueue      = 256              // records waiting for a slow feed before some are dropped
	feedReadLimit  = 4096             // commands are small
	writeTimeout   = 10 * time.Second // a peer that accepts no data for this long is given up
)

// Inspector serves the live frame inspector: the feed socket that streams
// teaching records to a viewer's page, and the specimen echo socket whose
// frames they describe. Build it with New; it is safe for concurrent use.
//
// A viewer's page opens a feed, learns its unguessable id, then opens a
// specimen with that id. Every frame on the specimen, both ways, goes to
// that feed only; the feed's own frames are never observed.
type Inspector struct {
	opts Options
	now  func() time.Time // the clock, replaced in tests

	mu     sync.Mutex
	feeds  map[string]*feed
	closed bool
}

// New returns an Inspector with opts, its zero fields set to the defaults.
func New(opts Options) *Inspector {
	if opts.MaxMessage <= 0 {
		opts.MaxMessage = DefaultMaxMessage
	}
	if opts.Rate <= 0 {
		opts.Rate = DefaultRate
	}
	if opts.Burst <= 0 {
		opts.Burst = max(1, int(opts.Rate))
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = 15 * time.Second
	}
	if opts.MaxFeeds <= 0 {
		opts.MaxFeeds = DefaultMaxFeeds
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	return &Inspector{opts: opts, now: time.Now, feeds: make(map[string]*feed)}
}

// Close closes every feed and specimen with 1001 (going away), for a
// server shutting down. Later feeds are refused with 503.
func (i *Inspector) Close() error {
	i.mu.Lock()
	i.closed = true
	feeds := make([]*feed, 0, len(i.feeds))
	for _, f := range i.feeds {
		feeds = append(feeds, f)
	}
	i.mu.Unlock()
	var wg sync.WaitGroup
	for _, f := range feeds {
		wg.Go(f.shutdown)
	}
	wg.Wait()
	return nil
}

// register adds f under a fresh id, or reports false when the inspector
// is closed or full.
func (i *Inspector) register(f *feed) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.closed || len(i.feeds) >= i.opts.MaxFeeds {
		return false
	}
	for {
		id := newID()
		if _, dup := i.feeds[id]; !dup {
			f.id = id
			i.feeds[id] = f
			return true
		}
	}
}

func (i *Inspector) unregister(f *feed) {
	i.mu.Lock()
	delete(i.feeds, f.id)
	i.mu.Unlock()
}

func (i *Inspector) lookup(id string) *feed {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.feeds[id]
}

// recovered, deferred first in a goroutine the inspector starts, turns a
// panic into a log line and then calls then (if not nil) to end what the
// goroutine served: a bug met by one viewer must not take the server,
// and everyone's talk, down with it.
func (i *Inspector) recovered(what string, then func()) {
	if v := recover(); v != nil {
		i.opts.Logf("demo: panic in %s: %v", what, v)
		if then != nil {
			then()
		}
	}
}

// newID returns 128 random bits in hex: a feed id is the only thing that
// stands between a viewer's frames and everyone else.
func newID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return hex.EncodeToString(b[:])
}
