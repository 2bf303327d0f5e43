package demo

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/device"

	"wiretalk/internal/browsertest"
	"wiretalk/protocol"
)

// labResult is what the lab page shows after one control: the bytes the
// server sent, the close frame the browser sent back (as the specimen's
// observer read it) and the page's close event.
type labResult struct {
	Sent          string // each frame in hex, as the lab's records show it
	BrowserCode   string
	BrowserReason string
	PageCode      string
	PageClean     string
	Messages      string
	Order         string
	Verdict       string
}

// openControls are the controls after which the connection stays open,
// with the number of events (frames both ways and page events) that end
// them.
var openControls = map[string]string{"splitutf8": "3", "pingmid": "5", "pong": "1", "twopings": "4"}

// runLab taps the control for rule on the lab at p and waits until the
// page has seen the end of it.
func (p tab) runLab(r LabRule) labResult {
	p.t.Helper()
	p.poll("the lab to connect", `document.querySelector('.wtl-buttons[data-open] button[data-rule=`+browsertest.JS(r.ID)+`]')`)
	p.click(`.wtl-buttons button[data-rule=` + browsertest.JS(r.ID) + `]`)
	done := `(() => { const d = document.querySelector('.wtl-result')?.dataset;
		return d && d.rule === ` + browsertest.JS(r.ID) + ` && d.pageCode !== '' && (d.browserCode !== '' || d.pageClean === 'true' || ` + browsertest.JS(r.ID) + ` === 'drop') })()`
	if n, open := openControls[r.ID]; open {
		done = `(() => { const d = document.querySelector('.wtl-result')?.dataset;
			return d && d.rule === ` + browsertest.JS(r.ID) + ` && d.order.split(' ').length >= ` + n + ` })()`
	}
	p.poll(r.ID+" to end", done)
	if _, open := openControls[r.ID]; open {
		time.Sleep(300 * time.Millisecond) // for anything that should not happen
	}
	get := func(k string) string { return p.eval(`document.querySelector('.wtl-result').dataset.` + k) }
	return labResult{Sent: get("sent"), BrowserCode: get("browserCode"), BrowserReason: get("browserReason"),
		PageCode: get("pageCode"), PageClean: get("pageClean"), Messages: get("messages"), Order: get("order"),
		Verdict: p.eval(`document.querySelector('.wtl-verdict').textContent`)}
}

// pageLabDone is, per control where the page acts, the JavaScript test
// on the result's dataset d that says it has ended.
var pageLabDone = map[string]string{
	"subprotocols":     `!!d.refused || d.handshake === 'true' && (d.opened === 'true' || !!d.pageCode)`,
	"deflate-declined": `!!d.messages && d.rsv1.split(' ').length >= 2`,
	"deflate-accepted": `!!d.messages && d.rsv1.split(' ').length >= 2`,
	"origin":           `d.pageCode !== undefined && d.pageCode !== '' && d.server !== ''`,
	"big":              `d.pageCode !== undefined && d.pageCode !== '' && d.server !== ''`,
	"simclose":         `!!d.pageCode && !!d.browserCode && d.order.split(' ').length >= 5`,
	"backoff":          `d.done === 'true'`,
}

// deflateText is what the deflate controls send (DEFLATE_TEXT in
// assets/lab-negotiation.js).
const deflateText = "Hello, hello, hello, hello! Again and again and again."

// reconnectAfter says whether the lab's connection is closed after page
// control id, so that the test taps Reconnect.
func reconnectAfter(id string) bool { return id == "big" || id == "simclose" }

// runPageLab taps control r, where the page acts, and returns the
// result's dataset once it has ended.
func (p tab) runPageLab(r LabRule) map[string]string {
	p.t.Helper()
	p.poll("the lab to connect", `document.querySelector('.wtl-buttons[data-open] button[data-rule=`+browsertest.JS(r.ID)+`]')`)
	p.click(`.wtl-buttons button[data-rule=` + browsertest.JS(r.ID) + `]`)
	p.poll(r.ID+" to end", `(() => { const d = document.querySelector('.wtl-result')?.dataset; return d && d.rule === `+browsertest.JS(r.ID)+` && `+pageLabDone[r.ID]+` })()`)
	var ds map[string]string
	if err := json.Unmarshal([]byte(p.eval(`JSON.stringify(document.querySelector('.wtl-result').dataset)`)), &ds); err != nil {
		p.t.Fatal(err)
	}
	return ds
}

