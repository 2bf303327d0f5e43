package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// chromiumPaths are where Chromium is looked for, best first (the binary
// behind Debian's /usr/bin/chromium wrapper first, as internal/browsertest
// does); WIRETALK_CHROMIUM overrides them.
var chromiumPaths = []string{
	"/usr/lib/chromium/chromium",
	"/usr/bin/chromium",
	"chromium",
	"chromium-browser",
	"google-chrome",
	"google-chrome-stable",
	"headless-shell",
}

// ErrNoChromium says that -pdf found no browser to print with.
var ErrNoChromium = errors.New("-pdf prints with Chromium or Chrome, and none was found: install one (Debian: apt-get install chromium, or set WIRETALK_CHROMIUM to its path), " +
	"or open the export in a browser and use Print → Save as PDF, which gives the same layout")

// findChromium returns the first Chromium found, or "".
func findChromium() string {
	if p := os.Getenv("WIRETALK_CHROMIUM"); p != "" {
		if found, err := exec.LookPath(p); err == nil {
			return found
		}
		return ""
	}
	for _, p := range chromiumPaths {
		if found, err := exec.LookPath(p); err == nil {
			return found
		}
	}
	return ""
}

// printPDF prints the single-file page to a PDF with a headless Chromium:
// the export's print stylesheet gives one 16:9 landscape page per slide,
// its last step, with the notes under it when the page has them.
func printPDF(ctx context.Context, page []byte) ([]byte, error) {
	exe := findChromium()
	if exe == "" {
		return nil, ErrNoChromium
	}
	dir, err := os.MkdirTemp("", "wiretalk-pdf-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "handout.html")
	if err := os.WriteFile(file, page, 0o600); err != nil {
		return nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium's sandbox refuses to start as root
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	if err := chromedp.Do(bctx, chromedp.Navigate("file://"+filepath.ToSlash(file))); err != nil {
		return nil, fmt.Errorf("printing: %s: %w", exe, err)
	}
	// Images are in the page (data: URIs); fonts may still be loading.
	// Then print media, so that the viewer fits each slide to its page
	// (export.js) before the print.
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.fonts.ready.then(() => true)`, chromedp.EvalAwaitPromise)); err != nil {
		return nil, fmt.Errorf("printing: %w", err)
	}
	if _, err := chromedp.Call(bctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		return nil, fmt.Errorf("printing: %w", err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`, chromedp.EvalAwaitPromise)); err != nil {
		return nil, fmt.Errorf("printing: %w", err)
	}
	pdf, err := chromedp.Run(bctx, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground(), chromedp.PDFMargin(0)))
	if err != nil {
		return nil, fmt.Errorf("printing: %w", err)
	}
	if !strings.HasPrefix(string(pdf), "%PDF") {
		return nil, errors.New("printing: Chromium returned something that is not a PDF")
	}
	return pdf, nil
}

// writePDF writes b to file, which must not exist or be a PDF (an earlier
// handout), through a temporary file and a rename.
func writePDF(file string, b []byte) error {
	if f, err := os.Open(file); err == nil {
		head := make([]byte, 5)
		n, _ := f.Read(head)
		f.Close()
		if string(head[:n]) != "%PDF-" {
			return fmt.Errorf("%s exists and is not a PDF: choose another -pdf file", file)
		}
	}
	return replaceFile(file, ".handout-*.pdf", func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}
