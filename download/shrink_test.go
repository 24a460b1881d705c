package download

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestCheckShrink(t *testing.T) {
	for _, c := range []struct {
		prev, next int
		max        float64
		ok         bool
	}{
		{0, 0, 0.2, true},       // first version
		{0, 10, 0.2, true},      // first version
		{1000, 1200, 0.2, true}, // growth
		{1000, 1000, 0.2, true},
		{1000, 800, 0.2, true}, // exactly 20% is allowed
		{1000, 799, 0.2, false},
		{1000, 0, 0.2, false},
		{1000, 999, 0, false},
		{1000, 1, 1, true},
	} {
		err := CheckShrink(c.prev, c.next, c.max)
		if (err == nil) != c.ok {
			t.Errorf("CheckShrink(%d, %d, %v) = %v, want ok=%v", c.prev, c.next, c.max, err, c.ok)
		}
		if err != nil && !errors.Is(err, ErrShrink) {
			t.Errorf("error does not wrap ErrShrink: %v", err)
		}
	}
	err := CheckShrink(15000, 7500, DefaultMaxDrop)
	if err == nil || !strings.Contains(err.Error(), "7500") || !strings.Contains(err.Error(), "15000") || !strings.Contains(err.Error(), "50.0%") {
		t.Errorf("message = %v", err)
	}
	for _, bad := range []float64{-0.1, 1.5, math.NaN()} {
		if err := CheckShrink(10, 10, bad); err == nil || errors.Is(err, ErrShrink) {
			t.Errorf("maxDrop %v: %v", bad, err)
		}
	}
}
