package main

import (
	"slices"
	"testing"
)

func TestLibSetOnlyKeepsOrderAndLeavesTheFullSet(t *testing.T) {
	all := allLibs()
	got := all.only([]string{"raw", "wiretalk", "hub"})
	if want := []string{"wiretalk"}; !slices.Equal(got.echo, want) {
		t.Errorf("echo = %v, want %v", got.echo, want)
	}
	if want := []string{"wiretalk", "raw"}; !slices.Equal(got.bcast, want) {
		t.Errorf("bcast = %v, want %v (the order of the full set)", got.bcast, want)
	}
	if want := []string{"wiretalk", "raw", "hub"}; !slices.Equal(got.idle, want) {
		t.Errorf("idle = %v, want %v", got.idle, want)
	}
	if !slices.Equal(all.bcast, allLibs().bcast) || !slices.Equal(all.idle, allLibs().idle) {
		t.Errorf("only changed the set it was called on: %+v", all)
	}
}
