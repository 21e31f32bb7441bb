package replay

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// Recording is what Load read: the realtime connections to replay, in the
// order they were recorded, and the token requests beside them.
type Recording struct {
	// Source is the path Load was given.
	Source string
	// Conns are the connections on the realtime path, in order.
	Conns []*wirelog.Log
	// Mints are the recorded token requests (POST /v1/single-use-token/…), in
	// order.
	Mints []wirelog.Record
	// Skipped names the logs Load left out, with why (another path).
	Skipped []string
	// Notes say where the recording itself falls short (a clipped frame).
	Notes []string
}

// Load reads a wire-log folder (conn-*.jsonl and exchanges.jsonl), one
// conn-NNNN.jsonl, or a browser's HAR file (read as wire logs by
// wirelog.ImportHAR). One file is replayed with the token requests of its folder
// that minted a token it uses (matched by the recording's credential ids).
// Every error says what is wrong with the path.
func Load(path string) (*Recording, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("cannot replay %s: no such file or folder (give a wire-log folder with conn-*.jsonl, or one conn-NNNN.jsonl)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot replay %s: %w", path, err)
	}
	if !fi.IsDir() && strings.EqualFold(filepath.Ext(path), ".har") {
		return loadHAR(path)
	}
	rec := &Recording{Source: path}
	var logs []*wirelog.Log
	if fi.IsDir() {
		var ex []wirelog.Record
		logs, ex, err = wirelog.ReadDir(path)
		if err != nil {
			return nil, fmt.Errorf("cannot replay %s: %w", path, err)
		}
		if len(logs) == 0 {
			return nil, fmt.Errorf("cannot replay %s: the folder has no connection logs (conn-*.jsonl): not a wire-log folder, or nothing was recorded", path)
		}
		rec.Mints = mintsOf(ex)
	} else {
		if filepath.Base(path) == "exchanges.jsonl" {
			return nil, fmt.Errorf("cannot replay %s: it holds only the REST exchanges; give its folder to replay the connections", path)
		}
		if fi.Size() == 0 {
			return nil, fmt.Errorf("cannot replay %s: the file is empty: not a wire log of a connection", path)
		}
		l, err := wirelog.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("cannot replay %s: %w", path, err)
		}
		logs = []*wirelog.Log{l}
		rec.Mints = mintsUsedBy(l, mintsOf(siblingExchanges(path)))
	}
	for _, l := range logs {
		if l.ID == "" {
			l.ID = strings.TrimSuffix(filepath.Base(l.File), ".jsonl")
		}
		if !isRealtimePath(l.Request.Path) {
			rec.Skipped = append(rec.Skipped, fmt.Sprintf("%s: path %s is not the realtime socket", filepath.Base(l.File), l.Request.Path))
			continue
		}
		rec.Conns = append(rec.Conns, l)
	}
	if len(rec.Conns) == 0 {
		return nil, fmt.Errorf("cannot replay %s: it has no connection on the realtime path (%s): nothing to replay", path, protocol.RealtimePath)
	}
	upgraded := false
	var answers []string
	for _, l := range rec.Conns {
		upgraded = upgraded || l.Upgraded()
		switch {
		case l.Response == nil:
			answers = append(answers, l.ID+" has no answer recorded")
		default:
			answers = append(answers, fmt.Sprintf("%s answered %d%s", l.ID, l.Response.Status, bodyStatus(l.Response.Body)))
		}
	}
	if !upgraded {
		return nil, fmt.Errorf("cannot replay %s: it has no connection that upgraded: nothing to replay (%s)", path, strings.Join(answers, "; "))
	}
	for _, l := range rec.Conns {
		if r := l.Response; r != nil && r.Clipped {
			rec.Notes = append(rec.Notes, fmt.Sprintf("%s: the recording kept only the first %d bytes of the body of its HTTP %d; the replay sends those", l.ID, len(r.Body), r.Status))
		}
		for i, f := range l.Frames {
			// Every frame is sent or compared: a damaged one is refused
			// here, not blamed on the client halfway through.
			p, err := f.Payload()
			if err != nil {
				return nil, fmt.Errorf("cannot replay %s: %s frame %d: %w", path, l.ID, i+1, err)
			}
			if p.Clipped && f.Dir == wirelog.FromServer {
				rec.Notes = append(rec.Notes, fmt.Sprintf("%s frame %d: the recording kept only the first %d of its %d bytes; the replay sends those", l.ID, i+1, len(p.Data), p.Len))
			}
		}
	}
	return rec, nil
}

// bodyStatus names the error status of a refusal's body (" invalid_api_key"),
// or "" when it has none (a recording from before bodies were kept).
func bodyStatus(body string) string {
	if st := protocol.ErrorStatus(body); st != "" {
		return " " + st
	}
	return ""
}

// isRealtimePath is the realtime socket's path, or the beta path old clients
// still use.
func isRealtimePath(p string) bool {
	p = strings.TrimSuffix(p, "/")
	return p == protocol.RealtimePath || p == protocol.OldRealtimePath
}

func mintsOf(ex []wirelog.Record) []wirelog.Record {
	var out []wirelog.Record
	for _, e := range ex {
		if (e.Method == "" || e.Method == "POST") && strings.HasPrefix(e.Path, protocol.SingleUseTokenPath) || handedOutByBackend(e) {
			out = append(out, e)
		}
	}
	return out
}

// handedOutByBackend: an app's own endpoint that handed the browser a token
// (a HAR records that, not the backend's mint). The backend, pointed at the
// replay, mints in its place.
func handedOutByBackend(e wirelog.Record) bool {
	if strings.Contains(e.Path, protocol.SingleUseTokenPath) {
		return false
	}
	for _, c := range e.Credentials {
		if c.Where == wirelog.WhereBodyToken {
			return true
		}
	}
	return false
}

// siblingExchanges reads exchanges.jsonl beside a connection log; a missing or
// damaged file means no token requests (the connection still replays).
func siblingExchanges(connPath string) []wirelog.Record {
	f, err := os.Open(filepath.Join(filepath.Dir(connPath), "exchanges.jsonl"))
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []wirelog.Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 8<<20)
	for sc.Scan() {
		var r wirelog.Record
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Kind == wirelog.KindExchange {
			out = append(out, r)
		}
	}
	return out
}

// mintsUsedBy keeps the token requests whose minted token l presents.
func mintsUsedBy(l *wirelog.Log, mints []wirelog.Record) []wirelog.Record {
	used := map[string]bool{}
	for _, c := range l.Request.Credentials {
		if c.ID != "" {
			used[c.ID] = true
		}
	}
	var out []wirelog.Record
	for _, m := range mints {
		for _, c := range m.Credentials {
			if c.Where == wirelog.WhereBodyToken && used[c.ID] {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// loadHAR reads a HAR through a temporary wire-log folder: the logs are read
// into memory, so the folder goes at once.
func loadHAR(path string) (*Recording, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot replay %s: %w", path, err)
	}
	defer f.Close()
	dir, err := os.MkdirTemp("", "scribecheck-replay-har-")
	if err != nil {
		return nil, fmt.Errorf("cannot replay %s: %w", path, err)
	}
	defer os.RemoveAll(dir)
	set, err := wirelog.NewSet(dir, secrets.New())
	if err != nil {
		return nil, fmt.Errorf("cannot replay %s: %w", path, err)
	}
	_, err = wirelog.ImportHAR(f, set)
	if cerr := set.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("cannot replay %s: %w", path, err)
	}
	rec, err := Load(dir)
	if err != nil {
		return nil, err
	}
	rec.Source = path
	return rec, nil
}
