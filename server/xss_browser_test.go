package server

import (
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"wiretalk/internal/browsertest"
	"wiretalk/protocol"
)

// xss are markup payloads that would run if the inspector ever inserted
// wire data as HTML; each sets window.__xss to its own name.
var xss = []string{
	`<img src=x onerror="window.__xss='img'">`,
	`<script>window.__xss='script'</script>`,
	`<svg onload="window.__xss='svg'"></svg>`,
	`"><iframe srcdoc="<script>parent.__xss='iframe'</script>"></iframe>`,
	`<a href="javascript:window.__xss='href'" id=x>x</a><style>*{display:none}</style>`,
}

// TestBrowserWireDataIsNeverMarkup opens the frame inspector from the real
// server, under its real Content-Security-Policy, in Chromium. Markup
// then arrives by every way wire data reaches the page: typed into the
// page and sent as text and binary, in a close reason the server sends,
// and — from a hostile client that holds the feed's id — in handshake
// headers and the query, text, fragmented text, a ping's payload, a close
// reason, and a text that fails UTF-8 validation. Every record is opened
// in the detail view. Nothing runs, no element is created from it, the
// payload is shown as text, and browsertest fails the test on any script
// error or CSP violation.
func TestBrowserWireDataIsNeverMarkup(t *testing.T) {
	ts := newTestServer(t, testDeck)
	ctx, _ := browsertest.New(t)
	items := func() int {
		return browsertest.Eval[int](t, ctx, `document.querySelectorAll('.wti-item, .wti-notice').length`)
	}

	browsertest.Open(t, ctx, ts.http.URL+"/demo")
	browsertest.WaitFor(t, ctx, "the specimen to connect", `document.querySelector('.wti-status')?.textContent.startsWith('Connected')`)
	browsertest.WaitFor(t, ctx, "the handshake", `document.querySelector('.wti-hs')`)

	// From the page: text and binary, and a close reason from the server.
	for _, p := range xss {
		before := items()
		browsertest.Eval[string](t, ctx, `document.querySelector('.wti-msg').value = `+browsertest.JS(p)+`; ''`)
		browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-act=text]`)))
		browsertest.WaitFor(t, ctx, "the echo of "+p, fmt.Sprintf(`document.querySelectorAll('.wti-item, .wti-notice').length >= %d`, before+2))
		if got := browsertest.Eval[string](t, ctx, `document.querySelector('.wti-payload')?.textContent ?? ''`); got != p {
			t.Errorf("the payload shows as %q, want the text %q", got, p)
		}
	}
	browsertest.Eval[string](t, ctx, `document.querySelector('.wti-msg').value = `+browsertest.JS(xss[0])+`; ''`)
	browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-act=binary]`)))
	reason := `<img src=x onerror=window.__xss=1>`
	browsertest.Eval[string](t, ctx, `document.querySelector('.wti-code').value = '4000'; document.querySelector('.wti-reason').value = `+browsertest.JS(reason)+`; ''`)
	browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(`[data-act=close-server]`)))
	browsertest.WaitFor(t, ctx, "the close", `document.querySelector('.wti-status').textContent.includes(`+browsertest.JS(`4000 "`+reason+`"`)+`)`)

	// From a hostile client that learned the feed's id: the handshake
	// the page shows holds it.
	browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(`.wti-hs`)))
	id := regexp.MustCompile(`feed=([0-9a-f]{32})`).FindStringSubmatch(browsertest.Eval[string](t, ctx, `document.querySelector('.wti-detail').innerText`))
	if id == nil {
		t.Fatal("no feed id in the handshake's detail")
	}
	before := items()
	addr := ts.http.Listener.Addr().String()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	hostile := rawHandshakeOn(t, nc, addr, "/demo/specimen?feed="+id[1]+"&q=<svg/onload=window.__xss='query'>",
		"X-Evil: "+xss[0], "User-Agent: "+xss[2])
	frames := [][]byte{
		clientFrame(finText, xss[1]),
		clientFrame(fragText, xss[3][:20]), clientFrame(finCont, xss[3][20:]),
		clientFrame(finPing, xss[0]),
		clientFrame(finBinary, xss[4]),
		clientFrame(finClose, closeP(4001, reason)),
	}
	for _, f := range frames {
		hostile.send(f)
	}
	if o := hostile.awaitClose(); o.code != 4001 {
		t.Errorf("the hostile specimen's close: %v", o)
	}
	nc, err = net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	hostile = rawHandshakeOn(t, nc, addr, "/demo/specimen?feed="+id[1])
	hostile.send(clientFrame(finText, xss[0]+"\xff"))
	if o := hostile.awaitClose(); o.code != int(protocol.StatusInvalidPayload) {
		t.Errorf("invalid UTF-8 after markup: %v, want 1007", o)
	}
	browsertest.WaitFor(t, ctx, "the hostile frames on the page", fmt.Sprintf(`document.querySelectorAll('.wti-item, .wti-notice').length >= %d`, before+12))

	// Open every record's detail, where payloads, headers and reasons are
	// drawn in full, and keep what it shows.
	shown := browsertest.Eval[string](t, ctx, `(() => {
		const items = [...document.querySelectorAll('.wti-item')];
		let text = '';
		for (const b of items) {
			b.click();
			text += document.querySelector('.wti-detail').innerText + '\n';
		}
		return items.length + '\n' + text;
	})()`)
	n, _, _ := strings.Cut(shown, "\n")
	for _, want := range append(xss, "X-Evil: "+xss[0], "User-Agent: "+xss[2], reason, "q=<svg/onload=window.__xss='query'>") {
		if !strings.Contains(shown, want) {
			t.Errorf("no detail shows %q as text", want)
		}
	}
	time.Sleep(300 * time.Millisecond) // an image error or iframe would have run by now

	if got := browsertest.Eval[string](t, ctx, `String(window.__xss)`); got != "undefined" {
		t.Errorf("window.__xss = %s: wire data ran as script", got)
	}
	if got := browsertest.Eval[string](t, ctx, `String(document.querySelectorAll('img, svg, iframe, script:not([src]), a[href^="javascript"], style, #x').length)`); got != "0" {
		t.Errorf("%s elements made from wire data are in the page", got)
	}
	if got := browsertest.Eval[string](t, ctx, `String([...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length)`); got != "0" {
		t.Errorf("%s elements have inline event handlers", got)
	}
	t.Logf("%d markup payloads by 11 routes (text, binary, server close reason from the page; header, query, text, fragments, ping, binary, close reason, invalid UTF-8 from a hostile client); %s records opened: nothing ran", len(xss), n)
}
