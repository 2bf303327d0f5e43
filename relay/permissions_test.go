package relay

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"wiretalk/internal/testcert"
	"wiretalk/server"
)

// brokerWithDocsConfig runs the broker with docs/broker.conf, the
// configuration docs/deploy.md gives, on a free loopback port and a
// temporary store.
func brokerWithDocsConfig(t *testing.T) *broker {
	t.Helper()
	t.Setenv("WIRETALK_PRESENTER_PASSWORD", "presenter-secret")
	t.Setenv("WIRETALK_EDGE_PASSWORD", "edge-secret")
	opts, err := natsserver.ProcessConfigFile(filepath.Join("..", "docs", "broker.conf"))
	if err != nil {
		t.Fatalf("docs/broker.conf: %v", err)
	}
	return startBroker(t, func(o *natsserver.Options) {
		o.Users, o.Nkeys = opts.Users, opts.Nkeys
	})
}

func withUser(url, user, password string) string {
	return strings.Replace(url, "nats://", "nats://"+user+":"+password+"@", 1)
}

// TestAnEdgeCannotPublishTheTalk runs the talk under docs/broker.conf: the
// edge follows with read-only permissions, and everything it might try in
// order to move the phones itself is refused by the broker.
func TestAnEdgeCannotPublishTheTalk(t *testing.T) {
	b := brokerWithDocsConfig(t)
	p := startPresenter(t, Options{URL: withUser(b.url(), "presenter", "presenter-secret"), Talk: "keynote"}, "")
	edgeOpts := Options{URL: withUser(b.url(), "edge", "edge-secret"), Talk: "keynote"}
	e := startEdge(t, edgeOpts, "edge-1")
	pg := openPage(t, e.http.URL)
	p.srv.Goto(1)
	pg.waitIndex(t, "a move, under the documented permissions", 1)
	eventually(t, "the edge's audience count at the presenter", 5*time.Second, func() bool {
		return p.relay.Audience()["edge-1"] == 1
	})
	if _, err := Follow(t.Context(), Options{URL: withUser(b.url(), "edge", "edge-secret"), Talk: "other"}, "x"); err == nil ||
		!strings.Contains(err.Error(), `refuses this user talk "other"`) {
		t.Errorf("an edge with a talk its user may not read: %v; want a refusal naming it", err)
	}

	// The edge's credentials, used directly.
	nc, violations := watchedConn(t, edgeOpts.URL)
	js, _ := jetstream.New(nc)
	ctx := t.Context()
	op := func() context.Context {
		c, cancel := context.WithTimeout(ctx, 2*time.Second)
		t.Cleanup(cancel)
		return c
	}
	kv, err := js.KeyValue(op(), bucketName("keynote"))
	if err != nil {
		t.Fatalf("an edge cannot even read the bucket: %v", err)
	}
	forged := `{"proto":1,"talk":"keynote","deck":"` + p.srv.State().Deck.Version + `","index":2,"blackout":true}`
	if _, err := kv.Put(op(), keyPosition, []byte(forged)); err == nil {
		t.Error("the edge put a position into the bucket")
	}
	nc.Publish("$KV.wiretalk-keynote.position", []byte(forged)) // without waiting for an answer
	nc.Flush()
	if _, err := js.CreateOrUpdateKeyValue(op(), jetstream.KeyValueConfig{Bucket: bucketName("keynote"), History: 5}); err == nil {
		t.Error("the edge changed the bucket's configuration")
	}
	if err := js.DeleteKeyValue(op(), bucketName("keynote")); err == nil {
		t.Error("the edge deleted the talk's bucket")
	}
	if obs, err := js.ObjectStore(op(), objectsName("keynote")); err != nil {
		t.Errorf("an edge cannot open the object store: %v", err)
	} else if _, err := obs.PutString(op(), "sha256-forged", "x"); err == nil {
		t.Error("the edge stored an object")
	}

	// None of it reached the broker: the position is the presenter's, and
	// the page is where the presenter put it.
	time.Sleep(300 * time.Millisecond)
	ent, err := p.relay.kv.Get(t.Context(), keyPosition)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(ent.Value()), `"blackout":true`) {
		t.Errorf("the bucket holds the edge's forged position: %s", ent.Value())
	}
	if m, _, _ := pg.state(); m.Index != 1 || m.Blackout {
		t.Errorf("the page moved to the edge's forgery: %+v", m)
	}
	if v := violations(); !strings.Contains(v, "Permissions Violation for Publish to \"$KV.wiretalk-keynote.position\"") {
		t.Errorf("the broker reported no permissions violation for the forged position; it reported %q", v)
	}
}

