package export

import (
	"context"
	"errors"
	"html"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// listFiles lists every file under dir, relative, with slashes.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func TestFolderHoldsWhatTheDeckNeedsAndNothingElse(t *testing.T) {
	out := filepath.Join(t.TempDir(), "site")
	var warned []string
	res, err := Export(context.Background(), Options{Deck: "testdata/deck/deck.md", Out: out, Warn: func(l string) { warned = append(warned, l) }})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".wiretalk-export", "assets/audience.css", "assets/export.css", "assets/highlight.css", "assets/overview.css", "assets/print.css", "assets/slides.css",
		"assets/viewer.js", "img/back ground.png", "img/teal.png", "index.html"}
	if got := listFiles(t, out); !slices.Equal(got, want) {
		t.Errorf("files:\n got %q\nwant %q", got, want)
	}
	if len(res.Files) != len(want)-1 {
		t.Errorf("Result.Files = %q", res.Files)
	}
	for _, img := range []string{"img/teal.png", "img/back ground.png"} {
		a, _ := os.ReadFile(filepath.Join("testdata/deck", img))
		b, _ := os.ReadFile(filepath.Join(out, img))
		if string(a) != string(b) || len(a) == 0 {
			t.Errorf("%s was not copied as it is", img)
		}
	}
	// One line per remote reference, naming the file and the line.
	if len(warned) != 1 || warned[0] != "testdata/deck/deck.md:41: https://example.com/remote.png is remote: it will not show offline" {
		t.Errorf("warnings: %q", warned)
	}
	index, _ := os.ReadFile(filepath.Join(out, "index.html"))
	for _, s := range []string{`<script src="assets/viewer.js">`, `src="img/teal.png"`, `url(&#34;img/back ground.png&#34;)`, "https://example.com/remote.png", "Title notes: welcome"} {
		if !strings.Contains(string(index), s) {
			t.Errorf("index.html lacks %q", s)
		}
	}
	// No module syntax, no inline script: the page runs from file://.
	if regexp.MustCompile(`<script(?: [^>]*)?>[^<]`).Match(index) {
		t.Error("index.html has an inline script")
	}
	js, _ := os.ReadFile(filepath.Join(out, "assets/viewer.js"))
	if regexp.MustCompile(`(?m)^\s*(import|export)\b|import\.meta`).Match(js) {
		t.Error("viewer.js has module syntax")
	}
}

