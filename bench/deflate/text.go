package deflate

import (
	"fmt"
	"strings"
)

// jsonMessages returns count different JSON-like messages of about size
// bytes each: arrays of records whose keys repeat and whose values are
// drawn from a small vocabulary by a fixed pseudo-random sequence, so
// that they compress as real chat or state messages do (3 to 5 times),
// and so that consecutive messages differ, as a live feed's do.
func jsonMessages(size, count int) [][]byte {
	words := strings.Fields("frame mask opcode payload text binary ping pong close slide step " +
		"audience presenter phone deck notes inflate deflate window context takeover hello " +
		"wiretalk socket handshake upgrade extension reserved fragment continuation")
	x := uint32(2463534242)
	next := func(n int) int {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		return int(x % uint32(n))
	}
	msgs := make([][]byte, count)
	for i := range msgs {
		var b strings.Builder
		b.WriteByte('[')
		for id := 0; ; id++ {
			rec := fmt.Sprintf(`{"id":%d,"user":"%s-%d","ts":%d,"text":"%s %s %s","tags":["%s","%s"],"seen":%t}`,
				i*1000+id, words[next(len(words))], next(100), 1765000000000+next(1<<30),
				words[next(len(words))], words[next(len(words))], words[next(len(words))],
				words[next(len(words))], words[next(len(words))], next(2) == 0)
			if b.Len()+1+len(rec)+1 > size {
				break
			}
			if id > 0 {
				b.WriteByte(',')
			}
			b.WriteString(rec)
		}
		// Pad with spaces, which JSON allows, to exactly size bytes.
		b.WriteString(strings.Repeat(" ", size-1-b.Len()))
		b.WriteByte(']')
		msgs[i] = []byte(b.String())
	}
	return msgs
}
