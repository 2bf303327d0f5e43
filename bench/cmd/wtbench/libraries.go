package main

import "slices"

// peers are the libraries that wiretalk is compared with.
var peers = []string{"gorilla", "coder", "gobwas", "gws"}

// libTitle is how the report names each server.
var libTitle = map[string]string{
	"wiretalk": "wiretalk",
	"gorilla":  "gorilla",
	"coder":    "coder",
	"gobwas":   "gobwas",
	"gws":      "gws",
	"raw":      "raw floor",
	"hub":      "wiretalk hub",
}

// libSet is the servers each cross-process workload measures, in the
// order of the report's columns and rows: the libraries, the raw floor
// and wiretalk's hub (server/).
type libSet struct {
	echo  []string
	bcast []string // the hub's broadcast is a workload of its own, "hub"
	idle  []string
}

// allLibs is every server of every workload.
func allLibs() libSet {
	return libSet{
		echo:  []string{"wiretalk", "gorilla", "coder", "gobwas", "gws"},
		bcast: []string{"wiretalk", "gorilla", "coder", "gobwas", "gws", "raw"},
		idle:  []string{"wiretalk", "gorilla", "coder", "gobwas", "gws", "raw", "hub"},
	}
}

// only returns the set with only the servers named in keep.
func (s libSet) only(keep []string) libSet {
	out := func(l string) bool { return !slices.Contains(keep, l) }
	return libSet{
		echo:  slices.DeleteFunc(slices.Clone(s.echo), out),
		bcast: slices.DeleteFunc(slices.Clone(s.bcast), out),
		idle:  slices.DeleteFunc(slices.Clone(s.idle), out),
	}
}
