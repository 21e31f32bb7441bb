package wirelog_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/scribecheck/scribecheck/internal/wirelog"
)

// bigHAR is a HAR made as it is read: a head, copies of one filler entry
// and a tail, so a test can import hundreds of MiB without holding them.
type bigHAR struct {
	parts []harPart
	size  int64
}

// harPart is b, n times over.
type harPart struct {
	b []byte
	n int64
}

func (h *bigHAR) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		o := off + int64(n)
		if o >= h.size {
			return n, io.EOF
		}
		base := int64(0)
		for _, pt := range h.parts {
			if l := int64(len(pt.b)) * pt.n; o < base+l {
				n += copy(p[n:], pt.b[(o-base)%int64(len(pt.b)):])
				break
			} else {
				base += l
			}
		}
	}
	return n, nil
}

// newBigHAR is a HAR of the scribe entries followed by n copies of filler
// (as a browser writes them: one line each); it reads and seeks as a file.
func newBigHAR(t testing.TB, scribe []map[string]any, filler map[string]any, n int64) *io.SectionReader {
	t.Helper()
	var head strings.Builder
	head.WriteString(`{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"pages":[],"entries":[`)
	for i, e := range scribe {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			head.WriteString(",\n")
		}
		head.Write(b)
	}
	fb, err := json.Marshal(filler)
	if err != nil {
		t.Fatal(err)
	}
	h := &bigHAR{parts: []harPart{{[]byte(head.String()), 1}, {append([]byte(",\n"), fb...), n}, {[]byte("]}}\n"), 1}}}
	for _, p := range h.parts {
		h.size += int64(len(p.b)) * p.n
	}
	return io.NewSectionReader(h, 0, h.size)
}

// scribeSession is a token mint and a socket with msgs chunks of 100 ms of
// 16 kHz audio.
func scribeSession(t0 time.Time, msgs int) []map[string]any {
	mint := withBody(harEntry(t0, "POST", "https://api.elevenlabs.io/v1/single-use-token/realtime_scribe", "fetch", 200, "xi-api-key", harKey),
		"application/json", `{"token":"`+harToken1+`"}`, false)
	sock := harEntry(t0.Add(time.Second), "GET", harRealURL+"&token="+harToken1, "websocket", 101)
	audio := base64.StdEncoding.EncodeToString(make([]byte, 3200))
	ms := []map[string]any{wsMsg("receive", t0.Add(1100*time.Millisecond), 1, `{"message_type":"session_started","session_id":"s1"}`)}
	for i := range msgs {
		ms = append(ms, wsMsg("send", t0.Add(1200*time.Millisecond+time.Duration(i)*100*time.Millisecond), 1,
			`{"message_type":"input_audio_chunk","audio_base_64":"`+audio+`","commit":false,"sample_rate":16000}`))
	}
	return []map[string]any{mint, withMessages(sock, ms...)}
}

// script is an entry ImportHAR skips: a page's script of size bytes.
func script(t0 time.Time, size int) map[string]any {
	return withBody(harEntry(t0, "GET", "https://cdn.example/app.js", "script", 200, "Cookie", harCookie),
		"application/javascript", strings.Repeat("x", size), false)
}

// peakHeap runs f and returns the most heap (live objects and garbage not
// yet swept) it held above what was held before, sampled every 500 µs.
func peakHeap(f func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	peak := base
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(500 * time.Microsecond)
		defer tick.Stop()
		for {
			peak = max(peak, read())
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(stop)
	wg.Wait()
	return max(peak, read()) - base
}

func importBig(t testing.TB, har io.Reader) wirelog.HARSummary {
	t.Helper()
	dir, sum, err := importHAR(t, har)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, s := range []string{harKey, harToken1, "canary-cookie-value"} {
			if strings.Contains(string(b), s) {
				t.Fatalf("%s holds %q", filepath.Base(f), s)
			}
		}
	}
	return sum
}

