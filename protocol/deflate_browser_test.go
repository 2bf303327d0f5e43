package protocol

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"wiretalk/internal/browsertest"
)

// TestBrowserDeflate: headless Chromium offers permessage-deflate, our
// server accepts it with the context kept both ways, and text crosses
// compressed in both directions: Chromium's frames arrive with RSV1 set
// and inflate to what the page sent; ours, one of them in fragments,
// inflate in Chromium to what we sent.
func TestBrowserDeflate(t *testing.T) {
	ctx, cancel := browsertest.New(t)
	defer cancel()

	var mu sync.Mutex
	var inbound []Frame
	var offer string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/page" { // an empty page of the server's origin
			w.Write([]byte("<!doctype html><title>deflate</title>"))
			return
		}
		c, err := Accept(w, r, &AcceptOptions{
			CheckOrigin: func(*http.Request) bool { return true },
			Deflate:     &DeflateOptions{},
			Observer: ObserverFuncs{Frame: func(f Frame) {
				if f.Dir == Inbound {
					mu.Lock()
					inbound = append(inbound, Frame{Header: f.Header})
					mu.Unlock()
				}
			}},
		})
		if err != nil {
			return // a favicon request, say
		}
		defer c.CloseNow()
		mu.Lock()
		offer = r.Header.Get("Sec-WebSocket-Extensions")
		mu.Unlock()
		rctx := r.Context()
		for i := 0; ; i++ {
			_, p, err := c.Read(rctx)
			if err != nil {
				return
			}
			reply := append([]byte("echo: "), p...)
			if i%2 == 1 {
				err = c.WriteFragments(rctx, OpText, reply, 16)
			} else {
				err = c.Write(rctx, OpText, reply)
			}
			if err != nil {
				return
			}
		}
	}))
	defer srv.Close()

	msgs := []string{"Hello", "Hello", strings.Repeat(`{"slide":12,"notes":"RSV1 means compressed"}`, 40)}
	js := fmt.Sprintf(`new Promise((resolve, reject) => {
		const msgs = %s, got = [];
		const ws = new WebSocket(%q);
		ws.onopen = () => ws.send(msgs[0]);
		ws.onmessage = e => {
			got.push(e.data);
			if (got.length < msgs.length) ws.send(msgs[got.length]);
			else { resolve({ext: ws.extensions, got}); ws.close(); }
		};
		ws.onerror = () => reject(new Error("socket error"));
		setTimeout(() => reject(new Error("timeout: " + JSON.stringify(got))), 10000);
	})`, jsStrings(msgs), wsURL(srv, "/"))
	type result struct {
		Ext string   `json:"ext"`
		Got []string `json:"got"`
	}
	tctx, tcancel := context.WithTimeout(ctx, 20*time.Second)
	defer tcancel()
	if _, err := chromedp.Run(tctx, chromedp.Navigate(srv.URL+"/page")); err != nil {
		t.Fatal(err)
	}
	res, err := chromedp.Run(tctx, chromedp.Evaluate[result](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("Chromium offered %q; the page saw extensions %q", offer, res.Ext)
	if !strings.Contains(offer, "permessage-deflate") || res.Ext != "permessage-deflate" {
		t.Errorf("offer %q, negotiated %q", offer, res.Ext)
	}
	for i, m := range msgs {
		if i >= len(res.Got) || res.Got[i] != "echo: "+m {
			t.Errorf("reply %d: %v", i, res.Got)
		}
	}
	var texts, compressed int
	for _, f := range inbound {
		if f.Header.Opcode == OpText {
			texts++
			if f.Header.Rsv1 {
				compressed++
			}
		}
	}
	if texts != len(msgs) || compressed != texts {
		t.Errorf("Chromium sent %d text frames, %d with RSV1; want %d, all compressed", texts, compressed, len(msgs))
	}
}

func jsStrings(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ",") + "]"
}
