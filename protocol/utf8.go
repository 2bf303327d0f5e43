package protocol

import "unicode/utf8"

// ValidUTF8 reports whether b is entirely valid UTF-8 (RFC 3629, as RFC
// 6455 §8.1 requires for text): no overlong forms, no surrogates, nothing
// above U+10FFFF.
func ValidUTF8(b []byte) bool { return utf8.Valid(b) }
