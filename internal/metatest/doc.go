// Package metatest holds the meta-test: every check of the catalog is shown
// able to fail. For each fault of the fake (fakeserver.Faults) it runs the
// built scribecheck against the in-process fake with that fault switched on,
// once per fault as its own process (Ginkgo runs a suite once per process),
// and asserts that exactly the specs in the fault's set fail or turn
// NON-STRICT (meta_test.go's faultCatches), and that every MUST and SHOULD
// spec is in some fault's set. A new spec or fault is entered in that table.
//
// It has no code but its tests; it is a package of its own so that the
// command's tests (cmd/scribecheck) do not wait for its ~75 catalog runs.
package metatest
