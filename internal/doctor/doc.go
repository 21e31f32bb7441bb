// Package doctor answers the user's question, "why does my token get
// auth_error?": it runs the auth paths as a matrix against a target, compares
// their outcomes, and names the cause with a fix and the evidence behind it,
// ranked as docs/protocol.md §3 ranks the known causes. It also lints a URL the
// user's code builds, offline.
package doctor
