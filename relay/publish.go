package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"wiretalk/server"
)

// Talk is what the presenter's side of the relay observes; *server.Server
// is one.
type Talk interface {
	State() server.TalkState
	Changed() <-chan struct{}
	DeckFile(name string) ([]byte, error)
	SetRelayStatus(server.RelayStatus) // for the presenter's page
}

// opTimeout bounds one request to the broker.
const opTimeout = 5 * time.Second

// retryEvery is how soon a failed publication is tried again.
const retryEvery = time.Second

// Presenter publishes one talk's state to the broker as it changes. Build
// it with Publish.
type Presenter struct {
	o      Options
	talk   Talk
	nc     *nats.Conn
	js     jetstream.JetStream
	hdr    header
	id     string
	ev     events
	cancel context.CancelFunc
	done   chan struct{}
	counts *audience
	room   *presenterRoom // the room's events and aggregates; nil for a Talk without one

	// The loop's own: what the broker is known to hold.
	kv       jetstream.KeyValue // set under mu: the room's loop puts into it too
	obs      jetstream.ObjectStore
	sentDeck string
	sentPos  positionRecord
	sentProb string

	mu      sync.Mutex
	lastErr error // the last publication's failure, nil once one succeeds
}

// Publish connects to the broker, claims the talk's bucket and object
// store (creating them if need be), publishes t's state and keeps it
// published until Close. It fails when the broker cannot be reached or
// the talk on the broker speaks another protocol.
func Publish(ctx context.Context, o Options, t Talk) (*Presenter, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	p := &Presenter{
		o:    o,
		talk: t,
		hdr:  header{Proto: Protocol, Talk: o.Talk},
		id:   randomID(),
		ev:   events{reconnected: make(chan struct{}, 1)},
		done: make(chan struct{}),
	}
	changed := t.Changed() // before the first State: no change is missed
	nc, err := connect(&p.o, "presenter", &p.ev)
	if err != nil {
		return nil, err
	}
	p.nc = nc
	p.js, err = jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	if err := p.setUp(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	if err := p.sync(ctx, true); err != nil {
		nc.Close()
		return nil, fmt.Errorf("publishing talk %q: %w", o.Talk, err)
	}
	p.counts, err = listenCounts(nc, &p.o, p.hdr)
	if err != nil {
		nc.Close()
		return nil, err
	}
	loopCtx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	if rt, ok := t.(roomTalk); ok {
		if err := p.startRoom(rt); err != nil {
			cancel()
			p.counts.close()
			nc.Close()
			return nil, err
		}
		go p.room.loop(loopCtx)
	}
	p.report()
	go p.loop(loopCtx, changed)
	o.Logf("relay: publishing talk %q to %s", o.Talk, o.redacted())
	return p, nil
}

// setUp makes sure the bucket and the object store exist and that the
// talk on the broker, if there is one already, speaks our protocol.
func (p *Presenter) setUp(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	kv, err := p.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      bucketName(p.o.Talk),
		Description: "wiretalk talk " + p.o.Talk + ": the latest deck, position and problems",
		History:     1,
		Storage:     jetstream.FileStorage,
	})
	if err != nil {
		return fmt.Errorf("the talk's bucket %s: %w", bucketName(p.o.Talk), err)
	}
	if e, err := kv.Get(ctx, keyTalk); err == nil {
		var old talkRecord
		if err := decode(keyTalk, e.Value(), p.hdr, &old); err != nil {
			return err
		}
	} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("the talk's bucket %s: %w", bucketName(p.o.Talk), err)
	}
	obs, err := p.js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket:      objectsName(p.o.Talk),
		Description: "wiretalk talk " + p.o.Talk + ": the deck's JSON and images, by SHA-256",
		Storage:     jetstream.FileStorage,
	})
	if err != nil {
		return fmt.Errorf("the talk's object store %s: %w", objectsName(p.o.Talk), err)
	}
	rec, _ := json.Marshal(talkRecord{header: p.hdr, Presenter: p.id, Started: time.Now().UTC().Format(time.RFC3339)})
	if _, err := kv.Put(ctx, keyTalk, rec); err != nil {
		return fmt.Errorf("the talk's bucket %s: %w", bucketName(p.o.Talk), err)
	}
	p.mu.Lock() // the room's loop puts into kv too
	p.kv, p.obs = kv, obs
	p.mu.Unlock()
	return nil
}

// loop publishes every change until ctx ends. After a reconnection it
// sets up again and publishes everything: the broker may have come back
// without the talk.
func (p *Presenter) loop(ctx context.Context, changed <-chan struct{}) {
	defer close(p.done)
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	status := time.NewTicker(countEvery)
	defer status.Stop()
	force, setUp := false, false
	for {
		select {
		case <-ctx.Done():
			return
		case <-status.C:
			p.report()
			continue
		case <-changed:
		case <-p.ev.reconnected:
			force, setUp = true, true
		case <-retry.C:
		}
		var err error
		if setUp {
			err = p.setUp(ctx)
		}
		if err == nil {
			err = p.sync(ctx, force)
		}
		p.mu.Lock()
		was := p.lastErr
		p.lastErr = err
		p.mu.Unlock()
		p.report()
		if err != nil {
			if was == nil || was.Error() != err.Error() {
				p.o.Logf("relay: cannot publish the talk: %v; trying again", err)
			}
			retry.Reset(retryEvery)
			continue
		}
		if was != nil {
			p.o.Logf("relay: the talk is published again")
		}
		if force && p.room != nil {
			p.room.again()
		}
		force, setUp = false, false
	}
}

