package main

import "strings"

// page writes section 6, the audience page's weight.
func (r *reporter) page() {
	p := r.res.Page
	if p == nil {
		return
	}
	r.f("## 6. Audience page weight\n\n")
	r.f("wiretalk's server with the embedded talk, its audience page (`/`) opened in a fresh headless Chromium with the cache disabled until the first slide is on screen (plus one second). The sum of `encodedDataLength` of every `Network.loadingFinished`: response headers and bodies as they crossed the wire (compressed when they were). The WebSocket's frames are not counted. Total: **%s bytes (%.1f KB)**.\n\n", comma(float64(p.Total)), float64(p.Total)/1000)
	r.f("| resource | type | encoding | bytes on the wire |\n|---|---|---|---:|\n")
	for _, res := range p.Resources {
		u := res.URL
		if i := strings.Index(u, "//"); i >= 0 {
			if j := strings.Index(u[i+2:], "/"); j >= 0 {
				u = u[i+2+j:]
			}
		}
		enc := res.Encoding
		if enc == "" {
			enc = "none"
		}
		r.f("| `%s` | %s | %s | %s |\n", u, res.MIME, enc, comma(float64(res.Bytes)))
	}
	r.f("\n")
}
