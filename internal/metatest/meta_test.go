package metatest

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/clitest"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/reports"
	"github.com/scribecheck/scribecheck/suites"
)

// Every check can fail: each fault of the fake makes exactly the specs that
// guard against it fail (or turn NON-STRICT, for SHOULD-level checks), and no
// other. A fault no spec catches is a missing spec. The sets were read off
// runs and reviewed one by one: a spec that fails under a fault it does not
// guard (COMMIT-24 under input-error-closes, say) fails because a barrier
// frame it relies on is answered by a close, which the entry records.
var faultCatches = map[string]struct {
	failed, nonStrict string // comma-separated spec IDs in catalog order
}{
	fakeserver.FaultSutknQueryRejected: {failed: "AUTH-4,AUTH-5,AUTH-8"},
	// Where no session opens with the header, AUTH-1 is the one root cause and
	// every spec that needs such a session is BLOCKED by it (checked below).
	fakeserver.FaultHeaderRejected:       {failed: "AUTH-1"},
	fakeserver.FaultAnyKeyAccepted:       {failed: "AUTH-2"},
	fakeserver.FaultAnonymousAllowed:     {failed: "AUTH-3,AUTH-11,ERROR-1,SCHEMA-10"},
	fakeserver.FaultTokenNotConsumed:     {failed: "AUTH-5"},
	fakeserver.FaultTokenNeverExpires:    {failed: "AUTH-6"},
	fakeserver.FaultHeaderFallback:       {failed: "AUTH-9"},
	fakeserver.FaultTokenUnchecked:       {failed: "AUTH-5,AUTH-6,AUTH-9,AUTH-12,AUTH-13", nonStrict: "AUTH-10"},
	fakeserver.FaultPermissionsUnchecked: {nonStrict: "AUTH-14"},
	fakeserver.FaultEnumUnchecked:        {nonStrict: "ERROR-2,PARAM-8,PARAM-10,SCHEMA-13"},
	fakeserver.FaultRangeUnchecked:       {nonStrict: "PARAM-14,PARAM-15,PARAM-17,PARAM-18,PARAM-20,PARAM-21,PARAM-23,PARAM-24,PARAM-29"},
	fakeserver.FaultDuplicateRejected:    {failed: "PARAM-30"},
	fakeserver.FaultUnknownParamRejected: {failed: "PARAM-31"},
	fakeserver.FaultTurboRefused:         {failed: "MODEL-2"},
	fakeserver.FaultNoThrottle:           {failed: "ERROR-3", nonStrict: "COMMIT-4,COMMIT-5,COMMIT-6,INPUT-15,SCHEMA-11"},
	fakeserver.FaultVADNeverCommits:      {failed: "COMMIT-12"},
	fakeserver.FaultVADEagerCommits:      {nonStrict: "COMMIT-13"},
	fakeserver.FaultNoAutoCommit:         {failed: "COMMIT-15"},
	fakeserver.FaultPreviousTextAnywhere: {failed: "COMMIT-22,ERROR-5"},
	fakeserver.FaultPreviousTextNull:     {nonStrict: "COMMIT-23"},
	fakeserver.FaultRangeOffByOne:        {failed: "PARAM-13,PARAM-16,PARAM-19,PARAM-22"},
	fakeserver.FaultVADIgnoresCommit:     {nonStrict: "COMMIT-14"},
	fakeserver.FaultPreviousTextRejected: {failed: "COMMIT-21"},
	fakeserver.FaultAudioBase64Accepted:  {nonStrict: "INPUT-14"},
	fakeserver.FaultReadLimit32K:         {failed: "COMMIT-15,INPUT-12", nonStrict: "INPUT-16"},
	fakeserver.FaultCommitClosesSession:  {failed: "COMMIT-2,COMMIT-24", nonStrict: "COMMIT-6,COMMIT-9"},
	fakeserver.FaultAuthAtUpgrade:        {failed: "ERROR-1,SCHEMA-10", nonStrict: "AUTH-2,AUTH-3,AUTH-5,AUTH-6,AUTH-9,AUTH-10,AUTH-11,AUTH-12,AUTH-13"},
	fakeserver.FaultAuthErrorForm:        {nonStrict: "AUTH-2,AUTH-3,AUTH-5,AUTH-6,AUTH-9,AUTH-10,AUTH-11,AUTH-12,AUTH-13"},
	fakeserver.FaultConfigSDKShape:       {nonStrict: "PARAM-1,PARAM-9,PARAM-26,PARAM-31,SCHEMA-1,SCHEMA-2,SCHEMA-4"},
	fakeserver.FaultNoSessionID:          {failed: "SCHEMA-1,SCHEMA-2", nonStrict: "SCHEMA-3"},
	fakeserver.FaultUUIDSessionID:        {nonStrict: "SCHEMA-3"},
	fakeserver.FaultLanguageNotFolded:    {nonStrict: "PARAM-11"},
	fakeserver.FaultDoubleCommit:         {failed: "COMMIT-1,COMMIT-2"},
	// A lone commit waits for the next client frame: COMMIT-1's requirement
	// fails, and what needs an answered commit is BLOCKED by it.
	fakeserver.FaultCommitsOutOfOrder:    {failed: "COMMIT-1"},
	fakeserver.FaultCommitsUnanswered:    {failed: "COMMIT-1"},
	fakeserver.FaultFirstCommitLost:      {failed: "COMMIT-1"}, // AUTH-1's probe loses it; --retries makes it FLAKY (cmd/scribecheck/cirun_test.go)
	fakeserver.FaultEmptyCommitDropped:   {failed: "COMMIT-3"},
	fakeserver.FaultSegmentTimestamps:    {failed: "COMMIT-2", nonStrict: "COMMIT-9"},
	fakeserver.FaultWordsWithoutSpacing:  {nonStrict: "COMMIT-8"},
	fakeserver.FaultNoTimestampsFrame:    {failed: "COMMIT-7,SCHEMA-7", nonStrict: "COMMIT-8,COMMIT-9,COMMIT-10"},
	fakeserver.FaultNoEntities:           {nonStrict: "COMMIT-11,SCHEMA-8"},
	fakeserver.FaultThrottleWithoutClose: {failed: "ERROR-3", nonStrict: "COMMIT-5,INPUT-15"},
	fakeserver.FaultThrottleText:         {nonStrict: "COMMIT-4,COMMIT-6"},
	fakeserver.FaultIdleNever:            {nonStrict: "COMMIT-16,COMMIT-17"},
	fakeserver.FaultIdleResetByPing:      {nonStrict: "COMMIT-17"},
	fakeserver.FaultEarlyPartials:        {nonStrict: "COMMIT-18"},
	fakeserver.FaultNoPartials:           {failed: "SCHEMA-5", nonStrict: "COMMIT-19,COMMIT-20"},
	fakeserver.FaultNoCommitEcho:         {nonStrict: "COMMIT-20"},
	fakeserver.FaultInputErrorCloses:     {failed: "COMMIT-24", nonStrict: "COMMIT-6,COMMIT-9,COMMIT-16,COMMIT-17,ERROR-4,INPUT-2,INPUT-3,INPUT-4,INPUT-5,INPUT-6"},
	fakeserver.FaultConfigNotEchoed:      {failed: "MODEL-2", nonStrict: "PARAM-2,PARAM-3,PARAM-4,PARAM-5,PARAM-6,PARAM-7,PARAM-9,PARAM-11,PARAM-12,PARAM-13,PARAM-16,PARAM-19,PARAM-22,PARAM-25,PARAM-26,PARAM-27,PARAM-28"},
	fakeserver.FaultErrorWithoutClose:    {nonStrict: "ERROR-2,PARAM-8,PARAM-10,PARAM-14,PARAM-15,PARAM-17,PARAM-18,PARAM-20,PARAM-21,PARAM-23,PARAM-24,PARAM-29"},

	// Faults that came with the newest contract and the recogniser-like transcripts.
	fakeserver.FaultRegionLanguageHeard:     {nonStrict: "PARAM-35"},
	fakeserver.FaultNoPartialsInSilence:     {nonStrict: "COMMIT-26"},
	fakeserver.FaultSessionStartedTwice:     {failed: "MULTI-1"},
	fakeserver.FaultContractFramesFirst:     {nonStrict: "CONTRACT-4,CONTRACT-8,CONTRACT-12,MULTI-3"},
	fakeserver.FaultContractFramesMisshaped: {nonStrict: "CONTRACT-13,SCHEMA-1,SCHEMA-15,SCHEMA-16,SCHEMA-17,SCHEMA-18"},
	fakeserver.FaultRedactionModeIgnored:    {nonStrict: "CONTRACT-5,CONTRACT-6"},
	fakeserver.FaultContractLimitsUnchecked: {nonStrict: "CONTRACT-9,CONTRACT-10,CONTRACT-11"},
	fakeserver.FaultDiarizedIndexFromOne:    {nonStrict: "CONTRACT-12"},
	fakeserver.FaultMergeUnknownSpeaker:     {nonStrict: "CONTRACT-13"},
	fakeserver.FaultWarningMisshaped:        {nonStrict: "SCHEMA-1,SCHEMA-9"},
	fakeserver.FaultRedactionUnnumbered:     {nonStrict: "CONTRACT-7"},
	fakeserver.FaultTimestampsFirst:         {failed: "COMMIT-7,MULTI-3"},
}

