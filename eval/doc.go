// Package eval measures Vigil's matching against labelled data: the
// name_bench pairs, the synthetic negatives and a variant set generated from
// the real lists. `vigil eval` and the package tests run it.
package eval
