package main

import (
	"runtime/debug"
	"strings"
)

// buildVersion describes this binary from its build information: the module
// version ("(devel)" for a build from a checkout), the VCS revision and its
// time, and "+dirty" when the tree had uncommitted changes.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	return describeBuild(bi)
}

// describeBuild formats build information as buildVersion does.
func describeBuild(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, at string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	var b strings.Builder
	b.WriteString(v)
	if rev != "" {
		b.WriteString(" revision ")
		b.WriteString(rev[:min(12, len(rev))])
		if dirty {
			b.WriteString("+dirty")
		}
		if at != "" {
			b.WriteString(" (" + at + ")")
		}
	}
	b.WriteString(" " + bi.GoVersion)
	return b.String()
}
