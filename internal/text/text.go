// Package text holds the small text helpers every output of scribecheck
// shares, so a line is clipped and a count is worded one way everywhere.
package text

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Clip shortens s to at most n runes, the last one "…" when it cut; it never
// splits a UTF-8 sequence, and invalid UTF-8 in s stays as it is.
func Clip(s string, n int) string {
	if n < 1 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// ClipLine is Clip of the first line of s, trimmed.
func ClipLine(s string, n int) string {
	return Clip(FirstLine(s), n)
}

// OneLine is s on one line, cut to n runes (Clip): control characters and
// invalid bytes become spaces, and each run of white space one space. For
// text from outside (a body, a panic value, a frame) quoted in a message.
func OneLine(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
	return Clip(strings.Join(strings.Fields(s), " "), n)
}

// FirstLine is the first line of s, trimmed.
func FirstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// Plural is "1 connection" or "3 connections": n and the word for it.
func Plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Seconds is a duration in seconds with two decimals: "0.40 s", "-1.25 s".
func Seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + " s"
}

// Clause makes a sentence a clause, for a list or a cause's fix: the first
// letter lower-cased and the final period dropped ("Use model_id=x." is
// "use model_id=x"). A sentence that starts with a name in capitals (API,
// HTTP) keeps it.
func Clause(s string) string {
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	if next, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(next) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}
