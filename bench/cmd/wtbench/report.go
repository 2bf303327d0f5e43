package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// cmdReport writes the report again from saved results, keeping the
// hand-written analysis of the report it replaces.
func cmdReport(args []string) error {
	fs := flag.NewFlagSet("report", flag.ExitOnError)
	in := fs.String("in", "bin/results.json", "saved results")
	out := fs.String("out", "", "report to write (default: docs/BENCHMARKS.md of the repository)")
	fs.Parse(args)
	b, err := os.ReadFile(*in)
	if err != nil {
		return err
	}
	var res results
	if err := json.Unmarshal(b, &res); err != nil {
		return err
	}
	if *out == "" {
		dir, err := findBenchDir()
		if err != nil {
			return err
		}
		*out = filepath.Join(dir, "..", "docs", "BENCHMARKS.md")
	}
	return writeReport(*out, &res, allLibs())
}

// The hand-written part of the report lies between these markers; a new
// run keeps it.
const (
	analysisBegin = "<!-- analysis: written by hand, kept by wtbench -->"
	analysisEnd   = "<!-- end of analysis -->"
)

// Everything after this marker, to the end of the report, is written by
// hand (figures measured by other tools, such as the relay's) and kept by
// a new run, after the generated sections.
const appendixBegin = "<!-- appendix: written by hand, kept by wtbench -->"

// writeReport writes the report of res to path, with a column or a row
// for each server of libs.
func writeReport(path string, res *results, libs libSet) error {
	analysis := "\n_No analysis written yet._\n\n"
	var interact string // section 7, written by wtbench interact
	var appendix string // from appendixBegin to the end
	if old, err := os.ReadFile(path); err == nil {
		if i := bytes.Index(old, []byte(appendixBegin)); i >= 0 {
			appendix = string(old[i:])
		}
		if text, ok := between(string(old), analysisBegin, analysisEnd); ok {
			analysis = text
		}
		interact = keptSection(string(old))
	}
	var w strings.Builder
	r := &reporter{w: &w, res: res, libs: libs}
	r.header()
	r.targets()
	w.WriteString("\n## Analysis\n\n" + analysisBegin + analysis + analysisEnd + "\n")
	r.echo()
	r.broadcast()
	r.memory()
	r.masking()
	r.allocs()
	r.page()
	if interact != "" {
		w.WriteString(interact + "\n")
	}
	r.profile()
	r.method()
	r.failures()
	if appendix != "" {
		w.WriteString("\n" + strings.TrimRight(appendix, "\n") + "\n")
	}
	return os.WriteFile(path, []byte(w.String()), 0o644)
}

// reporter writes the report of res into w.
type reporter struct {
	w    *strings.Builder
	res  *results
	libs libSet // the columns and rows of the workloads' tables
}

// f writes to the report as fmt.Fprintf does.
func (r *reporter) f(format string, args ...any) { fmt.Fprintf(r.w, format, args...) }

// head writes a table's header: the first column's title, then cols,
// the latter aligned as align says ("---:" right, "---" left).
func (r *reporter) head(first string, cols []string, align string) {
	r.f("| %s |", first)
	for _, c := range cols {
		r.f(" %s |", c)
	}
	r.f("\n|---|%s\n", strings.Repeat(align+"|", len(cols)))
}

// titles returns the libraries' titles, each with suffix.
func titles(libs []string, suffix string) []string {
	out := make([]string, len(libs))
	for i, lib := range libs {
		out[i] = libTitle[lib] + suffix
	}
	return out
}

// bcastRuns returns how many broadcast runs were made (of the
// protocol-level wiretalk server).
func (r *reporter) bcastRuns() int {
	if n := len(r.res.Broadcast["wiretalk"]); n > 0 {
		return n
	}
	return r.res.Runs
}
