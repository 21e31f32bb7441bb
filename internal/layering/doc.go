// Package layering holds no code: its test keeps the layers of
// docs/architecture.md's layers true. Each package sits in one layer and
// imports only from the layers its own may use; a new package fails the test
// until it is given a layer.
package layering
