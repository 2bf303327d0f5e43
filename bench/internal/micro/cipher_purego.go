//go:build purego

package micro

// GobwasCipherName names gobwas's ws.Cipher as built with -tags purego:
// its portable Go loop.
const GobwasCipherName = "gobwas-purego"
