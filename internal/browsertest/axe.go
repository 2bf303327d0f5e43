package browsertest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// AxeEnv names the file axe.min.js of axe-core (the npm package), which
// Axe injects into pages. Without it Axe looks where .ci/run installs it
// (.ci/tools/npm/node_modules/axe-core, from the module's root), then in
// the system's global npm folders.
const AxeEnv = "WIRETALK_AXE"

// axePaths are where npm puts a global axe-core.
var axePaths = []string{
	"/usr/local/lib/node_modules/axe-core/axe.min.js",
	"/usr/lib/node_modules/axe-core/axe.min.js",
	"/usr/share/nodejs/axe-core/axe.min.js",
}

// axeSource returns the text of axe.min.js, or an error that says where
// it was looked for.
func axeSource() ([]byte, error) {
	var tried []string
	paths := axePaths
	if root, err := moduleRoot(); err == nil {
		paths = append([]string{filepath.Join(root, ".ci", "tools", "npm", "node_modules", "axe-core", "axe.min.js")}, paths...)
	}
	if p := os.Getenv(AxeEnv); p != "" {
		paths = []string{p}
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		tried = append(tried, p)
	}
	return nil, fmt.Errorf("no axe-core found (looked for %s); install it with "+
		"`npm install --prefix .ci/tools/npm axe-core` from the repository's root, or set %s to its axe.min.js",
		strings.Join(tried, ", "), AxeEnv)
}

// NeedAxe skips the test when axe-core is not installed (fails it under
// CI=true), so that a test of accessibility can say so before it starts
// its browser.
func NeedAxe(t testing.TB) {
	t.Helper()
	if _, err := axeSource(); err != nil {
		skipOrFail(t, "browsertest: "+err.Error())
	}
}

// skipOrFail skips the test with msg, or fails it under CI=true, where a
// tool the tests need must be there.
func skipOrFail(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// axeViolation is one rule that axe-core found broken, on some elements.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"` // a CSS selector and what is wrong, per element
}

// axeRun runs axe-core's default rules (WCAG 2 A and AA, and its best
// practices) over the whole document and keeps the serious and critical
// violations.
const axeRun = `axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
	.filter(v => v.impact === 'serious' || v.impact === 'critical')
	.map(v => ({id: v.id, impact: v.impact, help: v.help,
		nodes: v.nodes.map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').replace(/\s+/g, ' '))})))`

// Axe runs axe-core (the npm package) over the page in the tab of ctx as it
// is now, and fails the test for every serious or critical violation it
// finds, naming the rule and the elements; what names the page in the
// messages. axe-core is injected anew after each page load. Without it the
// test is skipped (fails under CI=true): call NeedAxe first.
func Axe(t testing.TB, ctx context.Context, what string) {
	t.Helper()
	if !Eval[bool](t, ctx, `typeof axe === 'object'`) {
		src, err := axeSource()
		if err != nil {
			skipOrFail(t, "browsertest: "+err.Error())
		}
		Eval[any](t, ctx, string(src)+"\n;null")
	}
	for _, v := range Eval[[]axeViolation](t, ctx, axeRun) {
		t.Errorf("%s: axe-core: %s (%s): %s\n\t%s", what, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
	}
}
