package monitor

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/scribecheck/scribecheck/probes"
)

// Handler serves /metrics (the cycles' state, in the Prometheus text
// format), /probe (a probe run for the scrape that asks, as
// blackbox_exporter's /probe), /healthz and an index at /.
func (mon *Monitor) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(mon.m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /probe", mon.serveProbe)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "scribecheck monitor of %s\n/metrics  the last cycle's state and what was spent\n/probe?path=NAME  probe now (paths: %s; none: all)\n/healthz\n",
			mon.o.Target.Name, strings.Join(mon.pathNames(), ", "))
	})
	return mux
}

// serveProbe probes for the scrape that asks: ?path= one of the monitored
// paths (all of them when absent). ?target= may only name the monitor's own
// target: the key goes to no host a scrape request names.
func (mon *Monitor) serveProbe(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if t := q.Get("target"); t != "" && t != mon.o.Target.Name && t != mon.o.Target.BaseURL {
		http.Error(w, fmt.Sprintf("this exporter probes only its --target %s: it sends its API key to no host a scrape names", mon.o.Target.BaseURL), http.StatusBadRequest)
		return
	}
	paths := mon.o.Paths
	if name := q.Get("path"); name != "" {
		paths = nil
		for _, p := range mon.o.Paths {
			if p.Name == name {
				paths = []probes.AuthPath{p}
			}
		}
		if paths == nil {
			http.Error(w, fmt.Sprintf("no path %q here; choose one of %s", name, strings.Join(mon.pathNames(), ", ")), http.StatusBadRequest)
			return
		}
	}

	reg := prometheus.NewRegistry()
	exhausted := prometheus.NewGauge(prometheus.GaugeOpts{Name: "scribecheck_budget_exhausted",
		Help: "1 when this scrape probed nothing: the probe could pass the daily audio budget."})
	reg.MustRegister(exhausted)
	serve := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	mon.probing.Lock()
	defer mon.probing.Unlock()
	if !mon.reserve(mon.maxAudio(len(paths))) {
		exhausted.Set(1)
		serve.ServeHTTP(w, r)
		return
	}
	p := mon.probe(r.Context(), paths)
	mon.logf("probe (scrape): %s", p.line(mon.todayLine()))

	success := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "scribecheck_probe_success",
		Help: "1 when the auth path did what the documented server does, else 0."}, []string{"path"})
	stage := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "scribecheck_probe_stage_seconds",
		Help: "Time to each stage the path reached in this probe: upgrade, session_started, first_partial, commit."}, []string{"path", "stage"})
	cause := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "scribecheck_probe_cause_info",
		Help: "What the path came to: its outcome and, when not as the documented server has it, the doctor's cause (authcause key) and side."},
		[]string{"path", "outcome", "cause", "side"})
	up := prometheus.NewGauge(prometheus.GaugeOpts{Name: "scribecheck_target_up", Help: "1 when some path got an HTTP answer from the target."})
	reg.MustRegister(success, stage, cause, up)
	for _, run := range p.runs {
		success.WithLabelValues(run.path.Name).Set(b2f(run.ok))
		for _, st := range probes.Timings {
			if d := run.res.Latency.Of(st); d > 0 {
				stage.WithLabelValues(run.path.Name, st).Set(d.Seconds())
			}
		}
		cause.WithLabelValues(run.path.Name, run.outcome, run.cause, run.side).Set(1)
	}
	up.Set(b2f(p.up))
	serve.ServeHTTP(w, r)
}

func (mon *Monitor) pathNames() []string {
	var names []string
	for _, p := range mon.o.Paths {
		names = append(names, p.Name)
	}
	return names
}
