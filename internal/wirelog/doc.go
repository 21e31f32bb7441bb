// Package wirelog owns the one format in which scribecheck records a
// connection: JSON lines, one record per line, in the order things happened.
//
//	{"kind":"request", ...}   the upgrade request: method, path, query, headers
//	{"kind":"response", ...}  the HTTP answer to it (101 when upgraded; else with the body the server sent)
//	{"kind":"frame", ...}     a data frame, with its direction and its time from the request
//	{"kind":"close", ...}     who ended the connection (client, server, or a cut), code, reason
//
// A REST exchange beside the sockets (a token being minted) is one
// {"kind":"exchange"} record in exchanges.jsonl.
//
// Secrets are redacted by value as they are written: the writer learns every
// value it sees in a credential position (the token query, the xi-api-key
// header, a minted token in a response body, a credential in a client's
// frame: FrameSecrets) and replaces it everywhere with its fingerprint. What redaction would hide but a grader needs — which
// credentials were the same, and what shape each had — is kept as a salted
// id and a shape.
//
// Each record is one write to an unbuffered file, so whatever was received
// before a crash or a cut is on disk; the reader tolerates a torn last line.
// The fake writes this format, the client grader reads it, and a recording
// proxy writes it too. A frame record is read through Record.Payload, which
// inverts the rule Conn.Frame writes by (a text frame that is not UTF-8 is
// kept as base64 yet is no binary frame).
package wirelog
