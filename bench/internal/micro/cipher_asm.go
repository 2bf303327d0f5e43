//go:build !purego

package micro

// GobwasCipherName names gobwas's ws.Cipher as built: by default it uses
// its AVX2 or SSE2 assembly; build with -tags purego for its Go loop.
const GobwasCipherName = "gobwas-asm"