// checkPageLab asserts what every browser shows for control r, where the
// page acts: the server's choice of subprotocol (not the page's first)
// beside ws.protocol, and the declined extension; the strict Origin
// check's 403 as the server's notice, with 1006 in the page; the 1009 of
// a message over the limit.
func checkPageLab(t *testing.T, r LabRule, d map[string]string) {
	t.Helper()
	page := r.Page
	switch page {
	case "subprotocols":
		if d["offered"] != "chat, superchat" || d["chosen"] != "superchat" || d["protocol"] != "superchat" {
			t.Errorf("subprotocols: offered %q, chosen %q, ws.protocol %q; want chat, superchat -> superchat", d["offered"], d["chosen"], d["protocol"])
		}
	case "deflate":
		if d["messages"] != deflateText {
			t.Errorf("%s: the page got %q, want its own text echoed", r.ID, d["messages"])
		}
		if !strings.Contains(d["extOffered"], "permessage-deflate") {
			t.Errorf("%s: the browser offered %q, want permessage-deflate", r.ID, d["extOffered"])
		}
		plain := hex.EncodeToString([]byte(deflateText))
		if r.Query == "" { // declined
			if d["extChosen"] != "" || d["extensions"] != "" || d["rsv1"] != "in:0 out:0" || d["payloadOut"] != plain {
				t.Errorf("declined: answer %q, ws.extensions %q, RSV1 %q, server's payload %s; want none, none, 0 both ways, the text itself",
					d["extChosen"], d["extensions"], d["rsv1"], d["payloadOut"])
			}
			break
		}
		// ws.extensions is the answer in Chromium, its name alone in
		// Firefox (the page notes it).
		if !strings.HasPrefix(d["extChosen"], "permessage-deflate") || !strings.Contains(d["extChosen"], "server_no_context_takeover") ||
			!strings.HasPrefix(d["extensions"], "permessage-deflate") {
			t.Errorf("accepted: answer %q, ws.extensions %q; want permessage-deflate; server_no_context_takeover, and ws.extensions naming it", d["extChosen"], d["extensions"])
		}
		if d["rsv1"] != "in:1 out:1" || d["payloadOut"] == "" || strings.HasPrefix(plain, d["payloadOut"]) {
			t.Errorf("accepted: RSV1 %q, server's payload %s; want RSV1=1 both ways and compressed bytes, not the text", d["rsv1"], d["payloadOut"])
		}
		var out int
		fmt.Sscanf(d["length"][strings.Index(d["length"], "out:")+4:], "%d", &out)
		if out == 0 || out >= len(deflateText) {
			t.Errorf("accepted: the server's frame is %d bytes for a %d-byte text (%s)", out, len(deflateText), d["length"])
		}
	case "simclose":
		// What is certain: the server sent its own close before it read
		// the browser's, the browser sent one too (not an answer: it was
		// asked for before the server's could arrive), and the page saw
		// a clean close.
		if !strings.HasPrefix(d["order"], "in:text out:close in:close") || strings.Count(d["order"], "close") != 3 {
			t.Errorf("simultaneous close: %q, want the page's message, the server's close, the browser's close, then the page's close event", d["order"])
		}
		if want := hex.EncodeToString(simCloseFrame()); d["serverClose"] != want {
			t.Errorf("the server's close: %s, want %s", d["serverClose"], want)
		}
		if d["browserCode"] != "1000" {
			t.Errorf("the browser's close: %s %q, want 1000", d["browserCode"], d["browserReason"])
		}
		if d["browserReason"] != "the page closes too" {
			// Timing: the browser answered the server's close. Allowed,
			// and the page must say so.
			t.Logf("the browser's close answered the server's this time (%q)", d["browserReason"])
		}
		if d["pageClean"] != "true" || d["pageCode"] != "1000" {
			t.Errorf("the page's close event: %s wasClean=%s, want 1000, true", d["pageCode"], d["pageClean"])
		}
	case "backoff":
		checkBackoff(t, d)
	case "origin":
		contains(t, "server's notice", d["server"], "403 Forbidden", "https://talk.example", "any other client can send whatever Origin")
		if d["pageCode"] != "1006" || d["pageClean"] != "false" || d["opened"] != "false" {
			t.Errorf("strict origin: page close %s clean %s opened %s, want 1006, false, false", d["pageCode"], d["pageClean"], d["opened"])
		}
	case "big":
		contains(t, "server's notice", d["server"], "over the 1 MiB limit", "1009")
		if d["pageCode"] != "1009" {
			t.Errorf("2 MiB: page close %s, want 1009", d["pageCode"])
		}
		if !strings.HasPrefix(d["order"], "in:text") || !strings.Contains(d["order"], "out:close") {
			t.Errorf("2 MiB: frames %q, want the browser's message, then the server's close", d["order"])
		}
	}
}

