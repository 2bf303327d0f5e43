package slides

import (
	"bytes"
	"fmt"
	"html"
	"strconv"
	"strings"
	"sync"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// Code blocks, fenced or indented, are highlighted by chroma with CSS
// classes, so one stylesheet (HighlightCSS) serves every slide. A block
// renders as
//
//	<pre class="chroma"><code class="language-go"><span class="line"><span class="cl">...
//
// one span.line per source line, so ASCII diagrams keep their columns.
// When the deck sets highlightLines: true (options.go), a line that starts
// with "*" is highlighted as remark's highlightLines does: its span gets
// the class "hl" and the "*" goes (with a space after it, "* " becomes two
// spaces, so columns stay where they were). Otherwise the "*" is code.

// highlightClass is the class added to a highlighted line (chroma's own
// class for LineHighlight).
const highlightClass = "hl"

// lightStyle and darkStyle are the chroma styles of HighlightCSS.
const lightStyle, darkStyle = "github", "github-dark"

// formatter is chroma's HTML formatter with classes, shared: it is safe
// for concurrent use. The <pre> and <code> tags are written by
// renderCode, with the language.
var formatter = sync.OnceValue(func() *chromahtml.Formatter {
	return chromahtml.New(chromahtml.WithClasses(true), chromahtml.WithPreWrapper(noPre{}))
})

type noPre struct{}

func (noPre) Start(bool, string) string { return "" }
func (noPre) End(bool) string           { return "" }

// codeRenderer renders goldmark's code blocks with chroma.
type codeRenderer struct{}

func (codeRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindFencedCodeBlock, renderCode)
	reg.Register(ast.KindCodeBlock, renderCode)
}

func renderCode(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	lang := ""
	if f, ok := n.(*ast.FencedCodeBlock); ok {
		lang = string(f.Language(source))
	}
	var code strings.Builder
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		code.Write(seg.Value(source))
	}
	c := chunkOf(n)
	text, marked := code.String(), []int(nil)
	if c != nil && c.r.opts.HighlightLines {
		text, marked = starLines(text)
	}
	if c != nil && lang != "" {
		c.r.langs[strings.ToLower(lang)] = true
	}
	w.WriteString(`<pre class="chroma"><code`)
	if lang != "" {
		w.WriteString(` class="language-` + html.EscapeString(strings.ToLower(lang)) + `"`)
	}
	w.WriteString(">")
	w.WriteString(markLines(highlight(c, lang, text), marked))
	w.WriteString("</code></pre>\n")
	return ast.WalkSkipChildren, nil
}

// starLines applies remark's rule for highlighted lines, ^\*( )? becoming
// $1$1, and returns the 1-based numbers of the lines it applied to.
func starLines(code string) (string, []int) {
	if !strings.HasPrefix(code, "*") && !strings.Contains(code, "\n*") {
		return code, nil
	}
	var b strings.Builder
	var marked []int
	n := 0
	for line := range strings.Lines(code) {
		n++
		if rest, ok := strings.CutPrefix(line, "*"); ok {
			marked = append(marked, n)
			if strings.HasPrefix(rest, " ") {
				rest = " " + rest
			}
			line = rest
		}
		b.WriteString(line)
	}
	return b.String(), marked
}

// highlight returns text as chroma's lines of spans, in lang when chroma
// knows it, else as plain text.
func highlight(c *chunk, lang, text string) string {
	lexer := lookupLexer(c, lang)
	if c != nil {
		// Past the limits, plain text: chroma's lexers can backtrack for
		// long on some code (see limits.go).
		if c.r.highlight += len(text); len(text) > maxHighlight || c.r.highlight > maxDeckHighlight {
			lexer = lexers.Fallback
		}
	}
	var b bytes.Buffer
	if err := format(&b, lexer, text); err != nil {
		b.Reset()
		format(&b, lexers.Fallback, text) // plain text cannot fail
	}
	return b.String()
}

// format highlights text with lexer, turning a panic in a lexer (chroma's
// are written by many hands) into an error.
func format(b *bytes.Buffer, lexer chroma.Lexer, text string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("chroma: %v", p)
		}
	}()
	it, err := chroma.Coalesce(lexer).Tokenise(nil, text)
	if err != nil {
		return err
	}
	return formatter().Format(b, styles.Get(lightStyle), it)
}

// lookupLexer finds chroma's lexer for lang, by name, alias or file
// extension, remembering the answer for the rest of the deck.
func lookupLexer(c *chunk, lang string) chroma.Lexer {
	if lang == "" {
		return lexers.Fallback
	}
	if c != nil {
		if l, ok := c.r.lexers[lang]; ok {
			return l
		}
	}
	l := lexers.Get(lang)
	if l == nil {
		l = lexers.Fallback
	}
	if c != nil {
		c.r.lexers[lang] = l
	}
	return l
}

// markLines adds highlightClass to the given 1-based lines of chroma's
// output, where each line starts with <span class="line">.
func markLines(out string, lines []int) string {
	if len(lines) == 0 {
		return out
	}
	const start = `<span class="line">`
	var b strings.Builder
	n := 0
	for {
		i := strings.Index(out, start)
		if i < 0 {
			break
		}
		n++
		b.WriteString(out[:i])
		if len(lines) > 0 && lines[0] == n {
			b.WriteString(`<span class="line ` + highlightClass + `">`)
			lines = lines[1:]
		} else {
			b.WriteString(start)
		}
		out = out[i+len(start):]
	}
	b.WriteString(out)
	return b.String()
}

// HighlightCSS returns the one chroma stylesheet: the light style by
// default, the dark one under @media (prefers-color-scheme: dark) and
// under a ".dark" ancestor. It is generated once.
func HighlightCSS() []byte {
	return highlightCSS()
}

var highlightCSS = sync.OnceValue(func() []byte {
	f := chromahtml.New(chromahtml.WithClasses(true), chromahtml.WithCSSComments(false))
	var light, dark bytes.Buffer
	f.WriteCSS(&light, styles.Get(lightStyle))
	f.WriteCSS(&dark, styles.Get(darkStyle))

	var b bytes.Buffer
	b.WriteString("/* Code highlighting: chroma " + strconv.Quote(lightStyle) + ", and " + strconv.Quote(darkStyle) + " in dark mode. */\n")
	b.Write(light.Bytes())
	if !strings.Contains(light.String(), "."+highlightClass+" ") {
		// The light style sets no colour for highlighted lines.
		b.WriteString(".chroma ." + highlightClass + " { background-color: #fff8c5 }\n")
	}
	// chroma leaves out what a style does not set (a token coloured like
	// the text, say), so the dark rules start by undoing the light ones;
	// this rule is as specific as theirs, and the dark ones come after it.
	const reset = ".chroma [class] { color: inherit; background-color: transparent; font-weight: inherit; font-style: inherit; text-decoration: inherit }\n"
	b.WriteString("@media (prefers-color-scheme: dark) {\n")
	for line := range strings.Lines(reset + dark.String()) {
		b.WriteString("  " + line)
	}
	b.WriteString("}\n")
	for line := range strings.Lines(reset + dark.String()) {
		b.WriteString(".dark " + line)
	}
	return b.Bytes()
})
