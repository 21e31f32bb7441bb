package secrets

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// token is the n-th made-up single-use token, the shape a load run mints.
func token(n int) string { return fmt.Sprintf("sutkn_%032x", n*2654435761) }

// A load run mints a token (Add) and then writes about it (Redact) before
// the next: the redactor must not rebuild everything it knows each time.
func BenchmarkAddRedactInterleaved2000(b *testing.B) {
	for range b.N {
		r := New()
		for i := range 2000 {
			tok := token(i)
			r.Add(tok)
			_ = r.Redact("minted " + tok + " for session " + fmt.Sprint(i))
		}
	}
}

// Redacting a report's worth of text that holds no secret, with many known.
func BenchmarkRedact1MBKnown5000(b *testing.B) {
	r := New()
	for i := range 5000 {
		r.Add(token(i))
	}
	text := strings.Repeat(`{"message_type":"partial_transcript","text":"so the results were such"}`+"\n", 1<<20/70)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for range b.N {
		_ = r.Redact(text)
	}
}

// `load --auth token` registers every token it minted, then scans its
// reports for all of them.
func BenchmarkCheckNoLeaks5000Tokens1MB(b *testing.B) {
	r := New()
	for i := range 5000 {
		r.Add(token(i))
	}
	dir := b.TempDir()
	text := strings.Repeat(`{"session":12,"text":"so the results were such","token":"sutkn_…ab12"}`+"\n", 1<<20/72)
	if err := os.WriteFile(filepath.Join(dir, "report.jsonl"), []byte(text), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if err := CheckNoLeaks([]string{dir}, r); err != nil {
			b.Fatal(err)
		}
	}
}
