package relay

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"wiretalk/server"
)

// Edge follows one talk from the broker, for an audience-only server: it
// is that server's Upstream (the deck's images) and moves it with every
// change (server.Server.Follow). Build it with Follow.
type Edge struct {
	o      Options
	name   string
	nc     *nats.Conn
	js     jetstream.JetStream
	hdr    header
	ev     events
	cancel context.CancelFunc
	done   chan struct{}
	ready  chan struct{} // closed when the first whole state is in
	stop   chan struct{} // closed by Close
	room   *edgeRoom     // the phones' events and the room's aggregates

	// The watch loop's own.
	presenter string            // the presenter's id, to tell a restart
	objects   map[string][]byte // the current deck's objects, by object name
	pending   *deckRecord       // a deck whose objects could not all be fetched yet
	deckRec   *deckRecord       // the deck served
	deckJSON  []byte            // its JSON
	pos       *positionRecord   // the newest position
	problems  problemsRecord    // the newest problems

	mu    sync.Mutex
	files map[string][]byte // the served deck's files, by name
	state server.TalkState  // the newest whole state
	srv   *server.Server    // moved by every change, once Serve is called
	fatal error             // a mismatch before the first state: Ready returns it
}

// Follow connects to the broker as an edge named name (letters, digits, -
// and _), finds the talk and starts watching it. It fails at once when the
// broker cannot be reached or has no such talk, naming the talks it has.
func Follow(ctx context.Context, o Options, name string) (*Edge, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	if err := CheckTalk(name); err != nil {
		return nil, fmt.Errorf("edge name %q: use 1 to 64 letters, digits, - or _", name)
	}
	e := &Edge{
		o:       o,
		name:    name,
		hdr:     header{Proto: Protocol, Talk: o.Talk},
		ev:      events{reconnected: make(chan struct{}, 1)},
		done:    make(chan struct{}),
		ready:   make(chan struct{}),
		stop:    make(chan struct{}),
		objects: map[string][]byte{},
		files:   map[string][]byte{},
	}
	nc, err := connect(&e.o, "edge "+name, &e.ev)
	if err != nil {
		return nil, err
	}
	e.nc = nc
	e.js, err = jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	lookup, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if _, err := e.js.KeyValue(lookup, bucketName(o.Talk)); err != nil {
		defer nc.Close()
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			return nil, fmt.Errorf("no talk %q on the broker at %s%s: start its presenter with -relay and -talk %s first, or check -talk",
				o.Talk, o.redacted(), e.otherTalks(ctx), o.Talk)
		}
		if last := nc.LastError(); last != nil && strings.Contains(strings.ToLower(last.Error()), "permissions violation") {
			return nil, fmt.Errorf("the broker at %s refuses this user talk %q (%v): check -talk, and the user's permissions (docs/broker.conf)", o.redacted(), o.Talk, last)
		}
		return nil, fmt.Errorf("looking for talk %q on the broker at %s: %w", o.Talk, o.redacted(), err)
	}
	if err := e.startRoom(); err != nil {
		nc.Close()
		return nil, err
	}
	loop, stop := context.WithCancel(context.Background())
	e.cancel = stop
	go e.watch(loop)
	return e, nil
}

// otherTalks lists the talks the broker holds, for an error message.
func (e *Edge) otherTalks(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	var talks []string
	names := e.js.KeyValueStoreNames(ctx)
	for n := range names.Name() {
		if t, ok := strings.CutPrefix(n, "wiretalk-"); ok {
			talks = append(talks, t)
		}
	}
	if len(talks) == 0 {
		return " (it holds none)"
	}
	slices.Sort(talks)
	return " (it holds " + strings.Join(talks, ", ") + ")"
}

