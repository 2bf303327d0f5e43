package demo

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// docs/concepts.md maps RFC 6455's 64 teachable concepts to where a
// learner sees them. Its figures must agree with its rows, at least 52
// must be seen live (issue 22), and each row said to be live in the lab
// must name controls the lab has.
func TestConceptsTable(t *testing.T) {
	b, err := os.ReadFile("../docs/concepts.md")
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]bool{}
	for _, r := range labRules() {
		rules[r.ID] = true
	}
	count := map[string]int{}
	n := 0
	row := regexp.MustCompile(`^\| (\d+) \| [^|]+ \| [^|]+ \| ([a-z, ]+) \| (.+) \|$`)
	for _, line := range strings.Split(string(b), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n++
		if m[1] != strconv.Itoa(n) {
			t.Errorf("row %s comes as number %d", m[1], n)
		}
		count[m[2]]++
		if m[2] == "live, lab" {
			ids := regexp.MustCompile("`([a-zA-Z0-9-]+)`").FindAllStringSubmatch(m[3], -1)
			if len(ids) == 0 {
				t.Errorf("row %s is live in the lab but names no control", m[1])
			}
			for _, id := range ids {
				if !rules[id[1]] {
					t.Errorf("row %s names lab control %q, which does not exist", m[1], id[1])
				}
			}
		}
	}
	if n != 64 {
		t.Errorf("%d concepts, want 64", n)
	}
	live := count["live, inspector"] + count["live, lab"]
	if live < 52 {
		t.Errorf("%d concepts seen live, want at least 52", live)
	}
	for name, want := range map[string]int{"live, inspector": count["live, inspector"], "live, lab": count["live, lab"],
		"**seen live**": live, "only in the talk": count["only in the talk"], "in passing": count["in passing"], "missing": count["missing"]} {
		re := regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(name) + ` \| \**(\d+)\**`)
		m := re.FindStringSubmatch(string(b))
		if m == nil || m[1] != strconv.Itoa(want) {
			t.Errorf("totals: %s is %v, the rows say %d", name, m, want)
		}
	}
}
