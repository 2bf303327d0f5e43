package browsertest_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"

	"wiretalk/internal/browsertest"
)

func page(body string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}))
}

func TestNewTabsShareOneBrowser(t *testing.T) {
	srv := page(`<!doctype html><title>hello from the test</title><p>hi`)
	defer srv.Close()

	ctx, cancel := browsertest.New(t)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil || title != "hello from the test" {
		t.Fatalf("title = %q, %v", title, err)
	}
	size, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[innerWidth, innerHeight]`))
	if err != nil || len(size) != 2 || size[0] != 1280 || size[1] != 800 {
		t.Errorf("default viewport = %v, %v; want 1280x800", size, err)
	}

	tab, closeTab := browsertest.NewTab(t, ctx)
	defer closeTab()
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS("p")))
	if err != nil || text != "hi" {
		t.Fatalf("second tab: p = %q, %v", text, err)
	}
	if got := chromedp.FromContext(tab).Browser; got != chromedp.FromContext(ctx).Browser {
		t.Error("NewTab started another browser")
	}

	path := filepath.Join(t.TempDir(), "page.png")
	browsertest.Screenshot(t, ctx, path)
	png, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("screenshot is not a PNG (%d bytes, %v)", len(png), err)
	}
}

func TestDeviceAndDarkReachEveryTab(t *testing.T) {
	srv := page(`<!doctype html><meta name="viewport" content="width=device-width"><title>t</title>`)
	defer srv.Close()

	first, _ := browsertest.New(t, browsertest.Device(device.GalaxyS5), browsertest.Dark())
	second, _ := browsertest.NewTab(t, first)
	for _, tab := range []struct {
		name string
		ctx  context.Context
	}{{"first tab", first}, {"second tab", second}} {
		if err := chromedp.Do(tab.ctx, chromedp.Navigate(srv.URL)); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(tab.ctx, chromedp.Evaluate[string](
			`[innerWidth, matchMedia("(prefers-color-scheme: dark)").matches, "ontouchstart" in window].join(" ")`))
		if want := "360 true true"; err != nil || got != want {
			t.Errorf("%s: width, dark, touch = %q, %v; want %q", tab.name, got, err, want)
		}
	}
}

// recorder is a testing.TB that keeps the errors reported to it.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestUncaughtExceptionFailsTheTest(t *testing.T) {
	srv := page(`<!doctype html><title>t</title><body>`)
	defer srv.Close()

	var rec *recorder
	t.Run("page throws", func(t *testing.T) {
		rec = &recorder{TB: t}
		ctx, _ := browsertest.New(rec)
		if err := chromedp.Do(ctx,
			chromedp.Navigate(srv.URL),
			chromedp.Evaluate[chromedp.Void](`setTimeout(() => { throw new Error("boom") })`),
			chromedp.Sleep(300*time.Millisecond), // for the console reader to see it
		); err != nil {
			t.Fatal(err)
		}
	})
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "boom") {
		t.Errorf("errors reported = %q; want one about the uncaught boom", rec.errors)
	}
}

func TestWaitForEvalSwipeAndShot(t *testing.T) {
	srv := page(`<!doctype html><meta name="viewport" content="width=device-width"><title>t</title>
<body style="height: 2000px"><p id="p">0</p><script>
let moves = 0;
addEventListener('touchmove', () => moves++);
addEventListener('touchend', e => { document.getElementById('p').textContent = 'swiped ' + moves; });
setTimeout(() => document.title = 'later', 200);
</script>`)
	defer srv.Close()
	dir := t.TempDir()
	t.Setenv(browsertest.ShotsEnv, dir)

	ctx, _ := browsertest.New(t, browsertest.Phone())
	browsertest.Open(t, ctx, srv.URL)
	if got := browsertest.WaitFor(t, ctx, "the title to change", `document.title === 'later' && document.title`); got != "later" {
		t.Errorf("WaitFor returned %q, want the truthy value %q", got, "later")
	}
	if got := browsertest.Eval[int](t, ctx, `Promise.resolve(6 * 7)`); got != 42 {
		t.Errorf("Eval of a promise = %d, want 42", got)
	}
	if got := browsertest.Eval[string](t, ctx, browsertest.JS(`a "quoted" </script> line`+"\n")); got != `a "quoted" </script> line`+"\n" {
		t.Errorf("JS did not round-trip: %q", got)
	}
	browsertest.Swipe(t, ctx, 300, 200, 50, 210)
	browsertest.WaitFor(t, ctx, "the swipe", `/^swiped [1-9]/.test(document.getElementById('p').textContent)`)
	browsertest.Shot(t, ctx, "swiped")
	png, err := os.ReadFile(filepath.Join(dir, "swiped.png"))
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("Shot wrote no PNG (%d bytes, %v)", len(png), err)
	}
}

func TestAxeReportsSeriousViolationsOnly(t *testing.T) {
	browsertest.NeedAxe(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/good":
			fmt.Fprint(w, `<!doctype html><html lang="en"><title>good</title><main><h1>Fine</h1><button>Send</button></main>`)
		default: // a button with no name, an image with no alt: both critical
			fmt.Fprint(w, `<!doctype html><html lang="en"><title>bad</title><main><h1>Not fine</h1><button></button><img src="data:,"></main>`)
		}
	}))
	defer srv.Close()
	ctx, _ := browsertest.New(t)

	browsertest.Open(t, ctx, srv.URL+"/good")
	browsertest.Axe(t, ctx, "the good page")

	var rec *recorder
	t.Run("bad page", func(t *testing.T) {
		rec = &recorder{TB: t}
		browsertest.Open(t, ctx, srv.URL+"/bad")
		browsertest.Axe(rec, ctx, "the bad page")
	})
	rec.mu.Lock()
	defer rec.mu.Unlock()
	got := strings.Join(rec.errors, "\n")
	for _, rule := range []string{"button-name", "image-alt"} {
		if !strings.Contains(got, rule) {
			t.Errorf("axe did not report %s; reported:\n%s", rule, got)
		}
	}
}

func TestLowContrastAndLuminance(t *testing.T) {
	srv := page(`<!doctype html><meta name="color-scheme" content="light dark"><title>t</title>
<p id="ok" style="color: #222">dark grey on the canvas</p>
<p id="pale" style="color: #aaa">pale grey on the canvas</p>
<div style="background: #000"><p id="black" style="color: #555">grey on black</p><h1 style="color: #888; font-size: 30px">large grey on black</h1></div>
<div style="background-image: url(data:,)"><p id="img" style="color: #fff">over an image</p></div>
<div style="opacity: .45"><p style="color: #5a6576">muted in a faded bar</p></div>`)
	defer srv.Close()
	ctx, _ := browsertest.New(t)
	browsertest.Open(t, ctx, srv.URL)
	got := strings.Join(browsertest.LowContrast(t, ctx, "body"), "\n")
	for _, want := range []string{`"pale grey on the canvas": 2.32:1`, `"grey on black": 2.82:1`, `"muted in a faded bar": 1.96:1`} {
		if !strings.Contains(got, want) {
			t.Errorf("LowContrast lacks %s; found:\n%s", want, got)
		}
	}
	for _, not := range []string{"dark grey", "large grey", "over an image"} {
		if strings.Contains(got, not) {
			t.Errorf("LowContrast reports %q; found:\n%s", not, got)
		}
	}
	if l := browsertest.Luminance(t, ctx, "#black"); l != 0 {
		t.Errorf("Luminance behind #black = %v, want 0", l)
	}
	if l := browsertest.Luminance(t, ctx, "#ok"); l != 1 {
		t.Errorf("Luminance behind #ok = %v, want 1 (a light canvas)", l)
	}
}

// ending is a testing.TB that records how a test ended, Fatal or Skip,
// and ends the goroutine as they do.
type ending struct {
	testing.TB
	how, msg string
}

func (e *ending) Fatal(args ...any) { e.how, e.msg = "fatal", fmt.Sprint(args...); runtime.Goexit() }
func (e *ending) Skip(args ...any)  { e.how, e.msg = "skip", fmt.Sprint(args...); runtime.Goexit() }

func TestMissingAxeSkipsOrFailsUnderCI(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "axe.min.js")
	t.Setenv(browsertest.AxeEnv, missing)
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		e := &ending{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			browsertest.NeedAxe(e)
		}()
		<-done
		want := map[string]string{"": "skip", "true": "fatal"}[ci]
		if e.how != want || !strings.Contains(e.msg, missing) {
			t.Errorf("CI=%q: NeedAxe ended the test by %q with %q; want %s naming %s", ci, e.how, e.msg, want, missing)
		}
	}
}

func TestOnScreenAndSideways(t *testing.T) {
	srv := page(`<!doctype html><meta name="viewport" content="width=device-width"><title>t</title>
<style>body { margin: 0 } div { position: absolute; width: 100px; height: 50px }</style>
<div id="a" style="left: 0; top: 0"></div><div id="b" style="left: 50px; top: 20px"></div>
<div id="c" style="left: 0; top: 100px"></div><div id="low" style="left: 0; top: 2000px"></div>
<div id="wide" style="left: 0; top: 200px; width: 2000px; display: none"></div>`)
	defer srv.Close()
	ctx, _ := browsertest.New(t, browsertest.WindowSize(800, 600))
	browsertest.Open(t, ctx, srv.URL)
	for _, c := range []struct {
		sels []string
		want string
	}{
		{[]string{"#a", "#c"}, ""},
		{[]string{"#a", "#b"}, "#a overlaps #b"},
		{[]string{"#low"}, "#low is at 0,2000,100,2050, not inside the 800x600 viewport"},
		{[]string{"#wide"}, "#wide is not shown"},
		{[]string{"#none"}, "#none is not in the page"},
	} {
		if got := browsertest.OnScreen(t, ctx, c.sels...); got != c.want {
			t.Errorf("OnScreen(%q) = %q, want %q", c.sels, got, c.want)
		}
	}
	if px := browsertest.Sideways(t, ctx); px != 0 {
		t.Errorf("Sideways = %d before the wide box shows, want 0", px)
	}
	browsertest.Eval[any](t, ctx, `document.getElementById('wide').style.display = 'block'`)
	if px := browsertest.Sideways(t, ctx); px != 1200 {
		t.Errorf("Sideways = %d with a 2000 px box in 800 px, want 1200", px)
	}
}
