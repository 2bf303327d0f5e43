package slides

// The scanner turns a deck into rawSlides, each a tree of nodes, the way
// remark's parser turns its tokens into slides: text is kept as Markdown
// source, content classes as nodes holding more nodes, and macros as the
// HTML they expand to. Templates and variables then work on these trees
// (template.go), and only at the end is each tree rendered (render.go).

// nodeKind tells what a node holds.
type nodeKind uint8

const (
	textNode  nodeKind = iota // Markdown source
	classNode                 // a content class: .a.b[kids]
	htmlNode                  // HTML a macro expanded to
)

// A node is one piece of a slide's body or notes.
type node struct {
	kind    nodeKind
	text    string // textNode: Markdown; htmlNode: HTML
	line    int    // source line of the node's first character
	classes string // classNode: class names, space separated
	block   bool   // classNode: the brackets span lines, so a div, else a span
	source  string // classNode: the source, shown as is if it lands in code
	at      int    // classNode: offset in the deck, which tells classes apart
	macro   string // htmlNode: the macro's name
	kids    []node // classNode: the contents
}

// A prop is one property line: key: value.
type prop struct {
	key, value string
	line       int
}

// A rawSlide is a slide or step as written, before templates apply.
type rawSlide struct {
	line      int  // line where its body starts
	continued bool // started by "--"
	props     []prop
	body      []node
	notes     []node
	hasNotes  bool // a "???" was seen; notes may still be empty
	notesLine int
}

// prop returns the value of the last property line for key, as remark
// lets a later line win.
func (r *rawSlide) prop(key string) (string, bool) {
	for i := len(r.props) - 1; i >= 0; i-- {
		if r.props[i].key == key {
			return r.props[i].value, true
		}
	}
	return "", false
}

// builder collects the scanner's output into rawSlides. Like remark's
// parser it keeps a stack of the content classes being filled.
type builder struct {
	slides []*rawSlide
	cur    *rawSlide
	open   []*node // content classes being filled, innermost last
}

func newBuilder() *builder {
	b := &builder{cur: &rawSlide{line: 1}}
	b.slides = append(b.slides, b.cur)
	return b
}

// target is the list that new nodes go to.
func (b *builder) target() *[]node {
	if n := len(b.open); n > 0 {
		return &b.open[n-1].kids
	}
	if b.cur.hasNotes {
		return &b.cur.notes
	}
	return &b.cur.body
}

// text appends Markdown source that starts on line.
func (b *builder) text(s string, line int) {
	if s == "" {
		return
	}
	t := b.target()
	if n := len(*t); n > 0 && (*t)[n-1].kind == textNode {
		(*t)[n-1].text += s
		return
	}
	*t = append(*t, node{kind: textNode, text: s, line: line})
}

// html appends the expansion of a macro.
func (b *builder) html(s, macro string, line int) {
	t := b.target()
	*t = append(*t, node{kind: htmlNode, text: s, macro: macro, line: line})
}

// openClass starts a content class; what follows goes inside it until
// closeClass.
func (b *builder) openClass(classes string, block bool, source string, at, line int) {
	b.open = append(b.open, &node{kind: classNode, classes: classes, block: block, source: source, at: at, line: line})
}

func (b *builder) closeClass() {
	n := b.open[len(b.open)-1]
	b.open = b.open[:len(b.open)-1]
	t := b.target()
	*t = append(*t, *n)
}

// separator ends the current slide and starts the next, whose body starts
// on line; continued is true for "--".
func (b *builder) separator(continued bool, line int) {
	b.cur = &rawSlide{line: line, continued: continued}
	b.slides = append(b.slides, b.cur)
}

// notes starts (or, for a second "???", restarts) the speaker notes.
func (b *builder) notes(line int) {
	b.cur.hasNotes = true
	b.cur.notes = nil
	b.cur.notesLine = line
}