// handshakeResult is what the lab page shows after a handshake control.
type handshakeResult struct {
	Response, PageCode, PageClean, Opened, Fetch string
}

// runHandshakeLab taps handshake control r and waits for the page's
// close event (and its fetch, if any).
func (p tab) runHandshakeLab(r LabRule) handshakeResult {
	p.t.Helper()
	p.poll("the lab's controls", `document.querySelector('.wtl-buttons button[data-rule=`+browsertest.JS(r.ID)+`]')`)
	p.click(`.wtl-buttons button[data-rule=` + browsertest.JS(r.ID) + `]`)
	p.poll(r.ID+" to end", `(() => { const d = document.querySelector('.wtl-result')?.dataset;
		return d && d.rule === `+browsertest.JS(r.ID)+` && d.response !== '' && d.pageCode !== '' && (d.fetch !== '' || !`+browsertest.JS(fmt.Sprint(r.Fetch))+`.startsWith('t')) })()`)
	get := func(k string) string { return p.eval(`document.querySelector('.wtl-result').dataset.` + k) }
	return handshakeResult{get("response"), get("pageCode"), get("pageClean"), get("opened"), get("fetch")}
}

// checkHandshakeLab asserts what every browser must show for handshake
// control r: the exact broken response, the page's 1006, and for 403 and
// 426 the status a fetch() sees. A browser that accepted the handshake
// (opened) is only allowed where accepted says so.
func checkHandshakeLab(t *testing.T, r LabRule, res handshakeResult, accepted bool) {
	t.Helper()
	wantResp := strings.ReplaceAll(strings.SplitN(brokenResponse(r.ID, "KEY"), "\r\n\r\n", 2)[0], "\r\n", "\n")
	if r.ID != "hs-accept" { // the others carry the right accept, for the browser's key
		wantResp = regexp.MustCompile(`Sec-WebSocket-Accept: .*`).ReplaceAllString(wantResp, "")
	}
	for _, line := range strings.Split(wantResp, "\n") {
		if line != "" && !strings.Contains(res.Response, line) {
			t.Errorf("the page shows the response\n%s\nwithout the line %q", res.Response, line)
		}
	}
	if accepted {
		if res.Opened != "true" {
			t.Errorf("expected this browser to accept the handshake; opened=%s", res.Opened)
		}
		return
	}
	if res.Opened != "false" || res.PageCode != "1006" || res.PageClean != "false" {
		t.Errorf("page: opened=%s close %s wasClean=%s; want a refused handshake, 1006, not clean", res.Opened, res.PageCode, res.PageClean)
	}
	want := map[string]string{"hs-403": "403", "hs-426": "426 8", "hs-302": "opaqueredirect 200 /demo redirected"}[r.ID]
	if res.Fetch != want {
		t.Errorf("fetch() of the same URL: %q, want %q", res.Fetch, want)
	}
}

