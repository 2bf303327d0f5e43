package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// sizeFlag is a flag.Value for a size in bytes, written with a unit as
// GOMEMLIMIT is: "64MiB", "512KiB", "1GiB", or plain bytes ("4096",
// "4096B"). Decimal units (kB, MB, GB, TB) are powers of 1000.
type sizeFlag int64

var sizeUnits = []struct {
	name string
	n    int64
}{
	{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"kB", 1e3}, {"B", 1},
}

// String writes the size with the largest binary unit that divides it.
func (s *sizeFlag) String() string {
	n := int64(*s)
	for _, u := range sizeUnits[:4] {
		if n != 0 && n%u.n == 0 {
			return strconv.FormatInt(n/u.n, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}

func (s *sizeFlag) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	*s = sizeFlag(n)
	return nil
}

// parseSize parses a size such as "64MiB"; units are matched without
// regard to case, except that "MB" and "MiB" differ.
func parseSize(v string) (int64, error) {
	s := strings.TrimSpace(v)
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		i = len(s)
	}
	digits, unit := s[:i], strings.TrimSpace(s[i:])
	if digits == "" {
		return 0, fmt.Errorf("size %q does not start with a number (write e.g. 64MiB)", v)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q is too large", v)
	}
	mult := int64(1)
	if unit != "" {
		mult = 0
		for _, u := range sizeUnits {
			if strings.EqualFold(unit, u.name) {
				mult = u.n
				break
			}
		}
		if mult == 0 {
			return 0, fmt.Errorf("size %q has an unknown unit %q (use B, KiB, MiB, GiB, TiB, or kB, MB, GB, TB)", v, unit)
		}
	}
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("size %q is too large", v)
	}
	return n * mult, nil
}