// Ready waits for the talk's first whole state (its deck, images
// included, and its position) and returns it. It fails if ctx ends first,
// or if the talk on the broker speaks another protocol.
func (e *Edge) Ready(ctx context.Context) (server.TalkState, error) {
	select {
	case <-e.ready:
	case <-ctx.Done():
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.fatal != nil {
			return server.TalkState{}, e.fatal
		}
		return server.TalkState{}, ctx.Err()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fatal != nil {
		return server.TalkState{}, e.fatal
	}
	return e.state, nil
}

// Serve makes every change from now on move srv (an edge built with
// server.NewEdge with e as its Upstream), brings it to the newest state,
// and reports its audience count to the presenter.
func (e *Edge) Serve(srv *server.Server) {
	e.mu.Lock()
	e.srv = srv
	srv.Follow(e.state) // under mu, so that no newer state can come before it
	e.room.serve(srv)   // and no newer polls or questions (aggregate waits for mu in e.server)
	e.mu.Unlock()
	go reportCounts(e.nc, &e.o, e.hdr, e.name, srv.AudienceCount, func() []float64 { return e.room.roundTrips(srv) }, e.stop)
}

// server returns the server Serve moves, or nil before Serve.
func (e *Edge) server() *server.Server {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.srv
}

// DeckFile is server.Upstream's: a file of the deck being served.
func (e *Edge) DeckFile(name string) ([]byte, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, ok := e.files[name]
	return b, ok
}

// Connected reports whether the broker is reachable now.
func (e *Edge) Connected() bool { return e.nc.IsConnected() }

// Close stops following and disconnects; a server that Serve moves keeps
// its last state.
func (e *Edge) Close() {
	close(e.stop)
	e.cancel()
	<-e.done
	e.nc.Close()
}

// watch follows the bucket until ctx ends. A watcher is opened again
// after a reconnection (the broker may have come back with a new bucket)
// and whenever it ends; the newest records then come again and whatever
// has not changed changes nothing.
func (e *Edge) watch(ctx context.Context) {
	defer close(e.done)
	retry := time.NewTicker(retryEvery)
	defer retry.Stop()
	for ctx.Err() == nil {
		w, err := e.openWatch(ctx)
		if err != nil {
			e.o.Logf("relay: cannot watch talk %q: %v; trying again", e.o.Talk, err)
			select {
			case <-ctx.Done():
				return
			case <-retry.C:
				continue
			}
		}
		e.consume(ctx, w, retry.C)
		w.Stop()
	}
}

func (e *Edge) openWatch(ctx context.Context) (jetstream.KeyWatcher, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	kv, err := e.js.KeyValue(ctx, bucketName(e.o.Talk))
	if err != nil {
		return nil, err
	}
	// The watcher lives past this call: it ends with Stop, not with ctx.
	return kv.WatchAll(context.WithoutCancel(ctx))
}

// consume applies the watcher's records until it ends, the connection
// comes back from a loss, or ctx ends. A deck whose objects could not be
// fetched is tried again on each tick.
func (e *Edge) consume(ctx context.Context, w jetstream.KeyWatcher, tick <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.ev.reconnected:
			return
		case <-tick:
			if e.pending != nil {
				e.loadDeck(ctx, e.pending)
				e.publishState()
			}
		case ent, ok := <-w.Updates():
			if !ok {
				return
			}
			if ent == nil {
				continue // the newest of every key is in; updates follow
			}
			if ent.Operation() != jetstream.KeyValuePut {
				continue
			}
			if err := e.apply(ctx, ent.Key(), ent.Value()); err != nil {
				e.refuse(err)
				continue
			}
			if k := ent.Key(); k == keyPolls || k == keyQuestions {
				continue // the room's: apply handed them on; the talk's state is as it was
			}
			e.publishState()
		}
	}
}

