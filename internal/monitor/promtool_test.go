package monitor

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"gopkg.in/yaml.v3"

	"github.com/scribecheck/scribecheck/fakeserver"
)

// promtool is Prometheus's promtool, from Debian's prometheus package
// (make deps installs it as it installs chromium); the test skips without it.
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is missing (Debian's prometheus package; make deps installs it as root with apt-get): the exposition and the alerting rules are not checked by Prometheus's own tool")
	}
	return p
}

// runPromtool runs promtool with args, in dir, with stdin, and fails t with
// what it said unless it exits 0.
func runPromtool(t *testing.T, dir, stdin string, args ...string) {
	t.Helper()
	cmd := exec.Command(promtool(t), args...)
	cmd.Dir, cmd.Stdin = dir, strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// promtool check metrics accepts /metrics and /probe as they are served,
// with a failing path among them.
func TestPromtoolAcceptsTheExposition(t *testing.T) {
	t.Parallel()
	promtool(t)
	f := startFake(t, "127.0.0.1:0", testKey, fakeserver.FaultSutknQueryRejected)
	mon, _ := newMonitor(t, f, testKey, Options{BudgetAudioSeconds: 60})
	cycle(t, mon)
	for _, page := range []string{"/metrics", "/probe"} {
		_, body := scrape(t, mon.Handler(), page)
		runPromtool(t, "", body, "check", "metrics")
	}
}

// rulesDir holds the shipped rules and their written test.
var rulesDir = filepath.Join("..", "..", "docs", "monitor")

// The shipped alerting rules pass their own test (written series), and a
// series the monitor recorded itself against the fake: 4 healthy cycles,
// 4 with the sutkn bug, 3 with the target gone, 2 back, one sample of
// /metrics a cycle, 5 minutes apart. On it the sutkn alert fires after 10
// minutes of the bug and not while the target is down (the header fails
// too), TargetDown fires then, and the commit-latency alert never does
// (the fake commits in milliseconds).
func TestShippedRules(t *testing.T) {
	t.Parallel()
	promtool(t)
	runPromtool(t, rulesDir, "", "test", "rules", "alerts_test.yml")

	rec := &recording{series: map[string][]string{}}
	f := startFake(t, "127.0.0.1:0", testKey)
	mon, _ := newMonitor(t, f, testKey, Options{})
	phases := []struct {
		cycles   int
		switchTo func()
	}{
		{4, nil},
		{4, func() { _ = f.srv.Close(); f = startFake(t, f.addr, testKey, fakeserver.FaultSutknQueryRejected) }},
		{3, func() { _ = f.srv.Close() }},
		{2, func() { f = startFake(t, f.addr, testKey) }},
	}
	for _, ph := range phases {
		if ph.switchTo != nil {
			ph.switchTo()
		}
		for range ph.cycles {
			if !mon.Cycle(context.Background()) {
				t.Fatal("a cycle probed nothing")
			}
			fams, _ := scrape(t, mon.Handler(), "/metrics")
			rec.sample(fams)
		}
	}

	rules, err := filepath.Abs(filepath.Join(rulesDir, "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	alert := func(name string, labels map[string]string) map[string]any {
		labels["severity"] = severity(t, rules, name)
		labels["job"], labels["instance"] = recJob, recInstance
		return map[string]any{"exp_labels": labels, "exp_annotations": annotations(t, rules, name)}
	}
	none := []map[string]any{}
	test := map[string]any{
		"rule_files":          []string{rules},
		"evaluation_interval": "1m",
		"tests": []map[string]any{{
			"interval":     "5m",
			"input_series": rec.inputSeries(),
			"alert_rule_test": []map[string]any{
				{"eval_time": "15m", "alertname": "ScribecheckSutknRegression", "exp_alerts": none},
				{"eval_time": "25m", "alertname": "ScribecheckSutknRegression", "exp_alerts": none},
				{"eval_time": "35m", "alertname": "ScribecheckSutknRegression", "exp_alerts": []map[string]any{alert("ScribecheckSutknRegression", map[string]string{"path": "token-query"})}},
				{"eval_time": "50m", "alertname": "ScribecheckSutknRegression", "exp_alerts": none},
				{"eval_time": "50m", "alertname": "ScribecheckTargetDown", "exp_alerts": []map[string]any{alert("ScribecheckTargetDown", map[string]string{})}},
				{"eval_time": "60m", "alertname": "ScribecheckTargetDown", "exp_alerts": none},
				{"eval_time": "60m", "alertname": "ScribecheckCommitLatencyHigh", "exp_alerts": none},
			},
		}},
	}
	b, err := yaml.Marshal(test)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "recorded_test.yml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	runPromtool(t, dir, "", "test", "rules", "recorded_test.yml")
}

// The job and instance labels Prometheus would add to the recording.
const recJob, recInstance = "scribecheck", "monitor:9464"

// recording is what the alerting rules read of a series of scrapes, in
// promtool's input_series form: a value a sample, "_" where a series was
// not yet served.
type recording struct {
	n      int
	series map[string][]string
}

func (r *recording) sample(fams map[string]*dto.MetricFamily) {
	add := func(name string, labels map[string]string, v float64) {
		labels["job"], labels["instance"] = recJob, recInstance
		var ls []string
		for k, v := range labels {
			ls = append(ls, fmt.Sprintf("%s=%q", k, v))
		}
		slices.Sort(ls)
		key := name + "{" + strings.Join(ls, ",") + "}"
		vals := r.series[key]
		for len(vals) < r.n {
			vals = append(vals, "_")
		}
		r.series[key] = append(vals, fmt.Sprint(v))
	}
	for _, name := range []string{"scribecheck_probe_success", "scribecheck_target_up", "scribecheck_probe_duration_seconds"} {
		for _, m := range fams[name].GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			switch {
			case m.Histogram != nil:
				for _, b := range m.GetHistogram().GetBucket() {
					bl := map[string]string{"le": fmt.Sprint(b.GetUpperBound())}
					for k, v := range labels {
						bl[k] = v
					}
					add(name+"_bucket", bl, float64(b.GetCumulativeCount()))
				}
				labels["le"] = "+Inf"
				add(name+"_bucket", labels, float64(m.GetHistogram().GetSampleCount()))
			case m.Gauge != nil:
				add(name, labels, m.GetGauge().GetValue())
			}
		}
	}
	r.n++
}

func (r *recording) inputSeries() []map[string]string {
	var out []map[string]string
	for _, k := range slices.Sorted(maps.Keys(r.series)) {
		out = append(out, map[string]string{"series": k, "values": strings.Join(r.series[k], " ")})
	}
	return out
}

// shippedRule is one alerting rule of the shipped file.
type shippedRule struct {
	Alert       string            `yaml:"alert"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

func rule(t *testing.T, file, name string) shippedRule {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Rules []shippedRule `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, g := range doc.Groups {
		for _, r := range g.Rules {
			if r.Alert == name {
				return r
			}
		}
	}
	t.Fatalf("%s has no alert %s", file, name)
	return shippedRule{}
}

func severity(t *testing.T, file, name string) string { return rule(t, file, name).Labels["severity"] }

// annotations are the rule's, with the one template they use filled in as
// Prometheus would for the recording.
func annotations(t *testing.T, file, name string) map[string]string {
	out := map[string]string{}
	for k, v := range rule(t, file, name).Annotations {
		out[k] = strings.ReplaceAll(v, "{{ $labels.instance }}", recInstance)
	}
	return out
}
