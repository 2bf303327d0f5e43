package export

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkExportFolder: the built-in talk as a folder, recording the
// inspector session included (target: under 1 s).
func BenchmarkExportFolder(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		if _, err := Export(context.Background(), Options{Out: filepath.Join(dir, "site")}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExportSingle: the built-in talk as one file; it reports the
// file's size raw and gzipped (target: at most 150 KB gzipped).
func BenchmarkExportSingle(b *testing.B) {
	out := filepath.Join(b.TempDir(), "talk.html")
	for b.Loop() {
		if _, err := Export(context.Background(), Options{Out: out, Single: true}); err != nil {
			b.Fatal(err)
		}
	}
	page, err := os.ReadFile(out)
	if err != nil {
		b.Fatal(err)
	}
	var z bytes.Buffer
	w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	w.Write(page)
	w.Close()
	b.ReportMetric(float64(len(page)), "raw-bytes")
	b.ReportMetric(float64(z.Len()), "gzip-bytes")
}

// BenchmarkExportPDF: the built-in talk's handout with notes, Chromium's
// start included (target: under 15 s).
func BenchmarkExportPDF(b *testing.B) {
	if findChromium() == "" {
		b.Skip("no Chromium")
	}
	out := filepath.Join(b.TempDir(), "talk.pdf")
	for b.Loop() {
		if _, err := Export(context.Background(), Options{PDF: out, PDFNotes: true}); err != nil {
			b.Fatal(err)
		}
	}
}