func TestDefaultOutputIsNamedAfterTheDeck(t *testing.T) {
	t.Chdir(t.TempDir())
	res, err := Export(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Out != "websockets-export" {
		t.Errorf("Out = %q", res.Out)
	}
	if _, err := os.Stat("websockets-export/index.html"); err != nil {
		t.Error(err)
	}
	res, err = Export(context.Background(), Options{Single: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Out != "websockets.html" {
		t.Errorf("single Out = %q", res.Out)
	}
}

// writeDeck writes files into a new folder and returns it.
func writeDeck(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestBrokenDeckExportsNothing(t *testing.T) {
	for name, body := range map[string]string{
		"missing image":      "# A\n\n![](nothere.png)\n",
		"outside the folder": "# A\n\n![](../secret.png)\n",
		"bad macro":          "# A\n\n![:nope]()\n",
	} {
		t.Run(name, func(t *testing.T) {
			parent := t.TempDir()
			os.WriteFile(filepath.Join(parent, "secret.png"), []byte("secret"), 0o644)
			dir := filepath.Join(parent, "talk")
			os.Mkdir(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "talk.md"), []byte(body), 0o644)
			out := filepath.Join(parent, "out")
			_, err := Export(context.Background(), Options{Deck: filepath.Join(dir, "talk.md"), Out: out})
			var pe *ProblemsError
			if !errors.As(err, &pe) || len(pe.Problems) == 0 {
				t.Fatalf("err = %v, want the deck's problems", err)
			}
			if p := pe.Problems[0]; p.File != filepath.Join(dir, "talk.md") || p.Line != 3 {
				t.Errorf("problem %v, want at %s:3", p, filepath.Join(dir, "talk.md"))
			}
			if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("something was written: %v", err)
			}
		})
	}
}

// An image reached through a symbolic link out of the deck's folder is
// not read: the folder is an os.Root.
func TestSymlinkOutOfTheFolderIsNotFollowed(t *testing.T) {
	parent := t.TempDir()
	os.WriteFile(filepath.Join(parent, "secret.png"), []byte("secret"), 0o644)
	dir := filepath.Join(parent, "talk")
	os.Mkdir(dir, 0o755)
	if err := os.Symlink("../secret.png", filepath.Join(dir, "innocent.png")); err != nil {
		t.Skip(err)
	}
	os.WriteFile(filepath.Join(dir, "talk.md"), []byte("# A\n\n![](innocent.png)\n"), 0o644)
	out := filepath.Join(parent, "out")
	_, err := Export(context.Background(), Options{Deck: filepath.Join(dir, "talk.md"), Out: out})
	if err == nil {
		t.Fatal("exported an image that lies outside the deck's folder")
	}
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("something was written: %v", err)
	}
}

func TestOutputFolderRules(t *testing.T) {
	ctx := context.Background()
	deck := writeDeck(t, map[string]string{"talk.md": "# A\n\n![](old.png)\n\n---\n\n# B\n", "old.png": "png1", "new.png": "png2"})
	out := filepath.Join(t.TempDir(), "out")

	// A folder with someone else's files is refused, untouched.
	os.MkdirAll(out, 0o755)
	os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o644)
	if _, err := Export(ctx, Options{Deck: filepath.Join(deck, "talk.md"), Out: out}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("err = %v, want a refusal", err)
	}
	if got := listFiles(t, out); !slices.Equal(got, []string{"notes.txt"}) {
		t.Fatalf("the refused folder now holds %q", got)
	}

	// An empty folder is fine; an earlier export is replaced, and a file
	// the user added next to it stays.
	os.Remove(filepath.Join(out, "notes.txt"))
	if _, err := Export(ctx, Options{Deck: filepath.Join(deck, "talk.md"), Out: out}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o644)
	os.WriteFile(filepath.Join(deck, "talk.md"), []byte("# A\n\n![](new.png)\n"), 0o644)
	if _, err := Export(ctx, Options{Deck: filepath.Join(deck, "talk.md"), Out: out}); err != nil {
		t.Fatal(err)
	}
	got := listFiles(t, out)
	if !slices.Contains(got, "notes.txt") || !slices.Contains(got, "new.png") || slices.Contains(got, "old.png") {
		t.Errorf("after the second export: %q", got)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "notes.txt")); string(b) != "mine" {
		t.Error("the user's file changed")
	}

	// A file of the new export that the earlier one did not write is not
	// overwritten: nothing is written at all.
	os.WriteFile(filepath.Join(out, "old.png"), []byte("the user's own"), 0o644)
	os.WriteFile(filepath.Join(deck, "talk.md"), []byte("# A\n\n![](old.png)\n"), 0o644)
	before, _ := os.ReadFile(filepath.Join(out, "index.html"))
	if _, err := Export(ctx, Options{Deck: filepath.Join(deck, "talk.md"), Out: out}); err == nil || !strings.Contains(err.Error(), "old.png") {
		t.Fatalf("err = %v, want a refusal naming old.png", err)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "old.png")); string(b) != "the user's own" {
		t.Error("the user's old.png was overwritten")
	}
	if after, _ := os.ReadFile(filepath.Join(out, "index.html")); string(after) != string(before) {
		t.Error("index.html was rewritten by a refused export")
	}

	// A file where a folder should be is refused.
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := Export(ctx, Options{Deck: filepath.Join(deck, "talk.md"), Out: file}); err == nil {
		t.Error("exported into a file")
	}
}