// addedCatches are what the specs added with the newest contract (CONTRACT,
// MULTI, SCHEMA-15..18, COMMIT-25..26) catch of the faults that were there
// before them, whose sets above are as they were before those specs came:
// the older specs' verdicts did not change, as the test below checks. Two
// older specs changed level on purpose: PARAM-35 (INFO to SHOULD: en-US
// never transcribes live) and SCHEMA-9 (INFO to SHOULD: warning is in the
// contract now).
var addedCatches = map[string]struct {
	failed, nonStrict string
}{
	fakeserver.FaultErrorWithoutClose:    {nonStrict: "CONTRACT-9,CONTRACT-10,CONTRACT-11"}, // refusals without the close
	fakeserver.FaultConfigNotEchoed:      {nonStrict: "CONTRACT-1"},                         // scribe_v3_live echoed as the default
	fakeserver.FaultVADNeverCommits:      {nonStrict: "CONTRACT-2"},                         // turn_prediction ends turns with the VAD
	fakeserver.FaultNoPartials:           {nonStrict: "COMMIT-26"},
	fakeserver.FaultEmptyCommitDropped:   {nonStrict: "PARAM-35"}, // en-US commits "" and it is dropped
	fakeserver.FaultDoubleCommit:         {failed: "MULTI-2"},
	fakeserver.FaultThrottleWithoutClose: {failed: "MULTI-4"},
	fakeserver.FaultNoCommitEcho:         {nonStrict: "MULTI-5"},
	fakeserver.FaultEarlyPartials:        {nonStrict: "MULTI-6"},
}

