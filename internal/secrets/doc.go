// Package secrets is scribecheck's one path for API keys and tokens: a
// Redactor that learns each secret the moment it exists and replaces it, by
// value and in every form it can take in an output, with a fingerprint
// (sk_…9f2c); Redacted, which copies a report's model with every string
// redacted, so a report is always redacted first and rendered after; and the
// leak scan, which looks for the same forms in every file written.
//
// Forms lists those forms: raw, URL-encoded as Go, Python and JavaScript's
// encodeURIComponent write it (and with the lower-case hex html/template
// writes), JSON-escaped as Go, JavaScript and
// Python write it, HTML- and XML-escaped as Go's escapers and every context
// of html/template write it, and base64.
package secrets
