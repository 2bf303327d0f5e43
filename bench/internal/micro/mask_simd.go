//go:build goexperiment.simd

package micro

// WiretalkMaskName names protocol.Mask as built with GOEXPERIMENT=simd,
// in which it masks large payloads with AVX2 vectors (simd/archsimd).
const WiretalkMaskName = "wiretalk-simd"
