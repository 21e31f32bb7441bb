// Package probes is the client side of scribecheck: it mints tokens, dials a
// target's realtime socket with one named auth path, streams audio, and
// records a timeline of everything that happened (upgrade, every frame raw and
// parsed, the close, timings from dial).
//
// One reader goroutine per connection feeds the timeline; callers wait on it
// with a context, so a probe never hangs and never panics on what a server
// sends. probes never imports the fake server: the two meet only through
// package protocol.
package probes
