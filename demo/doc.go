// Package demo is the live frame inspector: it turns the frames that
// protocol's observer sees on a specimen connection into teaching records
// (the JSON the inspector page renders), and serves the specimen echo
// endpoint that a viewer's own browser talks to.
//
// It may import protocol; it must not import server, slides or main.
package demo
