// Package bench measures the fake: how many frames it ingests beside a bare
// WebSocket server that only reads them (the baseline), how many real-time
// sessions it holds with a fast commit answer, what a session costs in
// memory, and how long a whole fake-backed run takes. `make bench` prints
// the figures; nothing here asserts them, because a slow machine is not a bug.
//
// The servers run as separate processes (the scribecheck binary's `fake` and
// `bench sink`), so the memory and CPU read from /proc are the server's own
// and not the load generator's, which drives both with the same client
// (package load) in the same run.
package bench
