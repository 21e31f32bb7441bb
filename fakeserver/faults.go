package fakeserver

import (
	"fmt"
	"sort"
	"strings"
)

// FaultKind separates server bugs (wrong decisions, the way a broken server
// would make them) from deviations (the right decision in the wrong form).
type FaultKind string

const (
	Bug       FaultKind = "bug"
	Deviation FaultKind = "deviation"
)

// Fault is a named misbehaviour the fake can be told to have.
type Fault struct {
	Name        string
	Kind        FaultKind
	Description string
}

// Fault names. Each is caught by at least one spec; the meta-tests assert
// exactly which.
const (
	FaultSutknQueryRejected   = "sutkn-query-rejected"
	FaultHeaderRejected       = "header-rejected"
	FaultAnyKeyAccepted       = "any-key-accepted"
	FaultAnonymousAllowed     = "anonymous-allowed"
	FaultTokenNotConsumed     = "token-not-consumed"
	FaultTokenNeverExpires    = "token-never-expires"
	FaultHeaderFallback       = "header-fallback"
	FaultTokenUnchecked       = "token-unchecked"
	FaultPermissionsUnchecked = "permissions-unchecked"
	FaultAuthAtUpgrade        = "auth-at-upgrade"
	FaultAuthErrorForm        = "auth-error-form"
)

// Faults lists every fault the fake knows.
var Faults = []Fault{
	{FaultSutknQueryRejected, Bug, "every single-use token on ?token= gets auth_error, even a fresh realtime_scribe one; the xi-api-key header keeps working (the reported sutkn bug)"},
	{FaultHeaderRejected, Bug, "the xi-api-key header is ignored on the socket, so a valid key is refused"},
	{FaultAnyKeyAccepted, Bug, "any non-empty xi-api-key opens a session"},
	{FaultAnonymousAllowed, Bug, "a socket with no credentials at all opens a session"},
	{FaultTokenNotConsumed, Bug, "a single-use token can be used again"},
	{FaultTokenNeverExpires, Bug, "a token older than 15 minutes still opens a session"},
	{FaultHeaderFallback, Bug, "a refused token falls back to the xi-api-key header instead of winning"},
	{FaultTokenUnchecked, Bug, "any non-empty ?token= value opens a session, looked up or not"},
	{FaultPermissionsUnchecked, Bug, "a key without the speech_to_text permission may mint realtime_scribe tokens"},
	{FaultAuthAtUpgrade, Deviation, "auth failures are refused at the upgrade with HTTP 401 instead of in-band auth_error after 101"},
	{FaultAuthErrorForm, Deviation, "auth failures send auth_error with another text and close with 1008 instead of 1000 and an empty reason"},
}

// LookupFault finds a fault by name.
func LookupFault(name string) (Fault, bool) {
	for _, f := range Faults {
		if f.Name == name {
			return f, true
		}
	}
	return Fault{}, false
}

// FaultNames lists the names of the faults of one kind, sorted.
func FaultNames(kind FaultKind) []string {
	var out []string
	for _, f := range Faults {
		if f.Kind == kind {
			out = append(out, f.Name)
		}
	}
	sort.Strings(out)
	return out
}

// faultSet is the set of faults a server was started with.
type faultSet map[string]bool

func newFaultSet(names []string) (faultSet, error) {
	fs := faultSet{}
	for _, n := range names {
		if _, ok := LookupFault(n); !ok {
			var all []string
			for _, f := range Faults {
				all = append(all, f.Name)
			}
			return nil, fmt.Errorf("unknown fault %q: known faults are %s", n, strings.Join(all, ", "))
		}
		fs[n] = true
	}
	return fs, nil
}

func (fs faultSet) has(name string) bool { return fs[name] }