// relevelled are older specs whose level changed with the newest contract.
var relevelled = map[string]bool{"PARAM-35": true, "SCHEMA-9": true}

func TestAddedCatchesNameOnlyNewSpecs(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../testdata/spec-ids.txt")
	if err != nil {
		t.Fatal(err)
	}
	older := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		id, _, _ := strings.Cut(line, "\t")
		if strings.HasPrefix(line, "#") || id == "" {
			continue
		}
		older[id] = true
		if id == "SCHEMA-1" { // the last spec before the newest contract's
			break
		}
	}
	if len(older) != 118 {
		t.Fatalf("%d older specs, want 118", len(older))
	}
	for name, add := range addedCatches {
		if _, ok := faultCatches[name]; !ok {
			t.Errorf("%s: no such fault in faultCatches", name)
		}
		for _, id := range strings.Split(joinSorted(add.failed, add.nonStrict), ",") {
			if older[id] && !relevelled[id] {
				t.Errorf("%s: %s is an older spec: its verdict under an older fault changed", name, id)
			}
		}
	}
}

// strictReruns are faults with only NON-STRICT findings whose run is
// repeated under --strict, where those findings must fail.
var strictReruns = map[string]bool{
	fakeserver.FaultPermissionsUnchecked: true, fakeserver.FaultAuthErrorForm: true,
	fakeserver.FaultConfigSDKShape: true, fakeserver.FaultUUIDSessionID: true, fakeserver.FaultThrottleText: true,
	fakeserver.FaultRedactionModeIgnored: true, fakeserver.FaultContractFramesMisshaped: true,
}

// raceFaults also run under the race-built binary: they hold, reorder,
// duplicate or swallow frames and closes on the socket's wire.
var raceFaults = []string{fakeserver.FaultDoubleCommit, fakeserver.FaultContractFramesFirst, fakeserver.FaultInputErrorCloses}

// waitingFaults are the runs that mostly wait, the CPU idle, for what the
// faulty fake never sends: the close after each invalid_request (24 specs
// wait out the 0.5 s close wait, 12.5 s), a commit's answer (the probe's 5 s
// timeout). They start early, before the test's t.Parallel() (clitest.StartEarly
// says why).
var waitingFaults = []string{fakeserver.FaultErrorWithoutClose, fakeserver.FaultCommitsOutOfOrder, fakeserver.FaultCommitsUnanswered,
	fakeserver.FaultFirstCommitLost}

// faultRunArgs are the arguments of a run of the fake with fault f (the
// key of its shared run).
func faultRunArgs(f fakeserver.Fault) []string {
	flag := "--fake-bug"
	if f.Kind == fakeserver.Deviation {
		flag = "--fake-deviate"
	}
	return []string{"--target", "fake", flag, f.Name}
}

