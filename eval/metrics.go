package eval

import "math"

// Counts is a confusion matrix.
type Counts struct {
	TP, FP, TN, FN int
}

// Add records one decision.
func (c *Counts) Add(predicted, actual bool) {
	switch {
	case predicted && actual:
		c.TP++
	case predicted && !actual:
		c.FP++
	case !predicted && actual:
		c.FN++
	default:
		c.TN++
	}
}

// N is the number of decisions.
func (c Counts) N() int { return c.TP + c.FP + c.TN + c.FN }

// Precision is TP/(TP+FP), NaN when nothing was predicted.
func (c Counts) Precision() float64 { return ratio(c.TP, c.TP+c.FP) }

// Recall is TP/(TP+FN), NaN when nothing was positive.
func (c Counts) Recall() float64 { return ratio(c.TP, c.TP+c.FN) }

// Accuracy is the share of right decisions.
func (c Counts) Accuracy() float64 { return ratio(c.TP+c.TN, c.N()) }

// F1 is the harmonic mean of precision and recall.
func (c Counts) F1() float64 {
	p, r := c.Precision(), c.Recall()
	if math.IsNaN(p) || math.IsNaN(r) || p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}
