// Package clientcheck grades recorded client connections (wire logs, see
// package wirelog) with the CLIENT-* rules: each connection on its own (the
// upgrade request, every frame the client sent, how it ended), and the
// connections of one run together (a token presented twice, a retry of what
// was refused, a burst of reconnects). It then names causes the way the
// doctor does — "this app presented one token on 40 sockets in 2 s: it
// reconnects with a spent token after each close" — each with its fix.
//
// Every rule's level follows the evidence in docs/protocol.md: MUST for a
// documented fact, SHOULD for an observed one (or a documented
// recommendation), INFO for an unconfirmed one. A MUST rule broken is FAILED,
// a SHOULD rule NON-STRICT, an INFO rule (and drift: a query key scribecheck
// does not know) INFORMATIONAL; a rule that did not apply is N/A.
//
// The grader reads only what the log shows: audio time comes from byte
// counts, times from the log's records, and which credentials were the same
// from wirelog's salted ids, never from the secrets themselves.
package clientcheck
