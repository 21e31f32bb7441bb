package replay_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/replay"
	"github.com/scribecheck/scribecheck/internal/wirelog"
)

// FuzzLoad loads a recording to replay: one connection log and the
// exchanges beside it, as a folder and as the single file. Every error
// starts "cannot replay PATH"; a recording it loads has a connection on the
// realtime path that upgraded, server frames that decode, and token requests
// that are exchanges of its folder (for the single file, a subset of the
// folder's). `make fuzz` runs it; found cases stay in testdata/fuzz/FuzzLoad/.
func FuzzLoad(f *testing.F) {
	lines := func(f *testing.F, recs []wirelog.Record) []byte {
		var b []byte
		for _, r := range recs {
			line, err := json.Marshal(r)
			if err != nil {
				f.Fatal(err)
			}
			b = append(append(b, line...), '\n')
		}
		return b
	}
	f.Add(lines(f, basicConn(1)), lines(f, []wirelog.Record{minted(1)}))
	bin := append(basicConn(1), binFrame(1.4, wirelog.FromServer, []byte{0, 1, 2}))
	f.Add(lines(f, bin), []byte{})
	f.Add(lines(f, basicConn(1)[:2]), []byte("GARBAGE\n"))
	refused := []wirelog.Record{request(1, q("token", recToken), tokenCred("t1")), response(0.01, 401)}
	f.Add(lines(f, refused), lines(f, []wirelog.Record{minted(1)}))
	f.Add([]byte(`{"kind":"request","path":"/v1/speech-to-text/realtime-beta/"}`+"\n"+`{"kind":"response","status":101}`+"\n"+
		`{"kind":"frame","dir":"server","binary":true,"data":"!!"}`+"\n"), []byte{})
	f.Fuzz(func(t *testing.T, conn, exchanges []byte) {
		dir := t.TempDir()
		file := filepath.Join(dir, "conn-0001.jsonl")
		if err := os.WriteFile(file, conn, 0o644); err != nil {
			t.Fatal(err)
		}
		if len(exchanges) > 0 {
			if err := os.WriteFile(filepath.Join(dir, "exchanges.jsonl"), exchanges, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		folder, ferr := replay.Load(dir)
		single, serr := replay.Load(file)
		for _, c := range []struct {
			path string
			rec  *replay.Recording
			err  error
		}{{dir, folder, ferr}, {file, single, serr}} {
			if c.err != nil {
				if !strings.HasPrefix(c.err.Error(), "cannot replay "+c.path) {
					t.Fatalf("error %q does not start with the path", c.err)
				}
				continue
			}
			checkRecording(t, c.rec)
		}
		if ferr == nil && serr == nil {
			for _, m := range single.Mints {
				if !containsRecord(folder.Mints, m) {
					t.Fatalf("the single file replays mint %+v, which its folder does not", m)
				}
			}
		}
	})
}

func checkRecording(t *testing.T, rec *replay.Recording) {
	upgraded := false
	for _, l := range rec.Conns {
		upgraded = upgraded || l.Upgraded()
		for _, fr := range l.Frames {
			if _, err := fr.Payload(); err != nil {
				t.Fatalf("loaded a frame that does not decode: %v", err)
			}
		}
	}
	if len(rec.Conns) == 0 || !upgraded {
		t.Fatalf("loaded %d connections, none upgraded", len(rec.Conns))
	}
	for _, m := range rec.Mints {
		if m.Kind != wirelog.KindExchange {
			t.Fatalf("a token request of kind %q", m.Kind)
		}
	}
}

func containsRecord(list []wirelog.Record, r wirelog.Record) bool {
	for _, x := range list {
		if x.At.Equal(r.At) && x.Path == r.Path && x.Body == r.Body && x.Status == r.Status {
			return true
		}
	}
	return false
}
