package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"wiretalk/internal/browsertest"
	"wiretalk/internal/marionette"
)

// firefoxLab is what Firefox (firefox-esr) does with each lab control, in
// the shape of chromiumLab; messages is what its page's onmessage got.
// Where it differs from Chromium, the lab page must say so.
var firefoxLab = map[string]struct{ browser, reason, page, clean, messages string }{
	"masked":     {"", "", "", "", "Hello"},     // accepted and delivered
	"rsv1":       {"", "", "1006", "false", ""}, // no close frame: TCP only
	"op3":        {"", "", "1006", "false", ""},
	"opB":        {"", "", "1006", "false", ""},
	"ping126":    {"", "", "1006", "false", ""},
	"fragping":   {"", "", "1006", "false", ""},
	"nonminimal": {"", "", "1006", "false", ""},
	"msb64":      {"", "", "1006", "false", ""},
	"orphan":     {"", "", "1006", "false", ""},
	"interleave": {"", "", "1006", "false", ""},
	"badutf8":    {"", "", "1006", "false", ""},
	"close1":     {"1005", "", "1005", "true", ""}, // a clean close with no code
	"close1005":  {"1005", "", "1005", "true", ""},
	"code999":    {"999", "", "999", "true", ""},
	"code1004":   {"1004", "", "1004", "true", ""},
	"code2000":   {"2000", "", "2000", "true", ""},
	"code5000":   {"5000", "", "5000", "true", ""},
	"afterclose": {"1000", "", "1000", "true", ""}, // the late frame ignored
	"splitutf8":  {"", "", "", "", "é"},
	"pingmid":    {"", "", "", "", "Hello"},
	"pong":       {"", "", "", "", ""},
	"twopings":   {"", "", "", "", ""},
	"emptyclose": {"1005", "", "1005", "true", ""},
	"drop":       {"", "", "1006", "false", ""},
}

