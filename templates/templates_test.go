package templates_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"wiretalk/templates"
)

func render(t *testing.T, name string, data templates.Data) string {
	t.Helper()
	tmpl, err := templates.Parse()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := tmpl.ExecuteTemplate(&b, name, data); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b.String()
}

func TestParseNamesEachPageAfterItsFile(t *testing.T) {
	tmpl, err := templates.Parse()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"audience.html", "presenter.html"} {
		if tmpl.Lookup(name) == nil {
			t.Errorf("no template %q; have %s", name, tmpl.DefinedTemplates())
		}
	}
}

// The server sends script-src 'self': an inline script or event handler
// would not run, so there must be none, on any page.
func TestPagesWorkUnderTheCSP(t *testing.T) {
	tmpl, err := templates.Parse()
	if err != nil {
		t.Fatal(err)
	}
	script := regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script>`)
	handler := regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`)
	remote := regexp.MustCompile(`<(script|link)[^>]+(src|href)="(https?:)?//`)
	for _, tt := range tmpl.Templates() {
		name := tt.Name()
		if !strings.HasSuffix(name, ".html") {
			continue
		}
		page := render(t, name, templates.Data{Title: "T", Assets: "v1"})
		for _, m := range script.FindAllStringSubmatch(page, -1) {
			if !strings.Contains(m[1], `src="/`) || strings.TrimSpace(m[2]) != "" {
				t.Errorf("%s: inline script: %.80s", name, m[0])
			}
		}
		if m := handler.FindString(page); m != "" {
			t.Errorf("%s: inline event handler: %.80s", name, m)
		}
		if m := remote.FindString(page); m != "" {
			t.Errorf("%s: loads from another origin: %.80s", name, m)
		}
	}
}

func TestAudienceAndPresenterPages(t *testing.T) {
	for _, name := range []string{"audience.html", "presenter.html"} {
		page := render(t, name, templates.Data{Title: `Frames & <bits>`, Assets: "3f9a"})
		for _, want := range []string{
			`<html lang="en">`,
			`<meta name="viewport" content="width=device-width, initial-scale=1`,
			`<title>Frames &amp; &lt;bits&gt;`,
			`<script type="module" src="/assets/` + strings.TrimSuffix(name, ".html") + `.js?v=3f9a"></script>`,
			`href="/assets/slides.css?v=3f9a"`,
			`href="/assets/highlight.css?v=3f9a"`,
			`id="status"`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("%s lacks %s", name, want)
			}
		}
	}
	audience := render(t, "audience.html", templates.Data{Title: "T", Assets: "1"})
	for _, want := range []string{`aria-live="polite"`, `<button id="follow"`, `<button id="prev"`, `<button id="next"`} {
		if !strings.Contains(audience, want) {
			t.Errorf("audience.html lacks %s", want)
		}
	}
	if strings.Contains(audience, "wt-study") {
		t.Error("audience.html is in study mode without Study")
	}
	if study := render(t, "audience.html", templates.Data{Title: "T", Assets: "1", Study: true}); !strings.Contains(study, "wt-study") {
		t.Error("audience.html ignores Study")
	}
	presenter := render(t, "presenter.html", templates.Data{Title: "T", Assets: "1"})
	for _, want := range []string{`href="/?projector" target="_blank"`, `id="problems"`, `id="goto"`, `aria-pressed="false"`} {
		if !strings.Contains(presenter, want) {
			t.Errorf("presenter.html lacks %s", want)
		}
	}
}