func TestEveryFaultIsCaughtByExactlyItsSpecs(t *testing.T) {
	for _, name := range waitingFaults {
		if f, ok := fakeserver.LookupFault(name); ok {
			shared.Start(t, faultRunArgs(f)...) // its subtest reads it
		}
	}
	t.Parallel()
	for _, f := range fakeserver.Faults {
		if _, ok := faultCatches[f.Name]; !ok {
			t.Errorf("fault %s has no expectation here: which spec catches it?", f.Name)
		}
	}
	type run struct{ name, bin string }
	var runs []run
	for name := range faultCatches {
		runs = append(runs, run{name, plainBinary})
	}
	if binary != plainBinary {
		for _, name := range raceFaults {
			runs = append(runs, run{name + "/race", binary})
		}
	}
	for _, ru := range runs {
		name, _, _ := strings.Cut(ru.name, "/")
		want := faultCatches[name]
		t.Run(ru.name, func(t *testing.T) {
			t.Parallel()
			f, ok := fakeserver.LookupFault(name)
			if !ok {
				t.Fatalf("no fault %s", name)
			}
			args := faultRunArgs(f)
			var r clitest.Result
			if ru.bin == plainBinary { // the shared run: started early for waitingFaults
				r = shared.Run(t, args...)
			} else {
				r = clitest.Run(t, ru.bin, nil, slices.Concat([]string{"run"}, args)...)
			}
			v := r.Verdicts(t)
			failed := strings.Join(clitest.With(v, reports.Failed), ",")
			nonStrict := strings.Join(clitest.With(v, reports.NonStrict), ",")
			add := addedCatches[name]
			want.failed, want.nonStrict = joinSorted(want.failed, add.failed), joinSorted(want.nonStrict, add.nonStrict)
			if failed != want.failed || nonStrict != want.nonStrict {
				t.Errorf("failed [%s] non-strict [%s]; want failed [%s] non-strict [%s]", failed, nonStrict, want.failed, want.nonStrict)
			}
			if errs := clitest.With(v, reports.Error); len(errs) > 0 {
				t.Errorf("harness errors: %v", errs)
			}
			// A BLOCKED spec points at a root cause that failed in this run.
			for _, res := range r.Results(t) {
				if res.Verdict == reports.Blocked && !slices.Contains(strings.Split(want.failed, ","), res.BlockedBy) {
					t.Errorf("%s is BLOCKED by %q, which is not among the failed [%s]", res.ID, res.BlockedBy, want.failed)
				}
			}
			wantCode := 0
			if want.failed != "" {
				wantCode = 1
			}
			if r.Code != wantCode {
				t.Errorf("exit %d, want %d", r.Code, wantCode)
			}
			if !strictReruns[name] {
				return
			}
			s := clitest.Run(t, ru.bin, nil, slices.Concat([]string{"run"}, args, []string{"--strict"})...)
			all := strings.Join(clitest.With(s.Verdicts(t), reports.Failed), ",")
			if s.Code != 1 || all != joinSorted(want.failed, want.nonStrict) {
				t.Errorf("--strict: exit %d, failed [%s]", s.Code, all)
			}
		})
	}
}

func joinSorted(lists ...string) string {
	var ids []string
	for _, l := range lists {
		if l != "" {
			ids = append(ids, strings.Split(l, ",")...)
		}
	}
	return strings.Join(clitest.SortIDs(ids), ",")
}

// A check that cannot fail is a defect: every MUST and SHOULD spec is in the
// set of some fault (which TestEveryFaultIsCaughtByExactlyItsSpecs proves by
// running it). preconditionOnly are the specs whose requirement is the session
// itself, which a fault that breaks sessions only BLOCKS.
func TestEverySpecFailsUnderSomeFault(t *testing.T) {
	t.Parallel()
	preconditionOnly := map[string]bool{
		"MODEL-1":   true, // scribe_v2_realtime opens a session
		"SCHEMA-6":  true, // committed_transcript validates: its one field, text, is in every commit spec
		"SCHEMA-12": true, // input_error validates: the barrier of every spec relies on it
	}
	caught := map[string]bool{}
	for _, sets := range []map[string]struct{ failed, nonStrict string }{faultCatches, addedCatches} {
		for _, want := range sets {
			for _, id := range strings.Split(joinSorted(want.failed, want.nonStrict), ",") {
				caught[id] = true
			}
		}
	}
	for _, c := range suites.Catalog() {
		if c.Level != verdict.Info && !caught[c.ID] && !preconditionOnly[c.ID] {
			t.Errorf("%s (%s) fails under no fault of the fake: nothing shows it can fail", c.ID, c.Level)
		}
	}
}