// The same lab in Firefox, driven through Marionette: for every control,
// the bytes sent, the browser's close frame (or its absence) as the
// specimen's observer read it, and the page's close event; and wherever
// Firefox does something else than Chromium, a note on the page says so.
func TestFirefoxLab(t *testing.T) {
	srv, _ := pageServer(t)
	ff := marionette.Start(t)
	if err := ff.Navigate(srv.URL + "/demo"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	eval := func(js string) string {
		t.Helper()
		v, err := ff.Eval(js)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ff.Poll(ctx, "the lab", `return !!document.querySelector('.wtl-summary')`, 20*time.Second)
	eval(`document.querySelector('.wtl-summary').click(); return ''`)
	for _, r := range labRules() {
		if r.Page != "" {
			sel := browsertest.JS(r.ID)
			ff.Poll(ctx, r.ID+" ready", `return !!document.querySelector('.wtl-buttons[data-open] button[data-rule=`+sel+`]')`, 20*time.Second)
			eval(`document.querySelector('.wtl-buttons button[data-rule=` + sel + `]').click(); return ''`)
			ff.Poll(ctx, r.ID+" to end", `const d = document.querySelector('.wtl-result')?.dataset; return !!d && d.rule === `+sel+` && `+pageLabDone[r.ID], 20*time.Second)
			var d map[string]string
			if err := json.Unmarshal([]byte(eval(`return JSON.stringify(document.querySelector('.wtl-result').dataset)`)), &d); err != nil {
				t.Fatal(err)
			}
			checkPageLab(t, r, d)
			if reconnectAfter(r.ID) {
				ff.Poll(ctx, "the reconnect button", `return !document.querySelector('.wtl-reconnect').hidden`, 10*time.Second)
				eval(`document.querySelector('.wtl-reconnect').click(); return ''`)
			}
			continue
		}
		if r.Handshake != "" {
			sel := browsertest.JS(r.ID)
			eval(`document.querySelector('.wtl-buttons button[data-rule=` + sel + `]').click(); return ''`)
			ff.Poll(ctx, r.ID+" to end", `const d = document.querySelector('.wtl-result')?.dataset;
				return !!d && d.rule === `+sel+` && d.response !== '' && (d.opened === 'true' || d.pageCode !== '' && (d.fetch !== '' || !`+browsertest.JS(fmt.Sprint(r.Fetch))+`.startsWith('t')))`, 20*time.Second)
			var res handshakeResult
			if err := json.Unmarshal([]byte(eval(`return JSON.stringify(document.querySelector('.wtl-result').dataset)`)), &res); err != nil {
				t.Fatal(err)
			}
			accepted := r.ID == "hs-subprotocol" // Firefox takes it
			checkHandshakeLab(t, r, res, accepted)
			if accepted && eval(`return String(!!document.querySelector('.wtl-notes li[data-rules~=`+sel+`]'))`) != "true" {
				t.Errorf("%s: Firefox differs from Chromium, and the page has no note about it", r.ID)
			}
			continue
		}
		want, ok := firefoxLab[r.ID]
		if !ok {
			t.Errorf("no expectation for lab control %q", r.ID)
			continue
		}
		sel := browsertest.JS(r.ID)
		ff.Poll(ctx, r.ID+" ready", `return !!document.querySelector('.wtl-buttons[data-open] button[data-rule=`+sel+`]')`, 20*time.Second)
		eval(`document.querySelector('.wtl-buttons button[data-rule=` + sel + `]').click(); return ''`)
		// Done: the page's close event, or the messages expected on a
		// connection that stays open.
		ff.Poll(ctx, r.ID+" to end", `const d = document.querySelector('.wtl-result')?.dataset;
			return !!d && d.rule === `+sel+` && (d.pageCode !== '' && (d.browserCode !== '' || d.pageClean !== 'true') && (d.pageClean === 'true' || d.server !== '' || d.rule === 'drop')
				|| `+browsertest.JS(want.page)+` === '' && d.messages === `+browsertest.JS(want.messages)+`)`, 20*time.Second)
		if n, open := openControls[r.ID]; open {
			ff.Poll(ctx, r.ID+" frames", `return document.querySelector('.wtl-result').dataset.order.split(' ').length >= `+n, 10*time.Second)
			time.Sleep(300 * time.Millisecond) // for anything that should not happen
		}
		var res struct {
			Rule, Sent, Server, BrowserCode, BrowserReason, PageCode, PageClean, Messages, Order string
		}
		if err := json.Unmarshal([]byte(eval(`return JSON.stringify(document.querySelector('.wtl-result').dataset)`)), &res); err != nil {
			t.Fatal(err)
		}
		if res.Sent != wantSent(r) {
			t.Errorf("%s: server sent %s, want %s", r.ID, res.Sent, wantSent(r))
		}
		if res.BrowserCode != want.browser || res.PageCode != want.page || res.PageClean != want.clean || res.Messages != want.messages {
			t.Errorf("%s: browser close %q, page close %q clean %q, messages %q; want %q, %q %q, %q",
				r.ID, res.BrowserCode, res.PageCode, res.PageClean, res.Messages, want.browser, want.page, want.clean, want.messages)
		}
		if want.page == "1006" && want.browser == "" && r.ID != "drop" && !strings.Contains(res.Server, "without a close frame") {
			t.Errorf("%s: the server's notice %q does not say the browser sent no close frame", r.ID, res.Server)
		}
		if r.ID == "emptyclose" {
			checkServerClosesFirst(t, ff.Poll(ctx, "the end of TCP", `return document.querySelector('.wtl-result').dataset.tcp`, 10*time.Second))
		}
		if want := map[string]string{"pingmid": "out:text out:ping in:pong out:continuation message", "pong": "out:pong",
			"twopings": "out:ping out:ping in:pong in:pong"}[r.ID]; want != "" && res.Order != want {
			t.Errorf("%s: order %q, want %q", r.ID, res.Order, want)
		}
		c := chromiumLab[r.ID]
		if c.browser != want.browser || c.page != want.page || c.clean != want.clean {
			if eval(`return String(!!document.querySelector('.wtl-notes li[data-rules~=`+sel+`]'))`) != "true" {
				t.Errorf("%s: Firefox differs from Chromium, and the page has no note about it", r.ID)
			}
		}
		if want.page != "" {
			ff.Poll(ctx, "the reconnect button", `return !document.querySelector('.wtl-reconnect').hidden`, 10*time.Second)
			eval(`document.querySelector('.wtl-reconnect').click(); return ''`)
		}
	}
	// The subprotocol field with a name the server does not know:
	// RFC 6455 lets the socket open with none chosen, and Firefox does;
	// the WHATWG standard, and Chromium, fail it. The page says so.
	ff.Poll(ctx, "the field", `return !!document.querySelector('.wtl-buttons[data-open] input[data-input="subprotocols"]')`, 20*time.Second)
	eval(`document.querySelector('input[data-input="subprotocols"]').value = 'foo'; document.querySelector('.wtl-result').dataset.rule = ''; document.querySelector('.wtl-buttons button[data-rule="subprotocols"]').click(); return ''`)
	ff.Poll(ctx, "subprotocols foo to end", `const d = document.querySelector('.wtl-result')?.dataset; return !!d && d.rule === 'subprotocols' && `+pageLabDone["subprotocols"], 20*time.Second)
	var none map[string]string
	if err := json.Unmarshal([]byte(eval(`return JSON.stringify(document.querySelector('.wtl-result').dataset)`)), &none); err != nil {
		t.Fatal(err)
	}
	if none["offered"] != "foo" || none["chosen"] != "" || none["opened"] != "true" || none["protocol"] != "" {
		t.Errorf("Firefox offering foo, none chosen: %v; want the socket open with ws.protocol \"\"", none)
	}
	if !strings.Contains(eval(`return document.querySelector('.wtl-notes li[data-rules~="subprotocols"]')?.textContent || ''`), "Firefox opens it") {
		t.Error("no note says that Firefox opens a socket whose offered subprotocols got none back")
	}
	contains(t, "verdict", eval(`return document.querySelector('.wtl-verdict').textContent`), "opened all the same", "Chromium, would fail")
	if v := eval(`return document.querySelector('.wtl-more summary').textContent`); !strings.Contains(v, "Firefox") {
		t.Errorf("the notes' summary %q does not name the engine", v)
	}
}
