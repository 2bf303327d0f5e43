package slides

// Deck options. remark takes its options from the page that loads the
// deck (remark.create({highlightLines: true})); a wiretalk deck has no
// such page, so it writes the options that change what its slides show as
// property lines on its first slide:
//
//	highlightLines: true
//	countIncrementalSlides: false
//
// remark shows such lines as nothing (they are properties of the first
// slide to it), so the deck stays portable. An option not written has
// remark's default.

// Options are the deck options wiretalk honours.
type Options struct {
	// HighlightLines: a code line starting with "*" is highlighted and
	// loses the "*". remark's default, false, keeps the "*" as code (C's
	// "*p = 0;").
	HighlightLines bool `json:"highlightLines"`
	// CountIncrementalSlides: every "--" step has a number of its own,
	// as remark's default, true, has it; with false a step shares the
	// number of the step before it.
	CountIncrementalSlides bool `json:"countIncrementalSlides"`
}

// defaultOptions returns remark's defaults.
func defaultOptions() Options {
	return Options{HighlightLines: false, CountIncrementalSlides: true}
}

// optionKeys returns the property keys that set deck options.
func optionKeys() []string {
	return []string{"highlightLines", "countIncrementalSlides"}
}

// deckOptions reads the options from the property lines of the first
// slide as written (raws[0], even if it is a layout or excluded), and
// reports values that are not true or false, and option lines on later
// slides, where they would do nothing.
func deckOptions(raws []*rawSlide, p *problems) Options {
	o := defaultOptions()
	for i, r := range raws {
		for _, pr := range r.props {
			var field *bool
			switch pr.key {
			case "highlightLines":
				field = &o.HighlightLines
			case "countIncrementalSlides":
				field = &o.CountIncrementalSlides
			default:
				continue
			}
			if i > 0 {
				p.add(pr.line, "%s is a deck option: it works only on the first slide (here it is only a variable for {{ %s }})", pr.key, pr.key)
				continue
			}
			switch pr.value {
			case "true", "false":
				*field = pr.value == "true"
			default:
				p.add(pr.line, "%s: %s is not understood: write %s: true or %s: false (lower case)", pr.key, pr.value, pr.key, pr.key)
			}
		}
	}
	return o
}
