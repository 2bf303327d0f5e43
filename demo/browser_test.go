package demo

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"
	"github.com/chromedp/chromedp/kb"

	"wiretalk/assets"
	"wiretalk/internal/browsertest"
	"wiretalk/templates"
)

// describe is what a failed wait shows of the inspector: its list and
// its detail.
const describe = `'list:\n' + (document.querySelector('.wti-list')?.innerText ?? '') + '\ndetail:\n' + (document.querySelector('.wti-detail')?.innerText ?? '')`

// pageServer serves what the inspector page needs, as the real server
// would: /demo from templates, /assets/ from assets.FS, and the two
// sockets. /demo?nocsp=1 is served without the policy, so that the XSS
// test proves the page itself inserts no markup, not that CSP blocked it.
func pageServer(t *testing.T) (*httptest.Server, *Inspector) {
	t.Helper()
	tmpl, err := templates.Parse()
	if err != nil {
		t.Fatal(err)
	}
	ins := New(Options{Logf: t.Logf})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /demo", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("nocsp") == "" {
			w.Header().Set("Content-Security-Policy", assets.ContentSecurityPolicy) // the page must work under the policy the server sends
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := tmpl.ExecuteTemplate(w, "demo.html", templates.Data{Title: "WebSockets, frame by frame", Assets: "test"}); err != nil {
			t.Errorf("demo.html: %v", err)
		}
	})
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(assets.FS)))
	mux.HandleFunc("GET /demo/feed", ins.ServeFeed)
	mux.HandleFunc("GET /demo/specimen", ins.ServeSpecimen)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		ins.Close()
		srv.Close()
	})
	return srv, ins
}

func (i *Inspector) feedCount() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return len(i.feeds)
}

// tab drives one inspector page.
type tab struct {
	t   *testing.T
	ctx context.Context
}

func (p tab) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	browsertest.Do(p.t, p.ctx, actions...)
}

func (p tab) eval(js string) string {
	p.t.Helper()
	return browsertest.Eval[string](p.t, p.ctx, js)
}

// poll waits until the JavaScript expression js is truthy and returns it.
func (p tab) poll(what, js string) string {
	p.t.Helper()
	return browsertest.WaitFor(p.t, p.ctx, what, js)
}

// item waits for the newest list item of direction dir ("in", "out")
// whose text matches pattern, and returns its sequence number.
func (p tab) item(dir, pattern string) string {
	p.t.Helper()
	return p.poll(dir+" frame "+pattern, fmt.Sprintf(`(() => {
		const re = new RegExp(%s);
		for (const b of document.querySelectorAll('.wti-item.wti-%s')) if (re.test(b.textContent)) return b.dataset.seq;
		return '';
	})()`, browsertest.JS(pattern), dir))
}

// show clicks the list item seq and returns the detail's text.
func (p tab) show(seq string) string {
	p.t.Helper()
	sel := `.wti-item[data-seq="` + seq + `"]`
	p.eval(`document.querySelector('` + sel + `').scrollIntoView({block: 'nearest'}); ''`)
	p.do(chromedp.Click(chromedp.CSS(sel)))
	p.poll("frame "+seq+" in the detail", `document.querySelector('.wti-h')?.textContent.startsWith('#`+seq+` ')`)
	return p.eval(`document.querySelector('.wti-detail').innerText`)
}

func (p tab) click(selector string) {
	p.t.Helper()
	p.do(chromedp.Click(chromedp.CSS(selector)))
}

func (p tab) setMessage(s string) {
	p.t.Helper()
	p.eval(`document.querySelector('.wti-msg').value = ` + browsertest.JS(s) + `; ''`)
}

func (p tab) payload() string {
	p.t.Helper()
	return p.eval(`document.querySelector('.wti-payload').textContent`)
}

func (p tab) open(url string) {
	p.t.Helper()
	p.do(chromedp.Navigate(url))
	p.poll("the specimen to connect", `document.querySelector('.wti-status')?.textContent.startsWith('Connected')`)
	p.poll("the handshake", `document.querySelector('.wti-hs')`)
}

