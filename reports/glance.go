package reports

import (
	"html/template"
	"strings"
)

// What an auth matrix shows at a glance, the same way on the run's page
// and the doctor's: a column only when a row has something in it, and a
// text that many rows share (the same auth_error under every refused path)
// once, in a note under the table, each row showing its first word and the
// note's mark.

// noted is a cell's text, or, when many rows share it, its first word and
// the mark of the note that holds it.
type noted struct {
	Text, Mark string
}

// note is a text many rows share, shown once under its table.
type note struct {
	Mark, Text string
}

// notes hands out a table's marks (a, b, …) and keeps its notes, each text
// once.
type notes struct {
	list []note
	mark map[string]string
}

// cells notes each text that more than one of texts holds and returns every
// text as a cell: whole when no other row has it, else its first word and
// its note's mark. Empty texts stay empty.
func (n *notes) cells(texts []string) []noted {
	seen := map[string]int{}
	for _, t := range texts {
		if t != "" {
			seen[t]++
		}
	}
	out := make([]noted, len(texts))
	for i, t := range texts {
		if seen[t] < 2 {
			out[i] = noted{Text: t}
			continue
		}
		word, _, _ := strings.Cut(t, " ")
		out[i] = noted{Text: word, Mark: n.markOf(t)}
	}
	return out
}

// markOf is the mark of text's note, added when new.
func (n *notes) markOf(text string) string {
	if m, ok := n.mark[text]; ok {
		return m
	}
	if n.mark == nil {
		n.mark = map[string]string{}
	}
	m := string(rune('a' + len(n.list)%26))
	if len(n.list) >= 26 {
		m += string(rune('a' + len(n.list)/26 - 1))
	}
	n.mark[text] = m
	n.list = append(n.list, note{Mark: m, Text: text})
	return m
}

// shownStages are the stages of Stages a matrix has a column for: the first
// (the upgrade) and the last (the transcript), and between them each stage
// where some path stopped (failed or was refused there). A stage every path
// passed or never reached says nothing its neighbours do not.
func shownStages(rows []map[string]string) []string {
	var out []string
	for i, s := range Stages {
		stopped := false
		for _, cells := range rows {
			switch cells[s] {
			case StageFailed, StageRefused, StageRefusedAsExpected:
				stopped = true
			}
		}
		if stopped || i == 0 || i == len(Stages)-1 {
			out = append(out, s)
		}
	}
	return out
}

// stageClass is a stage cell's CSS class: ok green, failed red, refused
// blue, skipped grey, not reached faint.
func stageClass(cell string) string {
	switch cell {
	case StageOK:
		return "st-ok"
	case StageFailed:
		return "st-bad"
	case StageRefusedAsExpected, StageRefused:
		return "st-refused"
	case StageSkipped:
		return "st-skip"
	}
	return "st-none"
}

// stageStyle colours stage cells, on every page with a matrix.
const stageStyle template.CSS = `td.st-ok { background: #d9f2df; } td.st-bad { background: #f9d6d3; font-weight: 600; } td.st-refused { background: #e3e7f6; }
td.st-skip { background: #eee; color: #666; } td.st-none { color: #aaa; }`
