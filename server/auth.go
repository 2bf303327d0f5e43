package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// cookieName holds the presenter's session after the first visit with the
// key, so the presenter URL can be shared on screen without it.
const cookieName = "wiretalk_presenter"

// NewKey returns a random presenter key of 128 bits, in hex.
func NewKey() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand's documented contract)
	return hex.EncodeToString(b[:])
}

// presenterAuth decides whether a request comes from the presenter.
//
// The key is never stored in the cookie: the cookie holds a token derived
// from the key with HMAC-SHA-256, so a leaked cookie jar does not reveal
// the key. Both the key and the token are compared in constant time, on
// fixed-size digests so that not even their length leaks.
type presenterAuth struct {
	keyDigest   [32]byte
	token       string
	tokenDigest [32]byte
	limiter     *failLimiter
}

func newPresenterAuth(key string) *presenterAuth {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte("wiretalk presenter session"))
	token := hex.EncodeToString(mac.Sum(nil))
	return &presenterAuth{
		keyDigest:   sha256.Sum256([]byte(key)),
		token:       token,
		tokenDigest: sha256.Sum256([]byte(token)),
		limiter:     newFailLimiter(10, time.Minute),
	}
}

func (a *presenterAuth) keyOK(key string) bool {
	d := sha256.Sum256([]byte(key))
	return subtle.ConstantTimeCompare(d[:], a.keyDigest[:]) == 1
}

func (a *presenterAuth) cookieOK(r *http.Request) bool {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return false
	}
	d := sha256.Sum256([]byte(c.Value))
	return subtle.ConstantTimeCompare(d[:], a.tokenDigest[:]) == 1
}

// setCookie gives the browser the presenter session. It is Secure when
// the page came over https: served directly with TLS, or through a proxy
// that offloads TLS and says so with X-Forwarded-Proto (docs/deploy.md).
// The header is not checked for a trusted proxy: forging it can only make
// a forger's own cookie Secure.
func (a *presenterAuth) setCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name:     cookieName,
		Value:    a.token,
		Path:     "/",
		HttpOnly: true,
		Secure:   r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https"),
		SameSite: http.SameSiteStrictMode,
	})
}

// check reports whether r is the presenter's: a valid session cookie, or
// the key in the "key" query parameter. Failed attempts with a key are
// counted per client address; past the limit check answers limited=true
// without even comparing, so the key cannot be guessed quickly.
func (a *presenterAuth) check(r *http.Request) (ok, viaKey, limited bool) {
	if a.cookieOK(r) {
		return true, false, false
	}
	key := r.URL.Query().Get("key")
	if key == "" {
		return false, false, false
	}
	host := clientIP(r)
	if !a.limiter.allow(host) {
		return false, false, true
	}
	if a.keyOK(key) {
		return true, true, false
	}
	a.limiter.fail(host)
	return false, false, false
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// failLimiter allows at most max failures per address in each window.
type failLimiter struct {
	max    int
	window time.Duration

	mu    sync.Mutex
	fails map[string]*failCount
}

type failCount struct {
	n     int
	since time.Time
}

func newFailLimiter(max int, window time.Duration) *failLimiter {
	return &failLimiter{max: max, window: window, fails: make(map[string]*failCount)}
}

func (l *failLimiter) allow(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.fails[addr]
	if f == nil {
		return true
	}
	if time.Since(f.since) > l.window {
		delete(l.fails, addr)
		return true
	}
	return f.n < l.max
}

func (l *failLimiter) fail(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	// Forget stale entries now and then so the map stays small.
	if len(l.fails) > 10000 {
		for k, f := range l.fails {
			if now.Sub(f.since) > l.window {
				delete(l.fails, k)
			}
		}
	}
	f := l.fails[addr]
	if f == nil || now.Sub(f.since) > l.window {
		f = &failCount{since: now}
		l.fails[addr] = f
	}
	f.n++
}
