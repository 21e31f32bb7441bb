// Package text holds the small text helpers every output of scribecheck
// shares, so a line is clipped and a count is worded one way everywhere.
package text

import (
	"fmt"
	"strings"
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
