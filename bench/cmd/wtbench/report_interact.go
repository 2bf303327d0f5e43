package main

func writeInteractSection(path string, res *interactResults) error { return nil }
