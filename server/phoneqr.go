package server

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"rsc.io/qr"
)

// servePresenterQR answers the presenter's "Open on your phone": an SVG
// QR code of the presenter URL, key included, for the phone to scan off
// the laptop's screen. It needs the presenter's session like the page
// itself, and is never cached: the key must reach no one else, so the page
// shows it only while the button is held down, and the terminal (often
// projected) prints the URL but not its code.
func (s *Server) servePresenterQR(w http.ResponseWriter, r *http.Request) {
	if ok, _, _ := s.auth.check(r); !ok {
		http.Error(w, "presenter key required", http.StatusForbidden)
		return
	}
	u, ok := s.phoneURL(r)
	if !ok {
		http.Error(w, "no network address a phone could reach: connect this computer to a network", http.StatusConflict)
		return
	}
	svg, err := qrSVG(u)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(svg)
}

// phoneURL is the presenter URL with the key, as a phone on the same
// network reaches this server: the address the laptop's browser used,
// unless that is the laptop itself (localhost), which a phone cannot
// reach; then the machine's first network address, on the same port.
func (s *Server) phoneURL(r *http.Request) (string, bool) {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		host, port = r.Host, ""
	}
	if isLoopbackHost(host) {
		addrs := s.lanAddrs()
		if len(addrs) == 0 {
			return "", false
		}
		host = addrs[0].String()
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	u := url.URL{Scheme: scheme, Host: host, Path: "/presenter", RawQuery: url.Values{"key": {s.cfg.Key}}.Encode()}
	return u.String(), true
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// qrSVG draws a QR code of text as an SVG image: dark modules on white,
// with the quiet zone of four modules the standard asks for. Each row's
// runs of dark modules are one rectangle of the path.
func qrSVG(text string) ([]byte, error) {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return nil, err
	}
	const quiet = 4
	n := code.Size + 2*quiet
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; {
			if !code.Black(x, y) {
				x++
				continue
			}
			run := 1
			for x+run < code.Size && code.Black(x+run, y) {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x+quiet, y+quiet, run, run)
			x += run
		}
	}
	b.WriteString(`"/></svg>`)
	return []byte(b.String()), nil
}