// apply takes one record in.
func (e *Edge) apply(ctx context.Context, key string, b []byte) error {
	switch key {
	case keyTalk:
		var r talkRecord
		if err := decode(key, b, e.hdr, &r); err != nil {
			return err
		}
		if e.presenter != "" && r.Presenter != e.presenter {
			e.o.Logf("relay: the presenter of talk %q started again; following it", e.o.Talk)
		}
		e.presenter = r.Presenter
	case keyDeck:
		var r deckRecord
		if err := decode(key, b, e.hdr, &r); err != nil {
			return err
		}
		e.loadDeck(ctx, &r)
	case keyPosition:
		var r positionRecord
		if err := decode(key, b, e.hdr, &r); err != nil {
			return err
		}
		e.pos = &r
	case keyProblems:
		var r problemsRecord
		if err := decode(key, b, e.hdr, &r); err != nil {
			return err
		}
		e.problems = r
	case keyPolls, keyQuestions:
		return e.room.aggregate(key, b)
	}
	return nil
}

// refuse logs a record that is not ours. Before the first state it is
// fatal: Ready returns it, and the edge never serves a mixed talk.
func (e *Edge) refuse(err error) {
	e.o.Logf("relay: %v", err)
	e.mu.Lock()
	defer e.mu.Unlock()
	select {
	case <-e.ready:
	default:
		if e.fatal == nil {
			e.fatal = err
			close(e.ready)
		}
	}
}

// loadDeck fetches the deck's JSON and images that are not in hand yet;
// if one cannot be fetched, the deck stays pending and the last one is
// served.
func (e *Edge) loadDeck(ctx context.Context, r *deckRecord) {
	if e.deckRec != nil && e.deckRec.Version == r.Version && e.pending == nil {
		return
	}
	objects := map[string][]byte{}
	refs := []objectRef{r.JSON}
	for _, f := range r.Files {
		refs = append(refs, f.objectRef)
	}
	for _, ref := range refs {
		b, err := e.fetch(ctx, ref)
		if err != nil {
			if e.pending == nil || e.pending.Version != r.Version {
				e.o.Logf("relay: cannot fetch deck version %s yet: %v; serving the last one", r.Version, err)
			}
			e.pending = r
			return
		}
		objects[ref.object()] = b
	}
	e.pending = nil
	e.objects = objects
	e.deckRec = r
	e.deckJSON = objects[r.JSON.object()]
	files := map[string][]byte{}
	for _, f := range r.Files {
		files[f.Name] = objects[f.object()]
	}
	e.mu.Lock()
	e.files = files
	e.mu.Unlock()
}

// fetch returns an object, from hand if the last deck had it.
func (e *Edge) fetch(ctx context.Context, ref objectRef) ([]byte, error) {
	if b, ok := e.objects[ref.object()]; ok {
		return b, nil
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	obs, err := e.js.ObjectStore(ctx, objectsName(e.o.Talk))
	if err != nil {
		return nil, err
	}
	b, err := obs.GetBytes(ctx, ref.object())
	if err != nil {
		return nil, err
	}
	if got := refOf(b); got != ref {
		return nil, fmt.Errorf("object %s arrived with SHA-256 %s", ref.object(), got.SHA256)
	}
	return b, nil
}

// publishState hands the newest whole state on: to Ready before Serve,
// to the server after. A position in a deck version not yet loaded waits
// for that deck.
func (e *Edge) publishState() {
	if e.deckRec == nil || e.pos == nil || e.pos.Deck != e.deckRec.Version {
		return
	}
	st := server.TalkState{
		Deck: server.DeckState{
			Version: e.deckRec.Version,
			Title:   e.deckRec.Title,
			Study:   e.deckRec.Study,
			JSON:    e.deckJSON,
			Files:   fileNames(e.deckRec.Files),
		},
		Index:    e.pos.Index,
		Blackout: e.pos.Blackout,
		Problems: e.problems.Problems,
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.state = st
	select {
	case <-e.ready:
	default:
		close(e.ready)
	}
	if e.srv != nil {
		e.srv.Follow(st)
	}
}

func fileNames(files []fileRecord) []string {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.Name
	}
	return names
}
