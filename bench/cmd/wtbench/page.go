package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"wiretalk/server"
)

// pageResult is the audience page's weight as Chromium received it.
type pageResult struct {
	Browser   string         `json:"browser"`
	Total     int64          `json:"total"` // encodedDataLength summed: headers and compressed bodies
	Resources []pageResource `json:"resources"`
}

type pageResource struct {
	URL      string `json:"url"`
	MIME     string `json:"mime"`
	Encoding string `json:"encoding"` // Content-Encoding
	Bytes    int64  `json:"bytes"`    // on the wire
}

// cmdPage serves the embedded talk with wiretalk's server in-process,
// opens its audience page (/) in a fresh headless Chromium with the cache
// disabled, waits for the first slide and adds up the bytes every HTTP
// response took on the wire (Network.loadingFinished's encodedDataLength:
// headers plus the body as sent, compressed when it was).
func cmdPage(args []string) error {
	fs := flag.NewFlagSet("page", flag.ExitOnError)
	chromium := fs.String("chromium", "/usr/lib/chromium/chromium", "Chromium binary")
	fs.Parse(args)
	res, err := measurePage(*chromium)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

func measurePage(chromium string) (*pageResult, error) {
	srv, err := server.New(server.Config{Key: hubKey, NoState: true})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	defer hs.Close()

	dir, err := os.MkdirTemp("", "wtbench-chromium-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(dir),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer acancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
	defer tcancel()

	var mu sync.Mutex
	resources := map[network.RequestID]*pageResource{}
	get := func(id network.RequestID) *pageResource {
		r := resources[id]
		if r == nil {
			r = &pageResource{}
			resources[id] = r
		}
		return r
	}
	finished := map[network.RequestID]bool{}
	err = chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventResponseReceived:
			r := get(e.RequestID)
			r.URL = e.Response.URL
			r.MIME = e.Response.MimeType
			for k, v := range e.Response.Headers {
				if http.CanonicalHeaderKey(k) == "Content-Encoding" {
					r.Encoding = fmt.Sprint(v)
				}
			}
		case *network.EventLoadingFinished:
			get(e.RequestID).Bytes = int64(e.EncodedDataLength)
			finished[e.RequestID] = true
		}
	})
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", chromium, err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		return nil, err
	}
	if _, err := chromedp.Call(ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
		return nil, err
	}
	version, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.userAgent`))
	if err != nil {
		return nil, err
	}
	// The first slide is on screen when the placeholder is gone and the
	// pager shows a count; then wait a little for anything loaded late.
	err = chromedp.Do(ctx,
		chromedp.Navigate("http://"+ln.Addr().String()+"/"),
		chromedp.Poll[chromedp.Void](`!document.querySelector('.wt-loading') && document.getElementById('count').textContent !== '…'`,
			chromedp.WithPollingTimeout(30*time.Second)),
		chromedp.Sleep(time.Second),
	)
	if err != nil {
		return nil, fmt.Errorf("loading the audience page: %w", err)
	}
	mu.Lock()
	defer mu.Unlock()
	res := &pageResult{Browser: version}
	for id, r := range resources {
		if !finished[id] {
			continue // the WebSocket: its frames are not page weight
		}
		res.Total += r.Bytes
		res.Resources = append(res.Resources, *r)
	}
	sort.Slice(res.Resources, func(i, j int) bool { return res.Resources[i].Bytes > res.Resources[j].Bytes })
	return res, nil
}
