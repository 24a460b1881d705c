package link

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
)

// rulesVersion names the linker's rules in a Basis: change it with them,
// so that the next import links again.
const rulesVersion = "link/1"

// Basis fingerprints what a linking is found from: the labels of the list
// versions linked, the judgements in force and the options. Versions are
// immutable, so the same basis links to the same clusters.
func Basis(versions []string, js []vigil.LinkJudgement, opt Options) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%v\n", rulesVersion, Options{opt.PersonName, opt.PersonNamePartial, opt.OtherName, opt.DocumentName, opt.MaxHolders, 0})
	vs := slices.Clone(versions)
	slices.Sort(vs)
	for _, v := range slices.Compact(vs) {
		fmt.Fprintf(h, "v %s\n", v)
	}
	for _, j := range js {
		fmt.Fprintf(h, "j %s %s %s %d\n", j.A, j.B, j.Verdict, j.At.UnixMilli())
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Run links the listings of entries (the current list versions, indexed in
// ix) under the judgements in st and saves the subjects found (Stale says
// whether anything changed since the last Run).
func Run(ctx context.Context, st vigil.LinkStore, entries []match.Entry, ix Screener, opt Options, now time.Time) (vigil.LinkingResult, error) {
	js, err := st.Judgements(ctx)
	if err != nil {
		return vigil.LinkingResult{}, err
	}
	var labels []string
	for _, e := range entries {
		if len(labels) == 0 || labels[len(labels)-1] != e.Version {
			labels = append(labels, e.Version)
		}
	}
	l := Link(Listings(entries), ix, js, opt)
	l.Versions, l.Basis = labels, Basis(labels, js, opt)
	return st.SaveLinking(ctx, l, now)
}

// Rejudge clusters the stored links again under the judgements in force
// (after a judgement) and saves the subjects: no index is needed, and
// subjects keep their ids as on every linking.
func Rejudge(ctx context.Context, st vigil.LinkStore, opt Options, now time.Time) (vigil.LinkingResult, error) {
	g, err := st.LinkGraph(ctx)
	if err != nil {
		return vigil.LinkingResult{}, err
	}
	js, err := st.Judgements(ctx)
	if err != nil {
		return vigil.LinkingResult{}, err
	}
	l := Recluster(g, js)
	l.Basis = Basis(g.Versions, js, opt)
	return st.SaveLinking(ctx, l, now)
}

// Stale reports whether the subjects in st were linked from other list
// versions (labels), judgements or rules than these: whether Run would
// link. It reads no entity.
func Stale(ctx context.Context, st vigil.LinkStore, versions []string, opt Options) (bool, error) {
	js, err := st.Judgements(ctx)
	if err != nil {
		return false, err
	}
	have, err := st.LinkBasis(ctx)
	if err != nil {
		return false, err
	}
	return have != Basis(versions, js, opt), nil
}