// wantSent is r's frames as the lab's records show them: each header with
// at most RowLimit payload bytes.
func wantSent(r LabRule) string {
	var out []string
	for _, f := range r.frames {
		s := hex.EncodeToString(f)
		h, n, _ := protocol.ParseHeader(f)
		switch {
		case h.Length == 0 && f[1]&0x7f == 127:
			s = s[:2*n] // its length is unknown: the record holds the header only
		case len(f)-n > RowLimit:
			s = s[:2*(n+RowLimit)]
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

// chromiumLab is what Chromium does with each lab control: the close
// code its close frame carries ("" for none, "echo" for the code the
// server sent), words its reason contains, and the page's close event
// ("" when the connection stays open).
var chromiumLab = map[string]struct{ browser, reason, page, clean string }{
	"masked":     {"1002", "Masked frame", "1006", "false"},
	"rsv1":       {"1002", "reserved bit", "1006", "false"},
	"op3":        {"1002", "opcode", "1006", "false"},
	"opB":        {"1002", "opcode", "1006", "false"},
	"ping126":    {"1002", "Protocol Error", "1006", "false"},
	"fragping":   {"1002", "Protocol Error", "1006", "false"},
	"nonminimal": {"1002", "Protocol Error", "1006", "false"},
	"msb64":      {"1002", "Protocol Error", "1006", "false"},
	"orphan":     {"1002", "continuation", "1006", "false"},
	"interleave": {"1002", "unfinished", "1006", "false"},
	"badutf8":    {"1002", "UTF-8", "1006", "false"}, // not 1007: the page says so
	"close1":     {"1002", "", "1006", "false"},
	"close1005":  {"1002", "", "1006", "false"},
	"code999":    {"999", "", "999", "true"}, // let through, and echoed
	"code1004":   {"1004", "", "1004", "true"},
	"code2000":   {"2000", "", "2000", "true"},
	"code5000":   {"5000", "", "5000", "true"},
	"afterclose": {"1000", "", "1006", "false"}, // it answered the close, then failed on the data
	"splitutf8":  {"", "", "", ""},
	"pingmid":    {"", "", "", ""},
	"pong":       {"", "", "", ""},
	"twopings":   {"", "", "", ""},
	"emptyclose": {"1005", "", "1005", "true"}, // an empty close back
	"drop":       {"", "", "1006", "false"},
}

// Every lab control, in Chromium, on the demo page: the bytes the server
// sent, the close frame the browser sent back (read by the specimen's
// observer), and the page's close event; then one tap reconnects.
func TestBrowserLab(t *testing.T) {
	srv, _ := pageServer(t)
	ctx, _ := browsertest.New(t)
	p := tab{t, ctx}
	p.open(srv.URL + "/demo")
	if n := p.eval(`String(document.querySelectorAll('.wtl-buttons button').length)`); n != "0" {
		t.Errorf("the lab shows %s controls before it is opened, want none: it connects when opened", n)
	}
	p.click(`.wtl-summary`)
	for _, r := range labRules() {
		if r.Page != "" {
			t.Run(r.ID, func(t *testing.T) {
				p.t = t
				d := p.runPageLab(r)
				checkPageLab(t, r, d)
				if r.ID == "deflate-accepted" && d["extensions"] != d["extChosen"] {
					t.Errorf("Chromium's ws.extensions %q, want the server's answer %q", d["extensions"], d["extChosen"])
				}
				if reconnectAfter(r.ID) {
					p.poll("the reconnect button", `!document.querySelector('.wtl-reconnect').hidden`)
					p.click(`.wtl-reconnect`)
				}
			})
			continue
		}
		if r.Handshake != "" {
			t.Run(r.ID, func(t *testing.T) {
				p.t = t
				res := p.runHandshakeLab(r)
				checkHandshakeLab(t, r, res, false)
			})
			continue
		}
		want, ok := chromiumLab[r.ID]
		if !ok {
			t.Errorf("no expectation for lab control %q", r.ID)
			continue
		}
		t.Run(r.ID, func(t *testing.T) {
			p.t = t
			res := p.runLab(r)
			if res.Sent != wantSent(r) {
				t.Errorf("server sent %s, want %s", res.Sent, wantSent(r))
			}
			if res.BrowserCode != want.browser || !strings.Contains(res.BrowserReason, want.reason) {
				t.Errorf("browser's close frame: %s %q, want %s with %q", res.BrowserCode, res.BrowserReason, want.browser, want.reason)
			}
			if res.PageCode != want.page || res.PageClean != want.clean {
				t.Errorf("page's close event: %s wasClean=%s, want %s wasClean=%s", res.PageCode, res.PageClean, want.page, want.clean)
			}
			switch r.ID {
			case "badutf8":
				contains(t, "verdict", res.Verdict, "failed the connection with 1002", "the RFC suggests 1007", "differ")
			case "masked":
				contains(t, "verdict", res.Verdict, "as the RFC says", "only learns 1006, wasClean=false")
			case "code999":
				contains(t, "verdict", res.Verdict, "let this through", "MUST fail")
			case "splitutf8":
				if res.Messages != "é" || res.Order != "out:text out:continuation message" {
					t.Errorf("é in two fragments: messages %q, order %q", res.Messages, res.Order)
				}
			case "pong":
				if res.Order != "out:pong" || res.Messages != "" {
					t.Errorf("unsolicited pong: order %q, messages %q; want nothing to happen", res.Order, res.Messages)
				}
			case "twopings":
				if res.Order != "out:ping out:ping in:pong in:pong" {
					t.Errorf("two pings: order %q, want a pong for each", res.Order)
				}
			case "pingmid":
				if res.Messages != "Hello" || res.Order != "out:text out:ping in:pong out:continuation message" {
					t.Errorf("ping between fragments: messages %q, order %q", res.Messages, res.Order)
				}
			}
			if r.ID == "emptyclose" {
				checkServerClosesFirst(t, p.poll("the end of TCP", `document.querySelector('.wtl-result').dataset.tcp`))
			}
			if !r.Valid && !strings.Contains(p.eval(`document.querySelector('.wtl-result').innerText`), "✗") {
				t.Error("the page does not name the rule broken")
			}
			if want.page != "" {
				p.poll("the reconnect button", `!document.querySelector('.wtl-reconnect').hidden`)
				p.click(`.wtl-reconnect`)
			}
		})
	}
	p.t = t
	// The lab's own sockets are apart from the inspector's: the inspector
	// beside it is still connected after all that.
	if s := p.eval(`document.querySelector('.wti-status').textContent`); !strings.HasPrefix(s, "Connected") {
		t.Errorf("inspector status after the lab: %q", s)
	}
}

// A close reason of 62 "é" is 62 characters but 124 bytes: the browser
// throws a SyntaxError, and the inspector says the reason is too long in
// bytes, not that the code is wrong.
func TestBrowserInspectorCountsReasonBytes(t *testing.T) {
	srv, _ := pageServer(t)
	ctx, _ := browsertest.New(t)
	p := tab{t, ctx}
	p.open(srv.URL + "/demo")
	p.eval(`document.querySelector('.wti-code').value = '1000'; document.querySelector('.wti-reason').value = ` + browsertest.JS(strings.Repeat("é", 62)) + `; ''`)
	p.click(`[data-act=close-browser]`)
	s := p.poll("the refusal", `(() => { const s = document.querySelector('.wti-status').textContent; return s.includes('refused') ? s : '' })()`)
	contains(t, "status", s, "124 bytes", "62 characters", "at most 123 bytes", "SyntaxError")
	if strings.Contains(s, "1000 or 3000-4999") {
		t.Errorf("the status blames the code: %s", s)
	}
	if s := p.eval(`document.querySelector('.wti-status').textContent`); !strings.Contains(s, "refused") {
		t.Errorf("status %q", s)
	}
}

// The lab's pictures for the README: on a phone after the masked frame
// (the bits, the browser's 1002, the page's 1006), and on a desktop after
// the 426. The inspector above it is hidden for the picture. Each run
// checks that the lab does not scroll sideways on a phone. With
// WIRETALK_SHOTS=docs/img they are written there (browsertest.Shot).
func TestBrowserLabScreenshots(t *testing.T) {
	srv, _ := pageServer(t)
	phone := device.GalaxyS5.Device()
	phone.Scale = 2
	rules := map[string]LabRule{}
	for _, r := range labRules() {
		rules[r.ID] = r
	}
	for _, tt := range []struct {
		name, rule string
		opts       []browsertest.Option
	}{
		{"phone", "masked", []browsertest.Option{browsertest.Device(phone)}},
		{"desktop", "hs-426", []browsertest.Option{browsertest.WindowSize(1280, 900)}},
		{"phone-deflate", "deflate-accepted", []browsertest.Option{browsertest.Device(phone)}},
		{"phone-subprotocols", "subprotocols", []browsertest.Option{browsertest.Device(phone)}},
		{"phone-backoff", "backoff", []browsertest.Option{browsertest.Device(phone)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, _ := browsertest.New(t, tt.opts...)
			p := tab{t, ctx}
			p.open(srv.URL + "/demo")
			p.click(`.wtl-summary`)
			p.poll("the lab to connect", `document.querySelector('.wtl-buttons[data-open]')`)
			p.eval(`document.querySelector('.wt-inspector').style.display = 'none'; document.querySelector('header').style.display = 'none'; ''`)
			if r := rules[tt.rule]; r.Handshake != "" {
				p.runHandshakeLab(r)
			} else if r.Page != "" {
				p.runPageLab(r)
			} else {
				p.runLab(r)
			}
			if over := p.eval(`String(document.documentElement.scrollWidth - document.documentElement.clientWidth)`); over != "0" {
				t.Errorf("the lab scrolls sideways by %s px", over)
			}
			if strings.HasPrefix(tt.name, "phone") { // the result alone: the controls fill a phone's screen many times over
				p.eval(`for (const e of document.querySelectorAll('.wtl-buttons, .wtl-intro')) e.style.display = 'none'; ''`)
			}
			p.eval(`document.activeElement.blur(); ''`)
			browsertest.Shot(t, ctx, "lab-"+tt.name)
		})
	}
}

// checkServerClosesFirst asserts the TCP steps the lab showed after a
// clean close: the server's FIN first (RFC 6455 §7.1.1), and the
// browser's, if it came, after it.
func checkServerClosesFirst(t *testing.T, tcp string) {
	t.Helper()
	if !strings.HasPrefix(tcp, "fin-sent") || strings.Count(tcp, "fin-sent") != 1 {
		t.Errorf("TCP steps %q, want the server's FIN first", tcp)
	}
}

// checkBackoff asserts the page's reconnecting after the lab's restart:
// the drop seen as 1006, at least 3 delays, the first in its random
// window and each later one twice the last (so each in its window, and
// growing), 3 refusals from the server, then a connection.
func checkBackoff(t *testing.T, d map[string]string) {
	t.Helper()
	var delays []int
	for _, f := range strings.Fields(d["delays"]) {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("delays %q", d["delays"])
		}
		delays = append(delays, n)
	}
	if len(delays) < 3 {
		t.Fatalf("%d delays (%q), want at least 3", len(delays), d["delays"])
	}
	for k, n := range delays {
		lo, hi := min(200<<k, 10000), min(800<<k, 10000)
		if n < lo || n > hi {
			t.Errorf("delay %d is %d ms, outside its window %d-%d", k+1, n, lo, hi)
		}
		if k > 0 && n != min(2*delays[k-1], 10000) {
			t.Errorf("delay %d is %d ms after %d: not twice the last", k+1, n, delays[k-1])
		}
	}
	if want := strings.Fields(d["windows"]); len(want) != len(delays) || want[0] != "200-800" {
		t.Errorf("the page shows the windows %q", d["windows"])
	}
	if d["lostCode"] != "1006" || d["refusals"] != "3" || d["tries"] != "refused (1006),refused (1006),refused (1006),open" {
		t.Errorf("lost %s, %s refusals, attempts %q; want 1006, 3, three refused then open", d["lostCode"], d["refusals"], d["tries"])
	}
}

// The subprotocol field: what the viewer types is what the page offers;
// the server picks by its own list; a name that is no token, or said
// twice, is refused by the browser itself with a SyntaxError, before any
// request, and the lab's connection stays open.
func TestBrowserLabSubprotocolField(t *testing.T) {
	srv, _ := pageServer(t)
	ctx, _ := browsertest.New(t)
	p := tab{t, ctx}
	p.open(srv.URL + "/demo")
	p.click(`.wtl-summary`)
	var r LabRule
	for _, x := range labRules() {
		if x.ID == "subprotocols" {
			r = x
		}
	}
	for _, tt := range []struct{ typed, offered, chosen, refused, bad string }{
		{"chat", "chat", "chat", "", ""},
		{"superchat,chat", "superchat, chat", "superchat", "", ""},
		{"", "", "", "", ""},
		{"foo, bar", "foo, bar", "", "", ""}, // Chromium fails it: the page says why
		{"chat, bad token", "", "", "SyntaxError", "bad token"},
		{"chat, chat", "", "", "SyntaxError", "chat"},
	} {
		t.Run(tt.typed, func(t *testing.T) {
			p.t = t
			p.poll("the lab to connect", `document.querySelector('.wtl-buttons[data-open] input[data-input="subprotocols"]')`)
			p.eval(`document.querySelector('input[data-input="subprotocols"]').value = ` + browsertest.JS(tt.typed) + `; document.querySelector('.wtl-result').dataset.rule = ''; ''`)
			d := p.runPageLab(r)
			if !strings.HasPrefix(d["refused"], tt.refused) || d["bad"] != tt.bad {
				t.Errorf("refused %q (bad %q), want %q (%q)", d["refused"], d["bad"], tt.refused, tt.bad)
			}
			if tt.refused != "" {
				contains(t, "result", p.eval(`document.querySelector('.wtl-result').innerText`), "Your browser refused", "No request left your browser")
				if d["offered"] != "" || d["opened"] != "false" {
					t.Errorf("a refused offer reached the server: %v", d)
				}
				if p.eval(`String(!!document.querySelector('.wtl-buttons[data-open]'))`) != "true" {
					t.Error("the lab's connection closed for an offer the browser refused")
				}
				return
			}
			if d["offered"] != tt.offered || d["chosen"] != tt.chosen || d["protocol"] != tt.chosen {
				t.Errorf("offered %q, chosen %q, ws.protocol %q; want %q, %q, %q", d["offered"], d["chosen"], d["protocol"], tt.offered, tt.chosen, tt.chosen)
			}
			if tt.offered != "" && tt.chosen == "" {
				// RFC 6455 lets it open; the WHATWG standard, and so
				// Chromium, fails it.
				if d["opened"] != "false" || d["pageCode"] != "1006" {
					t.Errorf("offered %q, none chosen: opened %s, page close %s; want Chromium to fail it with 1006", tt.offered, d["opened"], d["pageCode"])
				}
				contains(t, "verdict", p.eval(`document.querySelector('.wtl-verdict').textContent`), "chose none", "WHATWG", "RFC 6455 allows")
				if !strings.Contains(p.eval(`document.querySelector('.wtl-notes li[data-rules~="subprotocols"]')?.textContent || ''`), "Chromium fails") {
					t.Error("no note says that Chromium fails it")
				}
				p.poll("the reconnect button", `!document.querySelector('.wtl-reconnect').hidden`)
				p.click(`.wtl-reconnect`)
				return
			}
			txt := p.eval(`document.querySelector('.wtl-side').innerText`)
			contains(t, "side by side", txt, "Your browser sent", "The server chose", `ws.protocol = "`+tt.chosen+`"`)
		})
	}
}