func TestSingleFileRules(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	out := filepath.Join(dir, "talk.html")
	if _, err := Export(ctx, Options{Deck: "testdata/deck/deck.md", Out: out, Single: true}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	page := html.UnescapeString(string(b))
	for _, s := range []string{`src="data:image/png;base64,`, `url("data:image/png;base64,`, "https://example.com/remote.png", "Content-Security-Policy", "'sha256-"} {
		if !strings.Contains(page, s) {
			t.Errorf("the single file lacks %q", s)
		}
	}
	for _, s := range []string{`src="img/`, `<link rel="stylesheet"`, `<script src=`} {
		if strings.Contains(page, s) {
			t.Errorf("the single file still refers to another file: %q", s)
		}
	}
	// An earlier export is overwritten; another file is not.
	if _, err := Export(ctx, Options{Deck: "testdata/deck/deck.md", Out: out, Single: true}); err != nil {
		t.Errorf("overwriting an earlier export: %v", err)
	}
	other := filepath.Join(dir, "other.html")
	os.WriteFile(other, []byte("<p>my page</p>"), 0o644)
	if _, err := Export(ctx, Options{Deck: "testdata/deck/deck.md", Out: other, Single: true}); err == nil {
		t.Error("overwrote a file that is not an export")
	}
	if b, _ := os.ReadFile(other); string(b) != "<p>my page</p>" {
		t.Error("the other file changed")
	}
	if got := listFiles(t, dir); !slices.Equal(got, []string{"other.html", "talk.html"}) {
		t.Errorf("the folder holds %q", got)
	}
}

// plain is the text of some HTML, tags dropped, spaces collapsed.
func plain(h string) string {
	return strings.Join(strings.Fields(html.UnescapeString(anyTag.ReplaceAllString(h, ""))), " ")
}

// noteTexts returns, for every note of the deck, a piece of its text that
// no slide (nor the viewer script) has.
func noteTexts(t *testing.T, deck string) []string {
	t.Helper()
	dk, err := load(deck)
	if err != nil {
		t.Fatal(err)
	}
	var slideText strings.Builder
	js, _ := viewerScript() // the viewer's own words are not notes
	slideText.WriteString(plain(js))
	for _, s := range dk.d.Slides {
		slideText.WriteString(plain(s.HTML) + "\n")
	}
	var out []string
	for _, s := range dk.d.Slides {
		text := plain(s.NotesHTML)
		for i := 0; i+12 <= len(text); i += 4 {
			if piece := text[i : i+12]; !strings.Contains(slideText.String(), piece) {
				out = append(out, piece)
				break
			}
		}
	}
	if len(out) < 5 {
		t.Fatalf("only %d notes found in %s", len(out), deck)
	}
	return out
}

func TestNoNotesLeavesNoNoteText(t *testing.T) {
	for _, deck := range []string{"", "testdata/deck/deck.md"} {
		notes := noteTexts(t, deck)
		for _, single := range []bool{false, true} {
			dir := t.TempDir()
			out := filepath.Join(dir, "site")
			if single {
				out = filepath.Join(dir, "talk.html")
			}
			if _, err := Export(context.Background(), Options{Deck: deck, Out: out, Single: single, NoNotes: true}); err != nil {
				t.Fatal(err)
			}
			for _, f := range listFiles(t, dir) {
				b, _ := os.ReadFile(filepath.Join(dir, f))
				text := plain(string(b))
				for _, n := range notes {
					if strings.Contains(text, n) {
						t.Errorf("deck %q single=%v: %s holds the note text %q", deck, single, f, n)
					}
				}
				if strings.Contains(string(b), `class="wt-notes"`) || strings.Contains(string(b), `id="notes-toggle"`) {
					t.Errorf("deck %q single=%v: %s has a notes box", deck, single, f)
				}
			}
		}
		// And without -no-notes they are there: the check above can fail.
		out := filepath.Join(t.TempDir(), "talk.html")
		if _, err := Export(context.Background(), Options{Deck: deck, Out: out, Single: true}); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(out)
		for _, n := range notes {
			if !strings.Contains(plain(string(b)), n) {
				t.Errorf("deck %q: the note text %q is missing from a normal export", deck, n)
			}
		}
	}
}

func TestMapRefs(t *testing.T) {
	in := `<img src="a.png" alt="x"><img alt=y src='b c.png'><IMG SRC=c.png>` +
		`<div style="background: url(&#34;d.png&#34;)"></div> background-image: url( 'e.png' ); url(https://x/y.png) data-src="no.png"`
	var seen []string
	out := mapRefs(in, func(ref string) (string, bool) {
		seen = append(seen, ref)
		if strings.HasPrefix(ref, "http") {
			return "", false
		}
		return "[" + ref + "]", true
	})
	want := []string{"a.png", "b c.png", "c.png", "d.png", "e.png", "https://x/y.png"}
	if !slices.Equal(seen, want) {
		t.Errorf("refs %q, want %q", seen, want)
	}
	wantOut := `<img src="[a.png]" alt="x"><img alt=y src='[b c.png]'><IMG SRC=[c.png]>` +
		`<div style="background: url(&#34;[d.png]&#34;)"></div> background-image: url( '[e.png]' ); url(https://x/y.png) data-src="no.png"`
	if out != wantOut {
		t.Errorf("rewritten:\n got %s\nwant %s", out, wantOut)
	}
}

func TestBundle(t *testing.T) {
	fsys := fstest.MapFS{
		"a.js":    {Data: []byte("const [x, { y }] = await Promise.all(['c', 'b'].map(m => import(`./${m}.js${v}`)));\nimport { b, c as see } from './b.js';\nimport * as all from './c.js';\nexport const v = new URL(import.meta.url).search;\nexport function f() { return b() + see + all.k + import('./x.js'); }\n")},
		"b.js":    {Data: []byte("import { k } from './c.js?v=1';\nexport async function b() { return k; }\nconst c = 2;\nexport { c };\n")},
		"c.js":    {Data: []byte("export let k = 1;\n")},
		"def.js":  {Data: []byte("export default 1;\n")},
		"tla.js":  {Data: []byte("const m = await import('./c.js');\n")},
		"meta.js": {Data: []byte("export const r = import.meta.resolve('x');\n")},
		"cyc.js":  {Data: []byte("import { x } from './cyc2.js';\n")},
		"cyc2.js": {Data: []byte("import { y } from './cyc.js';\n")},
		"from.js": {Data: []byte("import x from './c.js';\n")},
	}
	js, err := bundle(fsys, "a.js", map[string][]shim{"b.js": {{Global: "WebSocket", Module: "c.js", Export: "k"}}},
		map[string]map[string]string{"b.js": {"b": "() => 0"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"const { k } = __wt_c;", "const { b, c: see } = __wt_b;", "const all = __wt_c;",
		"return { b: () => 0, c };", "return { v, f };", "const WebSocket = __wt_c.k;", "const [x, { y }] = [__wt_c, __wt_b];", "new URL(__wtURL)", "__wtImport('./x.js')", "async function b()",
	} {
		if !strings.Contains(js, s) {
			t.Errorf("the bundle lacks %q:\n%s", s, js)
		}
	}
	if i, j, k := strings.Index(js, "// c.js"), strings.Index(js, "// b.js"), strings.Index(js, "// a.js"); !(i < j && j < k) {
		t.Errorf("modules out of dependency order:\n%s", js)
	}
	for name, want := range map[string]string{
		"def.js": "unsupported export", "tla.js": "top-level await", "meta.js": "import.meta.url",
		"cyc.js": "import cycle", "from.js": "unsupported import", "none.js": "file does not exist",
	} {
		if _, err := bundle(fsys, name, nil, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", name, err, want)
		}
	}
}

// The viewer bundles from the real assets: if a module there takes up a
// form the bundler does not know, this fails rather than the export.
func TestViewerBundles(t *testing.T) {
	js, err := viewerScript()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"// nav.js", "// deck.js", "// overview.js", "// replay.js", "// inspector-view.js", "// socket.js", "// inspector.js", "// export.js"} {
		if !strings.Contains(js, m) {
			t.Errorf("the viewer lacks %s", m)
		}
	}
}

var (
	// For the tests' look at HTML: compiled once.
	firstHeading = regexp.MustCompile(`(?is)<h[12][^>]*>(.*?)</h[12]>`)
	anyTag       = regexp.MustCompile(`<[^>]*>`)
)
