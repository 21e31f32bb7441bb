package cli

import (
	"flag"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// The errors of the flag package, which names a flag with one dash and says
// nothing of the form that would work.
var (
	unknownFlag  = regexp.MustCompile(`^flag provided but not defined: -(.*)$`)
	missingValue = regexp.MustCompile(`^flag needs an argument: -(.*)$`)
	badValue     = regexp.MustCompile(`^invalid (?:boolean )?value (".*") for (?:flag )?-([^:]*): (.*)$`)
	badBool      = regexp.MustCompile(`^invalid boolean flag ([^:]*): (.*)$`)
	badSyntax    = regexp.MustCompile(`^bad flag syntax: (.*)$`)
)

// flagError is err, fs.Parse's, as the one line a user reads: the flag
// with two dashes, the value typed, and what would work.
func flagError(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	if m := unknownFlag.FindStringSubmatch(msg); m != nil {
		if near := nearFlag(fs, m[1]); near != "" {
			return fmt.Sprintf("unknown flag --%s (did you mean --%s?)", m[1], near)
		}
		return "unknown flag --" + m[1]
	}
	if m := missingValue.FindStringSubmatch(msg); m != nil {
		if w := wants(fs.Lookup(m[1])); w != "" {
			return fmt.Sprintf("--%s needs a value: %s", m[1], w)
		}
		return fmt.Sprintf("--%s needs a value", m[1])
	}
	if m := badValue.FindStringSubmatch(msg); m != nil {
		if w := wants(fs.Lookup(m[2])); w != "" {
			return fmt.Sprintf("--%s %s: %s", m[2], m[1], w)
		}
		return fmt.Sprintf("--%s %s: %s", m[2], m[1], m[3])
	}
	if m := badBool.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("--%s takes no value other than true or false (%s)", m[1], m[2])
	}
	if m := badSyntax.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("bad flag syntax %q: give --NAME or --NAME=VALUE", m[1])
	}
	return msg
}

// wants is "give" and the kind of value f takes ("a whole number"), or ""
// for a flag whose own check says it.
func wants(f *flag.Flag) string {
	if f == nil {
		return ""
	}
	var v any
	if g, ok := f.Value.(flag.Getter); ok {
		v = g.Get()
	}
	switch v.(type) {
	case time.Duration:
		return "give a duration such as 30s, 5m or 1h30m"
	case int, int64, uint, uint64:
		return "give a whole number"
	case float64:
		return "give a number such as 2.5"
	case bool:
		return "give true or false"
	}
	return ""
}

// nearFlag is the one flag of fs that the unknown name most likely means:
// the same but for case, dashes and underscores (--fakebug), or the end or
// the start of a longer name (--bug is --fake-bug, --label is
// --label-filter). Old names are not offered.
func nearFlag(fs *flag.FlagSet, name string) string {
	norm := func(s string) string { return strings.NewReplacer("-", "", "_", "").Replace(strings.ToLower(s)) }
	var found []string
	fs.VisitAll(func(f *flag.Flag) {
		if IsOldName(f) || len(name) < 2 {
			return
		}
		if norm(f.Name) == norm(name) || strings.HasSuffix(f.Name, "-"+name) || strings.HasPrefix(f.Name, name+"-") {
			found = append(found, f.Name)
		}
	})
	if len(found) != 1 {
		return ""
	}
	return found[0]
}
