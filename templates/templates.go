package templates

import (
	"embed"
	"html/template"
)

//go:embed *.html
var files embed.FS

// Data is what every page template is executed with.
type Data struct {
	Title  string // the deck's title, for <title> before the deck arrives
	Assets string // cache-busting version, used as /assets/x.js?v={{.Assets}}
	Study  bool   // self-study mode: the audience steps freely and reads the notes
}

// Parse parses every embedded page; each is a template named after its file
// ("audience.html", "presenter.html", "demo.html").
func Parse() (*template.Template, error) {
	return template.ParseFS(files, "*.html")
}
