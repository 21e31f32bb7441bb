package monitor

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/scribecheck/scribecheck/probes"
)

// The metrics' labels are bounded: path is one of the monitored paths,
// stage one of probes.Timings, outcome one of probes' outcomes (or
// "skipped", "harness fault"), cause an authcause Key and side an authcause
// side. No label holds text the target sent, nor a credential.

// stageBuckets span a loopback fake's milliseconds to a slow commit on a
// far region, in seconds.
var stageBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// metrics are what /metrics serves, in the monitor's own registry (never
// the global one, so two monitors in a test do not meet).
type metrics struct {
	reg        *prometheus.Registry
	success    *prometheus.GaugeVec
	duration   *prometheus.HistogramVec
	authErrors *prometheus.CounterVec
	cause      *prometheus.GaugeVec
	up         prometheus.Gauge
	lastRun    prometheus.Gauge
	cycles     prometheus.Counter
	audio      prometheus.Counter
	tokens     prometheus.Counter
	sessions   prometheus.Counter
	spentToday prometheus.Gauge
	exhausted  prometheus.Gauge
}

func newMetrics(paths []probes.AuthPath, budget float64) *metrics {
	m := &metrics{reg: prometheus.NewRegistry(),
		success: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "scribecheck_probe_success",
			Help: "1 when the auth path did what the documented server does in the last cycle (opened a session and transcribed its commit, or was refused), else 0."},
			[]string{"path"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "scribecheck_probe_duration_seconds",
			Help:    "Time to each stage the path reached: upgrade, session_started, first_partial (first audio to first partial), commit (commit to committed_transcript).",
			Buckets: stageBuckets}, []string{"path", "stage"}),
		authErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "scribecheck_auth_errors_total",
			Help: "Probes whose decisive socket got auth_error, expected refusals included (cycles and /probe)."}, []string{"path"}),
		cause: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "scribecheck_probe_cause_info",
			Help: "What the path came to in the last cycle: its outcome and, when it was not as the documented server has it, the cause the doctor names (authcause key) and whose side it is on."},
			[]string{"path", "outcome", "cause", "side"}),
		up: prometheus.NewGauge(prometheus.GaugeOpts{Name: "scribecheck_target_up",
			Help: "1 when some path of the last cycle got an HTTP answer from the target, 0 when none did (the network or the host is down)."}),
		lastRun: prometheus.NewGauge(prometheus.GaugeOpts{Name: "scribecheck_last_run_timestamp_seconds",
			Help: "When the last cycle ended, in Unix seconds."}),
		cycles: prometheus.NewCounter(prometheus.CounterOpts{Name: "scribecheck_cycles_total", Help: "Cycles run."}),
		audio: prometheus.NewCounter(prometheus.CounterOpts{Name: "scribecheck_audio_seconds_total",
			Help: "Seconds of audio streamed to the target (cycles and /probe)."}),
		tokens: prometheus.NewCounter(prometheus.CounterOpts{Name: "scribecheck_tokens_minted_total",
			Help: "Single-use tokens minted on the target (cycles and /probe)."}),
		sessions: prometheus.NewCounter(prometheus.CounterOpts{Name: "scribecheck_sessions_total",
			Help: "Sessions the target opened (cycles and /probe)."}),
		spentToday: prometheus.NewGauge(prometheus.GaugeOpts{Name: "scribecheck_budget_spent_audio_seconds",
			Help: "Seconds of audio streamed this UTC day, against the budget."}),
		exhausted: prometheus.NewGauge(prometheus.GaugeOpts{Name: "scribecheck_budget_exhausted",
			Help: "1 when probing has stopped until the next UTC day: the next probe could pass the daily audio budget."}),
	}
	budgetGauge := prometheus.NewGauge(prometheus.GaugeOpts{Name: "scribecheck_budget_audio_seconds",
		Help: "The daily audio budget, in seconds a UTC day (0: none)."})
	budgetGauge.Set(budget)
	m.reg.MustRegister(m.success, m.duration, m.authErrors, m.cause, m.up, m.lastRun, m.cycles, m.audio, m.tokens,
		m.sessions, m.spentToday, m.exhausted, budgetGauge,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, p := range paths { // every path's counter exists from the start, at 0
		m.authErrors.WithLabelValues(p.Name)
	}
	return m
}

// record sets the per-path state of a cycle that ended at.
func (m *metrics) record(p probed, at time.Time) {
	for _, r := range p.runs {
		name := r.path.Name
		m.success.WithLabelValues(name).Set(b2f(r.ok))
		for _, stage := range probes.Timings {
			if d := r.res.Latency.Of(stage); d > 0 {
				m.duration.WithLabelValues(name, stage).Observe(d.Seconds())
			}
		}
		m.cause.DeletePartialMatch(prometheus.Labels{"path": name}) // one series a path: the last cycle's
		m.cause.WithLabelValues(name, r.outcome, r.cause, r.side).Set(1)
	}
	m.up.Set(b2f(p.up))
	m.lastRun.Set(float64(at.UnixNano()) / 1e9)
	m.cycles.Inc()
}

// spent counts what a probe, a cycle's or a scrape's, spent and saw.
func (m *metrics) spent(p probed) {
	m.audio.Add(p.spent.AudioSeconds)
	m.tokens.Add(float64(p.spent.TokensMinted))
	m.sessions.Add(float64(p.spent.Sessions))
	for _, r := range p.runs {
		if r.res.Outcome == probes.OutcomeAuthError {
			m.authErrors.WithLabelValues(r.path.Name).Inc()
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
