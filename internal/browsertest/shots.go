package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ShotsEnv names the one switch for screenshots: when it names a folder,
// Shot saves its pictures there, e.g. for the README's:
//
//	WIRETALK_SHOTS=docs/img go test ./server ./demo -run Screenshots
//
// A relative folder is taken from the module's root (the folder with
// go.mod), whichever package's tests run.
const ShotsEnv = "WIRETALK_SHOTS"

// Shot saves a PNG of the whole page of the tab of ctx as name.png in the
// folder $WIRETALK_SHOTS, if it is set; otherwise it does nothing. The
// picture is for a person to look at: what it is meant to show must be
// asserted by the test itself.
func Shot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv(ShotsEnv)
	if dir == "" {
		return
	}
	if !filepath.IsAbs(dir) {
		root, err := moduleRoot()
		if err != nil {
			t.Fatalf("browsertest: %s=%s: %v", ShotsEnv, dir, err)
		}
		dir = filepath.Join(root, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	time.Sleep(150 * time.Millisecond) // let transitions settle
	Screenshot(t, ctx, filepath.Join(dir, name+".png"))
}

// Screenshot saves a PNG of the whole page of the tab of ctx, beyond the
// viewport, to path, and logs where it went.
func Screenshot(t testing.TB, ctx context.Context, path string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("browsertest: screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	t.Logf("screenshot: %s", path)
}

// moduleRoot returns the nearest folder at or above the working directory
// (a test's package folder) that holds go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
