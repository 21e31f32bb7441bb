package text

import (
	"fmt"
	"strings"
)

// Few lists at most n items and counts the rest: "conn-0001, conn-0002,
// conn-0003 and 280 more". A message that names the connections of a storm
// stays one line; the full list belongs in data (a finding's Conns).
func Few(items []string, n int) string {
	return few(items, n, ", ", func(k int) string { return fmt.Sprintf(" and %d more", k) })
}

// FewLines is Few for lines of evidence: at most n lines, then "… and K
// more" on a line of its own.
func FewLines(lines []string, n int) string {
	return few(lines, n, "\n", func(k int) string { return fmt.Sprintf("\n… and %d more", k) })
}

// FewClauses is Few for the clauses of a message, which hold commas: at
// most n, separated by "; ", then "; and K more" and what they are ("…; and
// 4 more tokens").
func FewClauses(clauses []string, n int, what string) string {
	return few(clauses, n, "; ", func(k int) string { return fmt.Sprintf("; and %d more %s", k, what) })
}

func few(items []string, n int, sep string, rest func(int) string) string {
	if n < 1 {
		n = 1
	}
	if len(items) <= n {
		return strings.Join(items, sep)
	}
	return strings.Join(items[:n], sep) + rest(len(items)-n)
}