// BenchmarkImportHARLarge imports a 200 MiB HAR (a 5-minute session and
// 2,900 scripts of 64 KiB) and reports the most heap it held.
//
//	go test -run '^$' -bench ImportHARLarge -benchtime 1x ./internal/wirelog
func BenchmarkImportHARLarge(b *testing.B) {
	t0 := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	har := newBigHAR(b, scribeSession(t0, 3000), script(t0, 64<<10), 2900)
	var peak uint64
	for b.Loop() {
		_, _ = har.Seek(0, io.SeekStart)
		peak = max(peak, peakHeap(func() { importBig(b, har) }))
	}
	b.ReportMetric(float64(har.Size())/(1<<20), "har-MiB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// The import holds one entry at a time: a HAR of many entries takes a heap
// bounded by its largest entry, not by the file. Not parallel: the heap it
// weighs is the process's, and the parallel tests run only once it has ended.
// Without the race detector only: it weighs the heap users run with (the
// detector empties sync.Pools at random), and took 2 s of CPU under it
// (0.17 s without), before any other test of the package could start.
func TestImportHARHoldsOneEntryAtATime(t *testing.T) {
	testkit.SkipUnderRace(t, "weighs the heap, 24 MiB decoded")
	t0 := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	har := newBigHAR(t, scribeSession(t0, 50), script(t0, 64<<10), 380) // 24 MiB
	var sum wirelog.HARSummary
	peak := peakHeap(func() { sum = importBig(t, har) })
	t.Logf("%d MiB HAR, peak heap %.1f MiB", har.Size()>>20, float64(peak)/(1<<20))
	if sum.Entries != 382 || sum.Skipped != 380 || sum.Sockets != 1 || sum.Frames != 51 || sum.Exchanges != 1 {
		t.Errorf("summary %+v", sum)
	}
	if peak > 12<<20 {
		t.Errorf("importing a %d MiB HAR whose entries are under 1 MiB held %d MiB of heap: it must hold one entry at a time", har.Size()>>20, peak>>20)
	}
}

// A HAR over the 256 MiB the import once refused is read. It takes 20 s
// under the race detector (1.5 s without), so it runs without it only.
func TestImportHARReadsAnySize(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: decodes 266 MiB")
	}
	testkit.SkipUnderRace(t, "decodes 266 MiB")
	t0 := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	har := newBigHAR(t, scribeSession(t0, 50), script(t0, 64<<10), 4200)
	if sum := importBig(t, har); sum.Entries != 4202 || sum.Sockets != 1 || sum.Frames != 51 {
		t.Errorf("%d MiB HAR: summary %+v", har.Size()>>20, sum)
	}
}

// One entry is bounded (it is decoded whole): a larger one is refused by
// its index with what to export instead, and nothing is written; one within
// the bound is read. So is any other value of the file.
func TestImportHARBoundsAnEntry(t *testing.T) {
	// Not parallel: it sets the package's limits, which every import reads.
	defer wirelog.SetHARLimits(1<<20, 256<<20)()
	t0 := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	for _, tc := range []struct {
		name string
		har  io.Reader
		want string
	}{
		{"a long session", newBigHAR(t, scribeSession(t0, 300), script(t0, 1000), 3),
			"HAR entry 1: larger than 1 MiB: an entry is read whole, in memory; export a HAR with less in it"},
		{"a big script", newBigHAR(t, scribeSession(t0, 10), script(t0, 1100<<10), 3),
			"HAR entry 2: larger than 1 MiB"},
		{"a big page title", strings.NewReader(`{"log":{"pages":[{"title":"` + strings.Repeat("x", 2<<20) + `"}],"entries":[]}}`),
			"HAR: a value outside log.entries is larger than 1 MiB"},
		{"within the bound", newBigHAR(t, scribeSession(t0, 200), script(t0, 1000<<10), 3), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, sum, err := importHAR(t, tc.har)
			if tc.want == "" {
				if err != nil || sum.Sockets != 1 || sum.Frames != 201 {
					t.Fatalf("an entry within the bound: %+v, %v", sum, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v; want %q", err, tc.want)
			}
			if files, _ := os.ReadDir(dir); len(files) != 0 {
				t.Errorf("a refused HAR wrote %d files", len(files))
			}
		})
	}
}

// A HAR from a reader that cannot seek (a pipe) is read into memory and
// imported the same; one over the bound for pipes is refused, saying to give
// the file.
func TestImportHARFromAPipe(t *testing.T) {
	// Not parallel: it sets the package's limits, which every import reads.
	t0 := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	har := newBigHAR(t, scribeSession(t0, 20), script(t0, 1000), 3)
	pipe := struct{ io.Reader }{har}
	if sum := importBig(t, pipe); sum.Entries != 5 || sum.Sockets != 1 || sum.Frames != 21 || sum.Exchanges != 1 {
		t.Errorf("summary %+v", sum)
	}

	defer wirelog.SetHARLimits(256<<20, 1<<20)()
	big := struct{ io.Reader }{newBigHAR(t, scribeSession(t0, 300), script(t0, 1000), 3)} // 1.3 MiB
	set, err := wirelog.NewSet(t.TempDir(), secrets.New())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wirelog.ImportHAR(big, set); err == nil || !strings.Contains(err.Error(), "larger than 1 MiB from a pipe") ||
		!strings.Contains(err.Error(), "give the .har file's path instead") {
		t.Errorf("a big HAR from a pipe: %v", err)
	}
}

// changingFile is a file whose bytes are replaced by next once it is read
// from the start again: a HAR rewritten between the import's two passes.
type changingFile struct {
	*bytes.Reader
	next []byte
}

func (f *changingFile) Seek(off int64, whence int) (int64, error) {
	if pos, _ := f.Reader.Seek(0, io.SeekCurrent); pos > 0 && f.next != nil {
		f.Reader, f.next = bytes.NewReader(f.next), nil
	}
	return f.Reader.Seek(off, whence)
}

// A HAR that changes between the two passes is an error that says so,
// never a log of something else.
func TestImportHARFileChangedBetweenPasses(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	var h harFile
	h.add(withMessages(harEntry(t0, "GET", harRealURL+"&token="+harToken1, "websocket", 101),
		wsMsg("receive", t0.Add(time.Second), 1, `{"message_type":"session_started"}`)))
	before := h.bytes(t)
	after := bytes.ReplaceAll(bytes.ReplaceAll(before, []byte("speech-to-text"), []byte("speech-to-texx")), []byte("message_type"), []byte("message_typf"))
	set, err := wirelog.NewSet(t.TempDir(), secrets.New())
	if err != nil {
		t.Fatal(err)
	}
	_, err = wirelog.ImportHAR(&changingFile{bytes.NewReader(before), after}, set)
	if err == nil || !strings.Contains(err.Error(), "HAR entry 0: the file changed while it was read") {
		t.Errorf("got %v", err)
	}
}