func contains(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

func TestBrowserInspector(t *testing.T) {
	srv, ins := pageServer(t)
	ctx, _ := browsertest.New(t, browsertest.Describe(describe))
	p := tab{t, ctx}
	p.open(srv.URL + "/demo")

	t.Run("handshake", func(t *testing.T) {
		p.t = t
		d := p.show(p.poll("handshake item", `document.querySelector('.wti-hs').dataset.seq`))
		contains(t, "handshake", d, "GET /demo/specimen?feed=", "Sec-WebSocket-Key:", "HTTP/1.1 101 Switching Protocols",
			"258EAFA5-E914-47DA-95CA-C5AB0DC85B11", "the server sent exactly this")
		if !regexp.MustCompile(`SHA-1 of that, in hex: [0-9a-f]{40}`).MatchString(d) {
			t.Errorf("no SHA-1 in hex:\n%s", d)
		}
	})

	var hello string // the seq of the browser's "Hello, wiretalk"
	t.Run("text from the page is masked", func(t *testing.T) {
		p.t = t
		p.setMessage("Hello, wiretalk")
		p.click(`[data-act=text]`)
		hello = p.item("in", `#\d+ text.*15 bytes`)
		d := p.show(hello)
		contains(t, "browser's text frame", d, "browser → server", "MASK=1", "1: masked", "opcode\t0x1: text")
		key := regexp.MustCompile(`MASK=1 · key ((?:[0-9a-f]{2} ){3}[0-9a-f]{2})`).FindStringSubmatch(d)
		if key == nil {
			t.Fatalf("no 4-byte key in the detail:\n%s", d)
		}
		if !strings.Contains(d, "masking key\t"+key[1]) {
			t.Errorf("the fields table does not give the key %s:\n%s", key[1], d)
		}
		if got := p.payload(); got != "Hello, wiretalk" {
			t.Errorf("unmasked payload %q, want %q", got, "Hello, wiretalk")
		}
		if got := p.eval(`document.querySelector('.wti-bit.k-mask').textContent`); got != "1" {
			t.Errorf("MASK bit in the grid = %q, want 1", got)
		}
		// Every row of the XOR table: masked ^ key[i%4] = byte, and the
		// characters spell the message.
		check := p.eval(`(() => {
			const key = ` + browsertest.JS(key[1]) + `.split(' ');
			let text = '';
			for (const tr of [...document.querySelectorAll('.wti-xor tr')].slice(1)) {
				const [i, m, k, x, c] = [...tr.cells].map(td => td.textContent);
				if (k !== key[i % 4]) return 'row ' + i + ': key ' + k + ', want ' + key[i % 4];
				if ((parseInt(m, 16) ^ parseInt(k, 16)) !== parseInt(x, 16)) return 'row ' + i + ': ' + m + ' ^ ' + k + ' != ' + x;
				text += c;
			}
			return text;
		})()`)
		if check != "Hello, wiretalk" {
			t.Errorf("XOR table: %s", check)
		}
		p.poll("the page's onmessage", `document.querySelector('.wti-echo').textContent.includes('text message of 15 bytes')`)

		d = p.show(p.item("out", `#\d+ text.*15 bytes`))
		contains(t, "server's echo", d, "server → browser", "MASK=0", "not masked")
		if p.eval(`String(document.querySelectorAll('.wti-k').length)`) != "0" {
			t.Error("the server's frame shows key bytes")
		}
	})

	t.Run("server pings and the browser pongs", func(t *testing.T) {
		p.t = t
		p.click(`[data-act=ping]`)
		p.item("out", `#\d+ ping`)
		d := p.show(p.item("in", `#\d+ pong`))
		contains(t, "pong", d, "browser → server", "MASK=1", "0xa: pong")
		if got := p.payload(); got != "ping 1" {
			t.Errorf("pong payload %q, want the ping's %q", got, "ping 1")
		}
	})

	t.Run("126 bytes take a 16-bit length", func(t *testing.T) {
		p.t = t
		p.click(`[data-size="126"]`)
		d := p.show(p.item("in", `#\d+ text.*126 bytes`))
		contains(t, "126 B frame", d, "126 → 16-bit length follows", "16-bit length\t00 7e = 126", "byte 1 = fe")
	})

	t.Run("70 KiB take a 64-bit length", func(t *testing.T) {
		p.t = t
		p.click(`[data-size="71680"]`)
		d := p.show(p.item("in", `#\d+ text.*71,680 bytes`))
		contains(t, "70 KiB frame", d, "127 → 64-bit length follows", "64-bit length\t00 00 00 00 00 01 18 00 = 71,680",
			"byte 1 = ff", "The table shows the first 64 bytes.", "more bytes (71,680 bytes in all)")
		p.item("out", `#\d+ text.*71,680 bytes`)
	})

	t.Run("server replies in fragments", func(t *testing.T) {
		p.t = t
		p.click(`[data-act=frag]`)
		p.poll("the fragments notice", `[...document.querySelectorAll('.wti-notice')].some(n => n.textContent.includes('fragments on'))`)
		p.setMessage("in three frames")
		p.click(`[data-act=text]`)
		last := p.item("out", `continuation.*FIN=1 MASK=0`)
		first := p.item("out", `continuation.*FIN=0 MASK=0`)
		p.item("out", `text.*5 bytes.*FIN=0 MASK=0`)
		d := p.show(first)
		contains(t, "middle fragment", d, "0: more frames of this message follow", "0x0: continuation")
		if got := p.eval(`[...document.querySelectorAll('.wti-bit')].slice(0, 8).map(b => b.textContent).join('')`); got != "00000000" {
			t.Errorf("byte 0 of a middle continuation = %s, want 00000000", got)
		}
		p.show(last)
		p.poll("one message event", `document.querySelector('.wti-echo').textContent.includes('text message of 15 bytes')`)
		p.click(`[data-act=frag]`)
		p.poll("fragments off", `[...document.querySelectorAll('.wti-notice')].some(n => n.textContent.includes('fragments off'))`)
	})

	t.Run("step through with the keys", func(t *testing.T) {
		p.t = t
		p.eval(`window.__keys = 0; addEventListener('keydown', () => window.__keys++); ''`)
		if hello == "" {
			t.Skip("no Hello frame")
		}
		p.show(hello)
		p.click(`[data-act=step]`)
		explain := func() string { return p.eval(`document.querySelector('.wti-explain').textContent`) }
		contains(t, "step 1", explain(), "Byte 0 is 10000001: FIN=1")
		p.do(chromedp.KeyEvent(kb.ArrowRight))
		contains(t, "step 2", explain(), "Byte 1 is 10001111: MASK=1", "= 15: the whole length.")
		p.do(chromedp.KeyEvent(kb.ArrowRight))
		contains(t, "step 3", explain(), "masking key")
		p.do(chromedp.KeyEvent(kb.ArrowRight))
		if !regexp.MustCompile(`Payload byte 0: [0-9a-f]{2} XOR key byte 0 \([0-9a-f]{2}\) = 48 = "H"`).MatchString(explain()) {
			t.Errorf("step 4 = %q, want payload byte 0 unmasked to H", explain())
		}
		if got := p.eval(`document.querySelector('tr.wti-hl')?.dataset.f ?? ''`); got != "r0" {
			t.Errorf("highlighted row %q, want r0", got)
		}
		p.do(chromedp.KeyEvent(kb.ArrowLeft))
		contains(t, "back to step 3", explain(), "masking key")
		p.click(`[data-act=next]`)
		contains(t, "Next button", explain(), "Payload byte 0")
		if got := p.eval(`String(window.__keys)`); got != "0" {
			t.Errorf("%s arrow keys reached the page in step mode: they would move the slides", got)
		}
		p.do(chromedp.KeyEvent(kb.Escape))
		p.poll("step mode off", `!document.querySelector('.wti-stepping')`)
		p.do(chromedp.KeyEvent(kb.ArrowRight))
		if got := p.eval(`String(window.__keys)`); got != "1" {
			t.Errorf("out of step mode, %s arrow keys reached the page, want 1", got)
		}
	})

	t.Run("close from the server, reconnect, close from the browser", func(t *testing.T) {
		p.t = t
		p.eval(`document.querySelector('.wti-code').value = '4000'; document.querySelector('.wti-reason').value = 'server says bye'; ''`)
		p.click(`[data-act=close-server]`)
		p.poll("the close", `document.querySelector('.wti-status').textContent.includes('4000 "server says bye"')`)
		d := p.show(p.item("out", `#\d+ close`))
		contains(t, "server's close", d, "close\t4000 private use, reason \"server says bye\"")
		p.item("in", `#\d+ close`)

		p.click(`[data-act=reconnect]`)
		p.poll("a second handshake", `[...document.querySelectorAll('.wti-hs')].some(b => b.textContent.includes('connection 2'))`)
		p.poll("connected again", `document.querySelector('.wti-status').textContent.startsWith('Connected')`)
		p.eval(`document.querySelector('.wti-code').value = '1000'; document.querySelector('.wti-reason').value = 'bye from the page'; ''`)
		p.click(`[data-act=close-browser]`)
		d = p.show(p.item("in", `#\d+ close.*19 bytes`)) // 2 bytes of code, 17 of reason
		contains(t, "browser's close", d, "browser → server", "MASK=1", "1000 normal closure, reason \"bye from the page\"")
	})

	t.Run("mount and unmount as a slide does", func(t *testing.T) {
		p.t = t
		p.eval(`import('/assets/inspector.js?v=test').then(m => {
			const box = document.createElement('div');
			box.className = 'wt-inspector second';
			document.body.append(box);
			window.__unmount = m.mount(box);
		}); ''`)
		p.poll("the second inspector to connect", `document.querySelector('.second .wti-status')?.textContent.startsWith('Connected')`)
		if n := ins.feedCount(); n != 2 {
			t.Errorf("%d feeds open, want 2", n)
		}
		p.eval(`window.__unmount(); ''`)
		if got := p.eval(`document.querySelector('.second').outerHTML`); got != `<div class="wt-inspector second"></div>` {
			t.Errorf("after unmount the box is %s, want it empty as it was", got)
		}
		deadline := time.Now().Add(10 * time.Second)
		for ins.feedCount() != 1 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if n := ins.feedCount(); n != 1 {
			t.Errorf("after unmount %d feeds open, want 1", n)
		}
		// The first inspector still works.
		p.click(`[data-act=reconnect]`)
		p.poll("connection 3", `[...document.querySelectorAll('.wti-hs')].some(b => b.textContent.includes('connection 3'))`)
	})
}

func TestBrowserPayloadIsNeverMarkup(t *testing.T) {
	srv, _ := pageServer(t)
	ctx, _ := browsertest.New(t, browsertest.Describe(describe))
	p := tab{t, ctx}
	p.open(srv.URL + "/demo?nocsp=1") // no CSP to hide a mistake
	const xss = `<img src=x onerror="window.__xss=1">`
	p.setMessage(xss)
	p.click(`[data-act=text]`)
	p.show(p.item("in", `#\d+ text`))
	if got := p.payload(); got != xss {
		t.Errorf("payload %q, want it as text %q", got, xss)
	}
	p.show(p.item("out", `#\d+ text`))
	p.click(`[data-act=binary]`)
	p.show(p.item("out", `#\d+ binary`))
	if got, want := p.payload(), "3c 69 6d 67 20"; !strings.HasPrefix(got, want) {
		t.Errorf("binary payload %q, want hex %s…", got, want)
	}
	time.Sleep(200 * time.Millisecond) // an image error would fire by now
	if got := p.eval(`String(window.__xss)`); got != "undefined" {
		t.Errorf("window.__xss = %s: the payload ran", got)
	}
	if got := p.eval(`String(document.querySelectorAll('img').length)`); got != "0" {
		t.Errorf("%s <img> elements in the page", got)
	}
}

// TestBrowserScreenshots checks the phone layout (360 px: nothing makes
// the page scroll sideways) and, with WIRETALK_SHOTS=docs/img, saves both
// screenshots for the README (see browsertest.Shot).
func TestBrowserScreenshots(t *testing.T) {
	srv, _ := pageServer(t)
	phone := device.GalaxyS5.Device() // 360 px wide, touch
	phone.Scale = 2                   // a smaller PNG than its 3
	for _, tt := range []struct {
		name string
		opts []browsertest.Option
	}{
		{"phone", []browsertest.Option{browsertest.Device(phone)}},
		{"desktop", []browsertest.Option{browsertest.WindowSize(1280, 900)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, _ := browsertest.New(t, append(tt.opts, browsertest.Describe(describe))...)
			p := tab{t, ctx}
			p.open(srv.URL + "/demo")
			p.click(`[data-size="71680"]`)
			p.item("out", `71,680 bytes`)
			p.click(`[data-act=ping]`)
			p.item("in", `pong`)
			p.click(`[data-act=text]`) // "Hello", RFC 6455's example
			p.show(p.item("in", `#\d+ text.*5 bytes`))
			p.item("out", `#\d+ text.*5 bytes`)
			p.click(`[data-act=step]`)
			for range 4 {
				p.do(chromedp.KeyEvent(kb.ArrowRight))
			}
			if tt.name == "phone" {
				if w := p.eval(`String(innerWidth)`); w != "360" {
					t.Errorf("innerWidth %s, want 360", w)
				}
				if px := browsertest.Sideways(t, ctx); px > 0 {
					t.Errorf("the page scrolls sideways by %d px", px)
				}
			}
			p.eval(`document.activeElement.blur(); ''`)
			browsertest.Shot(t, ctx, "inspector-"+tt.name)
		})
	}
}

// After Send, what was sent and what came back are readable at a glance,
// on a laptop and on a phone, without scrolling: the selected frame's
// payload text comes before its bits and tables, and the page's onmessage
// shows the echo's text. Each entry in the list of frames starts with
// the start of its payload, as DevTools does: text, or hex for binary,
// cut with an ellipsis.
func TestBrowserSentAndEchoAtAGlance(t *testing.T) {
	srv, _ := pageServer(t)
	for _, tt := range []struct {
		name string
		opts []browsertest.Option
	}{
		{"1280x800", []browsertest.Option{browsertest.WindowSize(1280, 800)}},
		{"Pixel 5", []browsertest.Option{browsertest.Device(device.Pixel5)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, _ := browsertest.New(t, append(tt.opts, browsertest.Describe(describe))...)
			p := tab{t, ctx}
			p.open(srv.URL + "/demo")
			const sent = "Hello, wiretalk"
			p.setMessage(sent)
			p.click(`[data-act=text]`)
			in := p.item("in", `#\d+ text.*15 bytes`)
			out := p.item("out", `#\d+ text.*15 bytes`)
			p.poll("the sent frame in the detail", `document.querySelector('.wti-h')?.textContent.startsWith('#`+in+` ')`)
			p.poll("the echo on the page", `document.querySelector('.wti-echo').textContent.includes('text message of 15 bytes')`)
			if got := p.payload(); got != sent {
				t.Errorf("the detail's payload is %q, want %q", got, sent)
			}
			if where := browsertest.OnScreen(t, ctx, ".wti-payload"); where != "" {
				t.Errorf("the sent text is not in view without scrolling: %s", where)
			}
			if got := p.eval(`document.querySelector('.wti-echo').textContent`); !strings.Contains(got, "“"+sent+"”") {
				t.Errorf("the page's onmessage line %q does not show the echo's text", got)
			}
			if where := browsertest.OnScreen(t, ctx, ".wti-echo"); where != "" {
				t.Errorf("the echo's text is not in view without scrolling: %s", where)
			}
			if p.eval(`String(scrollY)`) != "0" {
				t.Errorf("the page scrolled to %s", p.eval(`String(scrollY)`))
			}
			for _, seq := range []string{in, out} {
				if got := p.eval(`document.querySelector('[data-seq="` + seq + `"] .wti-preview')?.textContent ?? ''`); got != sent {
					t.Errorf("list entry #%s previews %q, want %q", seq, got, sent)
				}
			}
			if tt.name == "1280x800" { // beside the detail, the list is in view too
				if where := browsertest.OnScreen(t, ctx, `[data-seq="`+out+`"] .wti-preview`); where != "" {
					t.Errorf("the echo's list entry is not in view: %s", where)
				}
			}

			// Longer text is cut at 40 characters; binary is previewed in
			// hex; markup stays text.
			long := "<b>markup</b> stays text, and a long message is cut in the list"
			p.setMessage(long)
			p.click(`[data-act=text]`)
			seq := p.item("in", fmt.Sprintf(`#\d+ text.*%d bytes`, len(long)))
			if got, want := p.eval(`document.querySelector('[data-seq="`+seq+`"] .wti-preview').textContent`), long[:40]+"…"; got != want {
				t.Errorf("long text previews %q, want %q", got, want)
			}
			p.setMessage("<hi>")
			p.click(`[data-act=binary]`)
			seq = p.item("out", `#\d+ binary.*4 bytes`)
			if got := p.eval(`document.querySelector('[data-seq="` + seq + `"] .wti-preview').textContent`); got != "3c 68 69 3e" {
				t.Errorf("binary previews %q, want hex 3c 68 69 3e", got)
			}
			if got := p.eval(`String(document.querySelectorAll('.wti-list b:not(.wti-item > b), .wti-list img').length)`); got != "0" {
				t.Errorf("%s elements made from payloads in the list", got)
			}
		})
	}
}
