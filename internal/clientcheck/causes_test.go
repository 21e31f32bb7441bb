package clientcheck_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/clientcheck"
	"github.com/scribecheck/scribecheck/protocol"
)

// The causes of the query's rules (CLIENT-3, -4, -17, -18) say each problem
// in protocol.CheckQuery's own words, as the rules and the URL lint do: the
// cause's title holds the problem's Text, and its fix is the problem's Fix
// (as a clause, as every cause's fix is written).
func TestQueryCausesSayTheProblemsWords(t *testing.T) {
	for _, c := range []struct {
		query   string
		refused bool // the server answered invalid_request
		rule    string
	}{
		{"model_id=SCRIBE_V2_REALTIME_TURBO", true, clientcheck.RuleModelPath},
		{"model_id=scribe_v1", true, clientcheck.RuleModelPath},
		{"model_id=" + protocol.UnknownModel, true, clientcheck.RuleModelPath},
		{"", true, clientcheck.RuleModelPath},
		{"model_id=scribe_v2_realtime&keyterm=Scribe", false, clientcheck.RuleQueryKeys},
		{"model_id=scribe_v2_realtime&encoding=pcm_s16le", false, clientcheck.RuleQueryKeys},
		{"model_id=scribe_v2_realtime&noise_reduction=1", false, clientcheck.RuleQueryKeys},
		{"model_id=scribe_v2_realtime&vad_threshold=2", true, clientcheck.RuleQueryValues},
		{"model_id=scribe_v2_realtime&include_timestamps=True", false, clientcheck.RuleQueryValues},
		// A server that refuses what the rules call a warning: the title
		// still says what the problem is, not that the server refuses it.
		{"model_id=scribe_v2_realtime&include_timestamps=True", true, clientcheck.RuleQueryValues},
		{"model_id=scribe_v2_realtime&language_code=en-US", false, clientcheck.RuleLanguageCode},
	} {
		q, err := url.ParseQuery(c.query)
		if err != nil {
			t.Fatal(err)
		}
		_, problems := protocol.CheckQuery(q, protocol.FaithfulRules())
		if len(problems) == 0 {
			t.Fatalf("%s: CheckQuery finds nothing", c.query)
		}
		p := problems[0]
		if i := slices.IndexFunc(problems, func(p protocol.QueryProblem) bool { return p.Refused }); i >= 0 {
			p = problems[i]
		}

		r := newRecording(t)
		conn := r.open(protocol.RealtimePath + "?" + c.query + "&token=" + tok1)
		conn.Status(101)
		if c.refused {
			conn.server(`{"message_type":"invalid_request","error":"refused"}`).Closed("server", 1008, "", "")
		} else {
			conn.server(`{"message_type":"session_started","session_id":"0123456789abcdef0123456789abcdef","config":{}}`).Closed("client", 1000, "", "")
		}
		rep := r.grade()
		i := slices.IndexFunc(rep.Causes, func(k clientcheck.Cause) bool { return slices.Contains(k.Rules, c.rule) })
		if i < 0 {
			t.Errorf("%s: no cause of %s in %+v", c.query, c.rule, rep.Causes)
			continue
		}
		k := rep.Causes[i]
		fix := strings.TrimSuffix(p.Fix, ".")
		if !strings.Contains(k.Title, p.Text) || !strings.EqualFold(k.Fix, fix) || k.Fix[:1] != strings.ToLower(fix[:1]) {
			t.Errorf("%s: the cause reads %q, fix %q; the problem %q, fix %q", c.query, k.Title, k.Fix, p.Text, p.Fix)
		}
		if !p.Refused && strings.Contains(k.Title, "refuses") {
			t.Errorf("%s: the cause %q says the server refuses a warning", c.query, k.Title)
		}
	}
}
