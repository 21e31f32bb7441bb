package verdict

// Confidence is how sure a diagnosis is of its cause (the doctor's findings,
// the causes of a refusal), after what it rests on.
type Confidence string

const (
	// Documented: the vendor's documentation says so.
	Documented Confidence = "documented"
	// Observed: this run or recording shows it.
	Observed Confidence = "observed"
	// Inferred: it follows from what was seen, the known causes ranked by
	// how often they happen.
	Inferred Confidence = "inferred"
)

// Valid reports whether c is one of the three confidences.
func (c Confidence) Valid() bool { return c == Documented || c == Observed || c == Inferred }
