package slides

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// Polls. The property line "poll:" turns the slide's last top-level list
// (one outside any content class) into a poll, one option per item:
//
//	poll: 0x9
//	# Which opcode is a ping?
//	- 0x1
//	- 0x9
//	- 0xA
//
// The option's text is the item as a reader sees it (markup dropped,
// spaces collapsed: "`0x9`" is 0x9). The value of "poll:" is optional:
// empty, the poll has no right answer; otherwise it is the text of the
// correct option, written the same way, which makes the poll a quiz. A
// number is not an index: "poll: 2" means the option whose text is 2.
//
// The question is the slide's first heading, or else the text of its
// first paragraph, or else "" (the page then shows the options alone).
// remark, which knows nothing of polls, shows the same slide: the
// question and its options as a list.
//
// A slide with "--" steps has one poll, the one of its last step, shared
// by all its steps, so that options revealed step by step are one poll.
//
// A poll's identity (Poll.ID) is the slide's name if it has one, else a
// hash of its question and options: never its position, so that results
// stay with their poll when slides are added or moved, and a poll whose
// options change is a new poll.

// Poll is a slide's poll.
type Poll struct {
	ID       string   `json:"id"`       // "name:" + the slide's name, or "content:" + a hash of question and options
	Question string   `json:"question"` // plain text; may be ""
	Options  []string `json:"options"`  // plain text, in order, at least one
	Answer   int      `json:"answer"`   // index of the correct option in Options, -1 if none
	Line     int      `json:"line"`     // line of the poll property
}

// maxPollOptions bounds the options of one poll: a phone shows each as a
// button, and the server keeps a count for each.
const maxPollOptions = 26

// maxOptionText bounds an option's text, in bytes.
const maxOptionText = 200

// addPolls finds the poll of each slide that has the poll property and
// sets it on all the slide's steps; it reports what keeps a poll from
// working.
func (r *deckRenderer) addPolls(shown []*built, out []Slide, p *problems) {
	ids := map[string]int{} // poll ID -> line of the first poll with it
	for i := 0; i < len(shown); {
		j := i + 1
		for j < len(shown) && shown[j].stepOf == shown[i].stepOf {
			j++
		}
		last := shown[j-1]
		if pv, ok := last.props["poll"]; ok {
			poll := r.poll(last, pv, p)
			if poll != nil {
				if at, dup := ids[poll.ID]; dup {
					p.add(poll.Line, "this poll has the same question and options as the one at line %d, so they would share their votes: give one of the slides a name:", at)
				} else {
					ids[poll.ID] = poll.Line
				}
				for k := i; k < j; k++ {
					out[k].Poll = poll
				}
			}
		}
		i = j
	}
}

// pollSource is a slide body as one piece of Markdown, with what it takes
// to tell the deck's line of an offset in it.
type pollSource struct {
	md   strings.Builder
	segs []pollSeg
}

type pollSeg struct{ off, line int }

// write appends ns: text and macro HTML as they are, a span class as its
// contents, a div class as an HTML block of its own that no list takes in.
func (s *pollSource) write(ns []node, inSpan bool) {
	for _, n := range ns {
		switch n.kind {
		case textNode:
			s.segs = append(s.segs, pollSeg{off: s.md.Len(), line: n.line})
			s.md.WriteString(n.text)
		case htmlNode:
			s.md.WriteString(n.text)
		case classNode:
			if n.block && !inSpan {
				if atLineStart(s.md.String()) {
					s.md.WriteString("<div></div>\n\n")
				} else {
					s.md.WriteString("<span></span>")
				}
				continue
			}
			s.write(n.kids, true)
		}
	}
}

// line returns the deck line of offset off.
func (s *pollSource) line(off int) int {
	line, from := 1, 0
	for _, sg := range s.segs {
		if sg.off > off {
			break
		}
		line, from = sg.line, sg.off
	}
	return line + strings.Count(s.md.String()[from:off], "\n")
}

// poll returns the poll of step b, whose poll property is pv, or nil if
// it has none to vote on.
func (r *deckRenderer) poll(b *built, pv propVal, p *problems) *Poll {
	var s pollSource
	s.write(b.body, false)
	src := []byte(s.md.String())
	pc := deckContext{Context: parser.NewContext(), refs: r.refs}
	doc := markdown().Parser().Parse(text.NewReader(src), parser.WithContext(pc))

	var list *ast.List
	var question, firstPara string
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		switch n := n.(type) {
		case *ast.List:
			list = n
		case *ast.Heading:
			if question == "" {
				question = collapsed(n, src)
			}
		case *ast.Paragraph:
			if firstPara == "" && list == nil {
				firstPara = collapsed(n, src)
			}
		}
	}
	if list == nil {
		p.add(pv.line, "poll: the slide has no list to vote on: the items of its last list (outside content classes) become the options")
		return nil
	}
	if question == "" {
		question = firstPara
	}
	poll := &Poll{Question: question, Options: []string{}, Answer: -1, Line: pv.line}
	seen := map[string]int{}
	for item := list.FirstChild(); item != nil; item = item.NextSibling() {
		opt := collapsed(item, src)
		line := s.line(startOf(item, list))
		switch at, dup := seen[opt]; {
		case opt == "":
			p.add(line, "poll option %d is empty: every option needs text a phone can show on its button", len(poll.Options)+1)
		case len(opt) > maxOptionText:
			p.add(line, "poll option %d is %d bytes; an option has at most %d", len(poll.Options)+1, len(opt), maxOptionText)
		case dup:
			p.add(line, "poll option %q repeats the option at line %d: a voter could not tell them apart", opt, at)
		default:
			seen[opt] = line
		}
		poll.Options = append(poll.Options, opt)
	}
	if len(poll.Options) > maxPollOptions {
		p.add(pv.line, "the poll has %d options; a poll has at most %d", len(poll.Options), maxPollOptions)
	}
	if answer := strings.Join(strings.Fields(pv.value), " "); answer != "" {
		poll.Answer = slices.Index(poll.Options, answer)
		if poll.Answer < 0 {
			p.add(pv.line, "poll: %s is not one of the options (%s): the value of poll: is the text of the correct option, or nothing", answer, strings.Join(quoted(poll.Options), ", "))
		}
	}
	if name, _ := b.raw.prop("name"); name != "" {
		poll.ID = "name:" + name
	} else {
		h := sha256.New()
		h.Write([]byte(poll.Question))
		for _, o := range poll.Options {
			h.Write([]byte{0})
			h.Write([]byte(o))
		}
		poll.ID = "content:" + hex.EncodeToString(h.Sum(nil)[:8])
	}
	return poll
}

// collapsed returns n's plain text with runs of white space as one space.
func collapsed(n ast.Node, src []byte) string {
	var b strings.Builder
	plainText(&b, n, src)
	return strings.Join(strings.Fields(b.String()), " ")
}

// startOf returns the offset where item starts (goldmark knows it for
// a block), or else where its first line does, or the list's.
func startOf(item, list ast.Node) int {
	if pos := item.Pos(); pos >= 0 {
		return pos
	}
	for _, n := range []ast.Node{item, list} {
		for c := n; c != nil; c = c.FirstChild() {
			if c.Type() == ast.TypeBlock && c.Lines().Len() > 0 {
				return c.Lines().At(0).Start
			}
		}
	}
	return 0
}

func quoted(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = `"` + s + `"`
	}
	return out
}