// sync publishes what changed of the talk's state since the last success
// (everything when force is set): the deck's bytes first, then its record,
// then the position, so that an edge that sees a position has its deck.
func (p *Presenter) sync(ctx context.Context, force bool) error {
	st := p.talk.State()
	if force || st.Deck.Version != p.sentDeck {
		if err := p.publishDeck(ctx, st.Deck); err != nil {
			return err
		}
		p.sentDeck = st.Deck.Version
	}
	pos := positionRecord{header: p.hdr, Deck: st.Deck.Version, Index: st.Index, Blackout: st.Blackout}
	if force || pos != p.sentPos {
		if err := p.put(ctx, keyPosition, pos); err != nil {
			return err
		}
		p.mu.Lock()
		p.sentPos = pos // read by other goroutines under mu; written only here
		p.mu.Unlock()
	}
	prob, _ := json.Marshal(problemsRecord{header: p.hdr, Problems: st.Problems})
	if force || string(prob) != p.sentProb {
		if err := p.putRaw(ctx, keyProblems, prob); err != nil {
			return err
		}
		p.sentProb = string(prob)
	}
	return nil
}

// publishDeck stores the deck's JSON and images that the object store
// does not hold yet, then the deck record, then drops objects no longer
// referenced.
func (p *Presenter) publishDeck(ctx context.Context, d server.DeckState) error {
	rec := deckRecord{header: p.hdr, Version: d.Version, Title: d.Title, Study: d.Study, Files: []fileRecord{}}
	keep := map[string]bool{}
	rec.JSON = refOf(d.JSON)
	if err := p.putObject(ctx, rec.JSON, d.JSON); err != nil {
		return err
	}
	keep[rec.JSON.object()] = true
	for _, name := range d.Files {
		b, err := p.talk.DeckFile(name)
		if err != nil {
			// The deck's own check reports a missing file to the
			// presenter; the edges serve it as the presenter does: 404.
			continue
		}
		ref := refOf(b)
		if err := p.putObject(ctx, ref, b); err != nil {
			return err
		}
		keep[ref.object()] = true
		rec.Files = append(rec.Files, fileRecord{Name: name, objectRef: ref})
	}
	if err := p.put(ctx, keyDeck, rec); err != nil {
		return err
	}
	p.dropObjects(ctx, keep)
	return nil
}

func (p *Presenter) putObject(ctx context.Context, ref objectRef, b []byte) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if info, err := p.obs.GetInfo(ctx, ref.object()); err == nil && !info.Deleted && int(info.Size) == ref.Size {
		return nil // content-addressed: already there
	}
	if _, err := p.obs.PutBytes(ctx, ref.object(), b); err != nil {
		return fmt.Errorf("storing %s: %w", ref.object(), err)
	}
	return nil
}

// dropObjects deletes the objects not in keep: images of older versions.
// An edge still fetching one of them will fetch the newest deck instead.
func (p *Presenter) dropObjects(ctx context.Context, keep map[string]bool) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	list, err := p.obs.List(ctx)
	if err != nil {
		return // ErrNoObjectsFound, or the broker is busy: next time
	}
	for _, info := range list {
		if !keep[info.Name] {
			p.obs.Delete(ctx, info.Name)
		}
	}
}

func (p *Presenter) put(ctx context.Context, key string, v any) error {
	b, _ := json.Marshal(v) // plain data: cannot fail
	return p.putRaw(ctx, key, b)
}

func (p *Presenter) putRaw(ctx context.Context, key string, b []byte) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	p.mu.Lock()
	kv := p.kv
	p.mu.Unlock()
	if _, err := kv.Put(ctx, key, b); err != nil {
		return fmt.Errorf("putting %s: %w", key, err)
	}
	return nil
}

// Err is the last publication's failure, or nil when the broker holds the
// talk's current state.
func (p *Presenter) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastErr
}

// Status is the relay's health and the edges' audience, as the
// presenter's page shows them.
func (p *Presenter) Status() server.RelayStatus {
	st := server.RelayStatus{Talk: p.o.Talk, Edges: p.counts.current()}
	switch err := p.Err(); {
	case !p.nc.IsConnected():
		st.Problem = "the broker is unreachable; edges show the last slide they got"
	case err != nil:
		st.Problem = err.Error()
	default:
		st.Healthy = true
	}
	return st
}

// report shows the status on the presenter's page.
func (p *Presenter) report() { p.talk.SetRelayStatus(p.Status()) }

// Connected reports whether the broker is reachable now.
func (p *Presenter) Connected() bool { return p.nc.IsConnected() }

// Audience returns the latest audience count of every edge heard from in
// the last few seconds, by edge name.
func (p *Presenter) Audience() map[string]int { return p.counts.current() }

// Close stops publishing and disconnects. What the broker holds stays, so
// that edges keep serving the talk's last state.
func (p *Presenter) Close() {
	p.cancel()
	<-p.done
	if p.room != nil {
		p.room.close()
	}
	p.counts.close()
	p.nc.Close()
}

// sentPosIs reports whether the broker has st's position (for tests).
func (p *Presenter) sentPosIs(st server.TalkState) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sentPos.Index == st.Index && p.sentPos.Deck == st.Deck.Version
}
