//go:build !unix

package sdks

// lock does not lock where flock(2) is missing (Windows): two installs into
// one folder at once are the user's to avoid there.
func lock(string, func()) (func(), error) { return func() {}, nil }
