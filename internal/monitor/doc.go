// Package monitor is `scribecheck monitor`: a long-running Prometheus
// exporter of the realtime socket's auth paths, in the manner of
// blackbox_exporter. Every interval it probes a few named paths (Paths)
// with the doctor's probes — a short burst of speech and one commit on the
// paths that open a session — and serves what they came to on /metrics;
// /probe runs them when Prometheus scrapes it instead, so Prometheus can own
// the schedule.
//
// What a path "should do" is the documented server's answer
// (authcause.AsExpected: a session, or a refusal), and the cause of one that
// does not is authcause's, as the doctor names it, by its bounded Key. The
// monitor spends real audio on a live target: it holds a budget per UTC day
// and stops probing when the next cycle could pass it. No key or token is
// in a metric, a label, a log line or an error: every line is redacted by a
// secrets.Redactor that knows the key and the cycle's tokens.
package monitor
