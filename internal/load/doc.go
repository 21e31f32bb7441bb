// Package load drives many realtime sessions at once against a target (the
// fake, a URL, the live API) and records what they saw: counters, error
// frames and failures by kind, and latencies in HDR histograms. Results of
// several load processes merge exactly (Merge), so a fleet run by an outside
// engine (a Kubernetes indexed Job, a CI matrix) adds up to the same
// percentiles as one process would have recorded. The package never
// coordinates machines itself.
package load
