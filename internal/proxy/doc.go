// Package proxy sits between a user's app and a Scribe server (the live API,
// or any other): it forwards the token-minting REST call and the realtime
// WebSocket both ways, message for message, with the app's own credentials
// untouched, and writes every connection as a wire log (package wirelog) in
// the format the client mode writes, so the same graders read both.
//
// It never buffers a session: each side has one goroutine that reads one
// message, logs it, and writes it to the other side before it reads the
// next, so a slow side holds back the other (back-pressure) and every
// forwarded message is in the log before it is forwarded.
package proxy
