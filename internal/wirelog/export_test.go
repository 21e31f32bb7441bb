package wirelog

// SetHARLimits sets the largest entry, and the largest HAR from a pipe,
// ImportHAR reads, until restore is called.
func SetHARLimits(entry, piped int64) (restore func()) {
	oldEntry, oldPiped := maxHAREntry, maxPipedHAR
	maxHAREntry, maxPipedHAR = entry, piped
	return func() { maxHAREntry, maxPipedHAR = oldEntry, oldPiped }
}
