// Package authcause is the one diagnosis of a credential the Scribe
// realtime socket refused, shared by the doctor (which probes a server) and
// the client grader (which reads a recording of an app): Classify says what
// a connection's credentials tell of the app (CLIENT-2 reads it, and so do
// the causes), and Diagnose puts a refusal on a side — the app's, the
// server's, or unknown — with its cause, its fix and how sure that is, from
// the evidence either of them can state. Both speak its words, so one
// refused credential never reads two ways in one report, nor differently in
// the doctor and the client grader.
//
// Its sentences are clauses in lower case without a final period ("the
// server refused a fresh token on its first use: …"); Sentence turns one
// into a sentence where a report wants sentences.
package authcause
