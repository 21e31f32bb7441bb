// Package servercheck grades what a Scribe server sent, on any recorded
// traffic: every frame against the schemas of its message type, and every
// session against the rules of multiplicity and order (MULTI-*). The suites
// apply the same rules to the sessions their probes open; the proxy and a
// browser's HAR apply them to a real app's sessions with the live server,
// without any probe of ours.
package servercheck
