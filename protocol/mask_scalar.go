//go:build !(goexperiment.simd && amd64 && !go1.27)

package protocol

// Without GOEXPERIMENT=simd on Go 1.26 for amd64, Mask is its scalar loop
// alone (mask_vector.go has the vectors); maskVectorBuilt being false
// lets the compiler drop the call.
const (
	maskVectorBuilt = false
	maskVectorMin   = 0
)

func maskVector(b []byte, _ uint32) []byte { return b }
