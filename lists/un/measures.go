package un

import (
	"regexp"
	"strings"

	"github.com/vigil-screening/vigil"
)

// regimeMeasures says which measures bind every individual on each
// UN_LIST_TYPE regime. The file carries no structured measures field
// (FORMATS.md §1.9), so this table encodes the regimes' resolutions as
// summarised on each committee's page; it must be reviewed when a regime
// changes. Entities cannot travel, so TravelBan is applied to persons only
// (see measuresFor). Table version: 2026-02 (matches the 2026-02-27 file).
//
//   - Al-Qaida (1267/1989/2253) and Taliban (1988): asset freeze, travel
//     ban and arms embargo on every listed party.
//   - DPRK (1718), DRC (1533), CAR (2127), Sudan (1591), South Sudan (2206),
//     Somalia (751/2713): asset freeze and travel ban.
//   - Yemen (2140, arms embargo by 2216) and Haiti (2653): asset freeze,
//     travel ban and targeted arms embargo.
//   - Iraq (1518): asset freeze only (UN press release, FORMATS.md §1.9).
//   - GB, Guinea-Bissau (2048): travel ban only.
//   - Iran (1737 as restored): asset freeze and travel ban. Resolution 1929
//     (2010), paragraph 10, extended the travel ban of 1803 to every
//     individual designated in the annexes of 1737, 1747 and 1803 or by the
//     Council or Committee; resolution 2231 (2015), Annex B paragraph 6(e),
//     kept it, and the 2025 restoration of the earlier resolutions restored it.
//   - Libya (1970): per entry, from the "(Travel Ban)" / "(Asset Freeze)"
//     tags in COMMENTS1 (see libyaTag).
var regimeMeasures = map[string][]vigil.Measure{
	"Al-Qaida":   {vigil.MeasureAssetFreeze, vigil.MeasureTravelBan, vigil.MeasureArmsEmbargo},
	"Taliban":    {vigil.MeasureAssetFreeze, vigil.MeasureTravelBan, vigil.MeasureArmsEmbargo},
	"DPRK":       {vigil.MeasureAssetFreeze, vigil.MeasureTravelBan},
	"DRC":        {vigil.MeasureAssetFreeze, vigil.MeasureTravelBan},
	"CAR":        {vigil.MeasureAssetFreeze, vigil.MeasureTravelBan},
	"Sudan":      {vigil.MeasureAssetFreeze, vigil.MeasureTravelBan},
	"SouthSudan": {vigil.MeasureAssetFreeze, vigil.MeasureTravelBan},
	"Somalia":    {vigil.MeasureAssetFreeze, vigil.MeasureTravelBan},
	"Yemen":      {vigil.MeasureAssetFreeze, vigil.MeasureTravelBan, vigil.MeasureArmsEmbargo},
	"Haiti":      {vigil.MeasureAssetFreeze, vigil.MeasureTravelBan, vigil.MeasureArmsEmbargo},
	"Iraq":       {vigil.MeasureAssetFreeze},
	"GB":         {vigil.MeasureTravelBan},
	"Iran":       {vigil.MeasureAssetFreeze, vigil.MeasureTravelBan},
}

// libyaTag finds the bracketed measure tags of Libya entries, e.g.
// "paragraph 15 of resolution 1970 (Travel Ban)", "( Asset Freeze)" or
// "paragraphs 15 and 17 of resolution 1970 (Travel Ban, Asset Freeze)".
var (
	libyaTag     = regexp.MustCompile(`(?i)\(\s*((?:travel ban|asset freeze)(?:\s*(?:,|and)\s*(?:travel ban|asset freeze))*)\s*\)`)
	libyaMeasure = regexp.MustCompile(`(?i)travel ban|asset freeze`)
)

// measuresFor returns the measures binding an entry of regime, reading the
// per-entry tags in comments where the regime uses them. ok is false when the
// regime is unknown or a Libya individual carries no tag.
func measuresFor(regime string, kind vigil.Kind, comments string) (ms []vigil.Measure, ok bool) {
	if regime == "Libya" {
		for _, tag := range libyaTag.FindAllStringSubmatch(comments, -1) {
			for _, m := range libyaMeasure.FindAllString(tag[1], -1) {
				if strings.EqualFold(m, "travel ban") {
					ms = append(ms, vigil.MeasureTravelBan)
				} else {
					ms = append(ms, vigil.MeasureAssetFreeze)
				}
			}
		}
		if len(ms) == 0 && kind != vigil.KindPerson {
			// The 1970 regime's measures on listed parties are the travel ban
			// and the asset freeze; only the freeze can bind an entity.
			ms = []vigil.Measure{vigil.MeasureAssetFreeze}
		}
		ms = filterTravel(dedupeMeasures(ms), kind)
		return ms, len(ms) > 0
	}
	base, found := regimeMeasures[regime]
	if !found {
		return nil, false
	}
	return filterTravel(append([]vigil.Measure(nil), base...), kind), true
}

// filterTravel drops the travel ban from non-persons.
func filterTravel(ms []vigil.Measure, kind vigil.Kind) []vigil.Measure {
	if kind == vigil.KindPerson {
		return ms
	}
	out := ms[:0]
	for _, m := range ms {
		if m != vigil.MeasureTravelBan {
			out = append(out, m)
		}
	}
	return out
}

func dedupeMeasures(ms []vigil.Measure) []vigil.Measure {
	seen := map[vigil.Measure]bool{}
	out := ms[:0]
	for _, m := range ms {
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}