// watchedConn connects to url, and returns the connection and a func
// that returns the errors the broker reported to it, one a line.
func watchedConn(t *testing.T, url string) (*nats.Conn, func() string) {
	t.Helper()
	var mu sync.Mutex
	var errs []string
	nc, err := nats.Connect(url, nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		mu.Lock()
		errs = append(errs, err.Error())
		mu.Unlock()
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc, func() string {
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(errs, "\n")
	}
}

// TestNKeyAndTLS: -relay-nkey authenticates with an nkey seed file,
// -relay-ca verifies the broker's certificate over tls://, and
// -relay-cert/-relay-key answer a broker that asks for a client
// certificate.
func TestNKeyAndTLS(t *testing.T) {
	certFile, keyFile, _ := testcert.Files(t)
	clientCert, clientKey := clientCertFiles(t)
	user, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := user.PublicKey()
	seed, _ := user.Seed()
	seedFile := filepath.Join(t.TempDir(), "edge.nk")
	os.WriteFile(seedFile, seed, 0o600)

	tc, err := natsserver.GenTLSConfig(&natsserver.TLSConfigOpts{CertFile: certFile, KeyFile: keyFile, CaFile: clientCert, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	b := startBroker(t, func(o *natsserver.Options) {
		o.TLSConfig, o.TLS, o.TLSVerify = tc, true, true
		o.Nkeys = []*natsserver.NkeyUser{{Nkey: pub}}
	})
	url := strings.Replace(b.url(), "nats://", "tls://", 1)
	o := Options{URL: url, Talk: "secure", NKeySeedFile: seedFile, CAFile: certFile, CertFile: clientCert, KeyFile: clientKey}
	p := startPresenter(t, o, "")
	e := startEdge(t, o, "edge-1")
	pg := openPage(t, e.http.URL)
	p.srv.Goto(2)
	pg.waitIndex(t, "a move over TLS with an nkey", 2)

	for name, bad := range map[string]Options{
		"no nkey":        {URL: url, Talk: "secure", CAFile: certFile, CertFile: clientCert, KeyFile: clientKey},
		"no CA":          {URL: url, Talk: "secure", NKeySeedFile: seedFile, CertFile: clientCert, KeyFile: clientKey},
		"no client cert": {URL: url, Talk: "secure", NKeySeedFile: seedFile, CAFile: certFile},
		"plain nats":     {URL: b.url(), Talk: "secure", NKeySeedFile: seedFile},
		"the wrong nkey": {URL: url, Talk: "secure", NKeySeedFile: otherSeed(t), CAFile: certFile, CertFile: clientCert, KeyFile: clientKey},
	} {
		if _, err := Follow(t.Context(), bad, "x"); err == nil || !strings.Contains(err.Error(), "cannot reach the broker") {
			t.Errorf("%s: %v, want a refusal", name, err)
		}
	}
}

// clientCertFiles writes a self-signed client certificate and its key.
func clientCertFiles(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "wiretalk edge"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		IsCA:         true, BasicConstraintsValid: true, // its own CA, for the broker's CaFile
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	return certFile, keyFile
}

func otherSeed(t *testing.T) string {
	t.Helper()
	u, _ := nkeys.CreateUser()
	seed, _ := u.Seed()
	f := filepath.Join(t.TempDir(), "other.nk")
	os.WriteFile(f, seed, 0o600)
	return f
}

func TestMismatchedProtocolOrTalkIsRefused(t *testing.T) {
	b := startBroker(t)
	nc, err := nats.Connect(b.url())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := t.Context()

	// A presenter of a later protocol holds "future": a presenter and an
	// edge of this one refuse it.
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: bucketName("future"), History: 1})
	if err != nil {
		t.Fatal(err)
	}
	kv.Put(ctx, keyTalk, []byte(`{"proto":2,"talk":"future","presenter":"x"}`))
	srv, err := server.New(server.Config{Key: testKey, NoState: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(ctx)
	if _, err := Publish(ctx, Options{URL: b.url(), Talk: "future"}, srv); !isMismatch(err) || !strings.Contains(err.Error(), "relay protocol 2") {
		t.Errorf("a presenter over a protocol-2 talk: %v", err)
	}
	e, err := Follow(ctx, Options{URL: b.url(), Talk: "future", Logf: t.Logf}, "e")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	wait, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := e.Ready(wait); !isMismatch(err) {
		t.Errorf("an edge over a protocol-2 talk: Ready = %v, want a mismatch", err)
	}

	// A bucket whose records name another talk.
	kv2, _ := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: bucketName("mine"), History: 1})
	kv2.Put(ctx, keyTalk, []byte(`{"proto":1,"talk":"theirs","presenter":"x"}`))
	e2, err := Follow(ctx, Options{URL: b.url(), Talk: "mine", Logf: t.Logf}, "e")
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	if _, err := e2.Ready(wait); !isMismatch(err) || !strings.Contains(err.Error(), `belongs to talk "theirs"`) {
		t.Errorf("an edge over another talk's records: Ready = %v", err)
	}

	// A running edge ignores a record of another protocol: its pages stay.
	o := Options{URL: b.url(), Talk: "live"}
	p := startPresenter(t, o, "")
	ed := startEdge(t, o, "e3")
	pg := openPage(t, ed.http.URL)
	p.srv.Goto(1)
	pg.waitIndex(t, "a move", 1)
	p.relay.kv.Put(ctx, keyPosition, []byte(`{"proto":2,"talk":"live","deck":"`+p.srv.State().Deck.Version+`","index":2}`))
	time.Sleep(300 * time.Millisecond)
	if m, _, _ := pg.state(); m.Index != 1 {
		t.Errorf("a protocol-2 position moved the page to %d", m.Index)
	}
}

func isMismatch(err error) bool {
	var m *MismatchError
	return errors.As(err, &m)
}

// TestTheRoomUnderTheDocumentedPermissions: under docs/broker.conf a
// phone on an edge votes and asks (the presenter answers through its
// allow_responses), and the edge's user can publish its events but not
// the polls in the bucket, nor the presenter's word to every edge (mine,
// room), nor an answer into another edge's inbox.
func TestTheRoomUnderTheDocumentedPermissions(t *testing.T) {
	b := brokerWithDocsConfig(t)
	p := roomPresenter(t, Options{URL: withUser(b.url(), "presenter", "presenter-secret"), Talk: "keynote"}, false)
	edgeOpts := Options{URL: withUser(b.url(), "edge", "edge-secret"), Talk: "keynote"}
	e := startEdgeWith(t, edgeOpts, "edge-1", roomCfg)
	ph := openPhone(t, e.http.URL, devA, "")
	other := openPhone(t, e.http.URL, devB, "")
	ph.wait(t, "the open poll, under the documented permissions", "polls", func(m roomMsg) bool { return len(m.Polls) == 1 && m.Polls[0].Status == "open" })
	ph.send(t, vote(1))
	ph.wait(t, "the phone's own vote", "mine", func(m roomMsg) bool { return m.Votes["name:opcodes"] == 1 })
	ph.send(t, `{"type":"ask","text":"Why mask?"}`)
	if r := ph.reply(t, "the answer to a question"); !r.OK {
		t.Fatalf("a question under the documented permissions: %+v", r)
	}
	ph.wait(t, "the question", "questions", func(m roomMsg) bool { return len(m.Questions) == 1 })

	nc, violations := watchedConn(t, edgeOpts.URL)
	hdr := `"proto":1,"talk":"keynote"`
	// An event: allowed, and applied by the presenter as any phone's.
	if m, err := nc.Request(eventSubject("keynote", "edge-9"), []byte(`{`+hdr+`,"edge":"edge-9","device":"`+devC+`","message":{"type":"vote","poll":"name:opcodes","option":2}}`), 5*time.Second); err != nil {
		t.Errorf("the edge's user cannot publish an event: %v", err)
	} else if strings.Contains(string(m.Data), "refused") {
		t.Errorf("the presenter refused a well-formed event: %s", m.Data)
	}
	eventually(t, "the event's vote", 5*time.Second, func() bool { return slices.Equal(p.results().counts, []int{0, 1, 1}) })

	// The forgeries.
	forgedPolls := `{` + hdr + `,"kind":"polls","message":{"type":"polls","polls":[]}}`
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	if kv, err := js.KeyValue(ctx, bucketName("keynote")); err == nil {
		if _, err := kv.Put(ctx, keyPolls, []byte(forgedPolls)); err == nil {
			t.Error("the edge put polls into the bucket")
		}
	}
	nc.Publish("$KV.wiretalk-keynote.polls", []byte(forgedPolls))
	nc.Publish(mineSubject("keynote"), []byte(`{`+hdr+`,"device":"`+devB+`","mine":{"type":"mine","votes":{"name:opcodes":0},"upvoted":[],"emoji":[]}}`))
	nc.Publish(roomSubject("keynote"), []byte(`{`+hdr+`,"kind":"polls","message":{"type":"polls","polls":[]}}`))
	nc.Publish(e.relay.room.inbox+".1", []byte(`{`+hdr+`,"reply":{"type":"reply","to":"vote","ok":false,"reason":"forged"}}`))
	nc.Flush()
	time.Sleep(300 * time.Millisecond)

	ent, err := p.relay.kv.Get(t.Context(), keyPolls)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(ent.Value()), `"polls":[]`) {
		t.Errorf("the bucket holds the edge's forged polls: %s", ent.Value())
	}
	other.mu.Lock()
	for _, m := range other.msgs {
		// The forged reply is judged by the broker's report below alone:
		// id 1 was answered long ago, so the edge would drop it anyway.
		if m.Type == "mine" && len(m.Votes) > 0 || m.Type == "polls" && len(m.Polls) == 0 {
			t.Errorf("a phone got the edge's forgery: %+v", m)
		}
	}
	other.mu.Unlock()
	all := violations()
	for _, subj := range []string{"$KV.wiretalk-keynote.polls", "wiretalk.keynote.mine", "wiretalk.keynote.room", e.relay.room.inbox + ".1"} {
		if !strings.Contains(all, `Permissions Violation for Publish to "`+subj+`"`) {
			t.Errorf("the broker reported no permissions violation for %s; it reported %q", subj, all)
		}
	}
}
