// Package browsertest starts a real headless Chromium for the browser tests
// of wiretalk's pages, with chromedp.
//
// A test calls New for a browser (and its first tab) and NewTab for more tabs
// in the same browser; every tab of a browser gets the same emulated window,
// device and colour scheme. Each tab logs its console to the test, and an
// uncaught exception or a Content-Security-Policy violation fails the test
// unless AllowErrors is given.
//
// When no Chromium is installed the test is skipped with a message; under
// CI=true it fails instead, so that CI cannot pass by skipping.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"
)

// An Option changes the browser that New starts.
type Option func(*config)

// config is what the options set; NewTab reads it from the parent context so
// that every tab of a browser looks the same.
type config struct {
	width, height int             // window size; 1280x800 unless WindowSize
	device        chromedp.Device // emulated on every tab when not nil
	dark          bool            // prefers-color-scheme: dark
	allowErrors   bool            // do not fail on exceptions and CSP violations
	describe      string          // JavaScript for a failed wait's message; see Describe
	extraFlags    map[string]any  // more Chromium flags
	execPath      string          // found by New
	tabs          *sync.WaitGroup // console readers, waited for at cleanup
	failMu        *sync.Mutex     // guards failures
	failures      *[]string       // exceptions and violations seen
}

// WindowSize sets the size of the window and of the page's viewport
// (innerWidth, innerHeight) in CSS pixels; the default is 1280x800.
func WindowSize(width, height int) Option {
	return func(c *config) { c.width, c.height = width, height }
}

// Device emulates a device on every tab: its viewport, pixel ratio, user
// agent, and touch (for example device.Pixel5, or device.GalaxyS5 for a
// 360 px wide phone).
func Device(d chromedp.Device) Option {
	return func(c *config) { c.device = d }
}

// Phone emulates a Pixel 5 (393x851 CSS px, touch) on every tab.
func Phone() Option { return Device(device.Pixel5) }

// Dark makes every tab prefer a dark colour scheme.
func Dark() Option {
	return func(c *config) { c.dark = true }
}

// AllowErrors keeps uncaught exceptions and Content-Security-Policy
// violations in the log without failing the test, for tests that provoke
// them on purpose.
func AllowErrors() Option {
	return func(c *config) { c.allowErrors = true }
}

// Flag passes one more command-line flag to Chromium, as chromedp.Flag does.
func Flag(name string, value any) Option {
	return func(c *config) {
		if c.extraFlags == nil {
			c.extraFlags = map[string]any{}
		}
		c.extraFlags[name] = value
	}
}

type configKey struct{}

// execPaths are the places to look for Chromium, best first. Debian's
// /usr/bin/chromium is a wrapper script that reads /etc/chromium.d and adds
// flags of its own, so the binary behind it comes first.
var execPaths = []string{
	"/usr/lib/chromium/chromium",
	"/usr/bin/chromium",
	"chromium",
	"chromium-browser",
	"google-chrome",
	"google-chrome-stable",
	"headless-shell",
}

// findChromium returns the first Chromium that exists, or "".
func findChromium() string {
	if p := os.Getenv("WIRETALK_CHROMIUM"); p != "" {
		return p
	}
	for _, p := range execPaths {
		if found, err := exec.LookPath(p); err == nil {
			return found
		}
	}
	return ""
}

// New starts a headless Chromium for the test and returns the context of its
// first tab, with a cancel func that closes the browser (it is also called at
// cleanup, so calling it is optional). Run actions on the context with
// chromedp.Run and chromedp.Do; do not put a timeout on it, because that
// would stop the whole browser (derive timeouts from it instead).
//
// Without Chromium the test is skipped, or fails under CI=true.
func New(t testing.TB, opts ...Option) (context.Context, context.CancelFunc) {
	t.Helper()
	c := &config{width: 1280, height: 800, tabs: new(sync.WaitGroup), failMu: new(sync.Mutex), failures: new([]string)}
	for _, o := range opts {
		o(c)
	}
	c.execPath = findChromium()
	if c.execPath == "" {
		msg := "browsertest: no Chromium found (looked for " + strings.Join(execPaths, ", ") +
			"); install it (Debian: apt-get install chromium) or set WIRETALK_CHROMIUM"
		skipOrFail(t, msg)
	}

	allocOpts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(c.execPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox, // tests often run as root, where the sandbox refuses to start
		chromedp.DisableGPU,
		chromedp.WindowSize(c.width, c.height),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
	)
	for name, value := range c.extraFlags {
		allocOpts = append(allocOpts, chromedp.Flag(name, value))
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), allocOpts...)
	actx = context.WithValue(actx, configKey{}, c)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf), chromedp.WithErrorf(t.Logf))
	ctx = context.WithValue(ctx, configKey{}, c)
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			acancel()
			c.tabs.Wait()
		})
	}
	t.Cleanup(func() {
		stop()
		c.failMu.Lock()
		defer c.failMu.Unlock()
		for _, f := range *c.failures {
			t.Errorf("browsertest: %s", f)
		}
	})
	// The first Run starts the browser and opens the tab.
	if err := chromedp.Do(ctx); err != nil {
		stop()
		t.Fatalf("browsertest: starting %s: %v", c.execPath, err)
	}
	setUpTab(t, ctx, c)
	return ctx, stop
}

// NewTab opens another tab (in a window of its own, so that it keeps
// painting) in the browser of parent, a context from New or NewTab. The tab
// closes with cancel, at cleanup, or with the browser.
func NewTab(t testing.TB, parent context.Context) (context.Context, context.CancelFunc) {
	t.Helper()
	c, ok := parent.Value(configKey{}).(*config)
	if !ok {
		t.Fatal("browsertest: NewTab needs a context from New or NewTab")
	}
	ctx, cancel := chromedp.NewContext(parent)
	var once sync.Once
	stop := func() { once.Do(cancel) }
	t.Cleanup(stop)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: opening a tab: %v", err)
	}
	setUpTab(t, ctx, c)
	return ctx, stop
}

// setUpTab applies the emulation of c to the tab of ctx and starts logging
// its console.
func setUpTab(t testing.TB, ctx context.Context, c *config) {
	t.Helper()
	// Headless Chromium keeps room for window decorations it does not
	// draw, so the window size alone gives a shorter viewport: set it.
	steps := []chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(int64(c.width), int64(c.height))}
	if c.device != nil {
		steps = []chromedp.Action[chromedp.Void]{chromedp.Emulate(c.device)}
	}
	if c.dark {
		steps = append(steps, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
			})
			return err
		}))
	}
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browsertest: emulating: %v", err)
	}

	messages := chromedp.Console(ctx) // subscribes now, before any page loads
	c.tabs.Add(1)
	go func() {
		defer c.tabs.Done()
		for m, err := range messages {
			if err != nil {
				return // the tab or the browser has gone
			}
			where := ""
			if m.URL != "" {
				where = " (" + m.URL + ")"
			}
			t.Logf("console %s%s", m, where)
			if c.allowErrors {
				continue
			}
			if m.IsException() || (m.Type == chromedp.ConsoleError && strings.Contains(m.Text, "Content Security Policy")) {
				c.failMu.Lock()
				*c.failures = append(*c.failures, m.String()+where)
				c.failMu.Unlock()
			}
		}
	}()
}
