// Package reports writes what a run found: JUnit XML (Ginkgo's, redacted, and
// the auth matrix with one <testsuite> per auth path), the console matrix,
// and it keeps secrets out of all of them: a Redactor that knows every secret
// by value, and a leak scan over every file a run wrote.
package reports
