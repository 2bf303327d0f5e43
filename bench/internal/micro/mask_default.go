//go:build !goexperiment.simd

package micro

// WiretalkMaskName names protocol.Mask as built by default: its scalar
// loop. Build with GOEXPERIMENT=simd for its vectors.
const WiretalkMaskName = "wiretalk"
