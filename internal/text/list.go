package text

import (
	"fmt"
	"strings"
)

// Few lists at most n items and counts the rest: "conn-0001, conn-0002,
// conn-0003 and 280 more". A message that names the connections of a storm
// stays one line; the full list belongs in data (a finding's Conns).
func Few(items []string, n int) string {
	if n < 1 {
		n = 1
	}
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}
