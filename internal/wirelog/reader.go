package wirelog

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Log is one connection as read back.
type Log struct {
	ID       string
	File     string
	Request  Record
	Response *Record // nil: no answer was recorded (the recording stopped first)
	Frames   []Record
	Close    *Record // nil: the log ends without a close (a crash of the recorder)
	// Torn is set when the last line was cut off mid-write; the records
	// before it are complete.
	Torn bool
}

// Upgraded reports whether the connection became a WebSocket.
func (l *Log) Upgraded() bool { return l.Response != nil && l.Response.Status == 101 }

// Sent returns the frames in one direction.
func (l *Log) Sent(dir string) []Record {
	var out []Record
	for _, f := range l.Frames {
		if f.Dir == dir {
			out = append(out, f)
		}
	}
	return out
}

// Query returns every value of a query key, in order.
func (l *Log) Query(key string) []string {
	var out []string
	for _, p := range l.Request.Query {
		if p.Name == key {
			out = append(out, p.Value)
		}
	}
	return out
}

// ReadFile reads one connection's log. A torn last line is tolerated (Torn);
// a bad line anywhere else is an error naming the file and line.
func ReadFile(path string) (*Log, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	l := &Log{File: path}
	lines := bytes.Split(b, []byte("\n"))
	for i, line := range lines {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var rec Record
		if err := json.Unmarshal(line, &rec); err != nil {
			if i == len(lines)-1 { // no newline after it: the write was cut off
				l.Torn = true
				break
			}
			return nil, fmt.Errorf("%s:%d: not a wire-log record (%v): the file is damaged or not a wire log", path, i+1, err)
		}
		switch rec.Kind {
		case KindRequest:
			l.Request, l.ID = rec, rec.Conn
		case KindResponse:
			r := rec
			l.Response = &r
		case KindFrame:
			l.Frames = append(l.Frames, rec)
		case KindClose:
			c := rec
			l.Close = &c
		default:
			return nil, fmt.Errorf("%s:%d: unknown record kind %q", path, i+1, rec.Kind)
		}
	}
	if l.Request.Kind != KindRequest {
		return nil, fmt.Errorf("%s: no request record: not a wire log of a connection", path)
	}
	return l, nil
}

// ReadDir reads every connection log in dir (conn-*.jsonl, in the order the
// connections arrived) and the REST exchanges.
//
// The order is the number in the log's name, which Set.Open gives in the
// order the connections arrived: not the names' lexical order (conn-10000
// came after conn-2000), nor the request times, which a clock stepped back
// or of coarse resolution (a HAR's milliseconds) can tie or invert. A
// conn-*.jsonl without a number (written by hand) comes after the numbered
// ones, by its request time.
func ReadDir(dir string) ([]*Log, []Record, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "conn-*.jsonl"))
	if err != nil {
		return nil, nil, err
	}
	var logs []*Log
	for _, p := range paths {
		l, err := ReadFile(p)
		if err != nil {
			return nil, nil, err
		}
		logs = append(logs, l)
	}
	slices.SortStableFunc(logs, func(a, b *Log) int {
		na, oka := connNumber(a.File)
		nb, okb := connNumber(b.File)
		switch {
		case oka && okb:
			return cmp.Compare(na, nb)
		case oka != okb:
			if oka {
				return -1
			}
			return 1
		}
		return a.Request.At.Compare(b.Request.At)
	})
	ex, err := readExchanges(filepath.Join(dir, "exchanges.jsonl"))
	return logs, ex, err
}

// connNumber is the number in a connection log's name (conn-0042.jsonl:
// 42), if the name is conn-, digits, .jsonl.
func connNumber(path string) (int, bool) {
	digits, ok := strings.CutPrefix(strings.TrimSuffix(filepath.Base(path), ".jsonl"), "conn-")
	if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	return n, err == nil
}

func readExchanges(path string) ([]Record, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Record
	for i, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var rec Record
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Kind != KindExchange {
			if !strings.HasSuffix(string(b), "\n") && i == strings.Count(string(b), "\n") {
				break // torn last line
			}
			return nil, fmt.Errorf("%s:%d: not an exchange record", path, i+1)
		}
		out = append(out, rec)
	}
	return out, nil
}

// At is when a frame or close happened, from its log's request time.
func (l *Log) At(rec Record) time.Time {
	return l.Request.At.Add(time.Duration(rec.T * float64(time.Second)))
}
