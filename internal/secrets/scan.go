package secrets

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Leak is a secret found in a file or an output.
type Leak struct {
	File        string
	Fingerprint string
	Form        string // the Form's name: raw, url, json, html, xml, base64
}

func (l Leak) String() string {
	return fmt.Sprintf("%s holds the secret %s (%s form)", l.File, l.Fingerprint, l.Form)
}

// ScanFiles looks for every secret, in every one of its Forms, in each file
// and in every file under each directory.
func ScanFiles(paths []string, secrets []string) ([]Leak, error) {
	return scanFiles(paths, newScanner(formsOf(secrets)))
}

func scanFiles(paths []string, sc *scanner) ([]Leak, error) {
	var leaks []Leak
	for _, root := range paths {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			leaks = append(leaks, sc.scan(p, string(b))...)
			return nil
		})
		if err != nil {
			return leaks, fmt.Errorf("leak scan: %w", err)
		}
	}
	return leaks, nil
}

// ScanText looks for every secret, in every one of its Forms, in text; name
// labels the leaks. One leak is reported per secret.
func ScanText(name, text string, secrets []string) []Leak {
	return newScanner(formsOf(secrets)).scan(name, text)
}

// secretForms is a secret with its forms, worked out once per scan.
type secretForms struct {
	fingerprint string
	forms       []Form
}

func formsOf(secrets []string) []secretForms {
	var out []secretForms
	for _, s := range secrets {
		if len(s) >= MinLength {
			out = append(out, secretForms{Fingerprint(s), Forms(s)})
		}
	}
	return out
}

// scanner looks for every form of some secrets in one pass over a text,
// whatever their number (a load run knows thousands of tokens).
type scanner struct {
	known []secretForms
	match matcher
}

func newScanner(known []secretForms) *scanner {
	sc := &scanner{known: known}
	for i, k := range known {
		for _, f := range k.forms {
			sc.match.add(f.Text, i)
		}
	}
	return sc
}

// scan reports each secret found in text once, by the first of its forms
// that is there. A clean text costs one pass; only a text that leaks is
// searched secret by secret, to name every secret in it.
func (sc *scanner) scan(name, text string) []Leak {
	if i, _ := sc.match.next(text, 0); i < 0 {
		return nil
	}
	var leaks []Leak
	for _, k := range sc.known {
		for _, f := range k.forms {
			if strings.Contains(text, f.Text) {
				leaks = append(leaks, Leak{File: name, Fingerprint: k.fingerprint, Form: f.Name})
				break
			}
		}
	}
	return leaks
}

// CheckNoLeaks scans files (and folders) for every secret red knows and
// returns an error listing each leak, by fingerprint, when there is one.
func CheckNoLeaks(files []string, red *Redactor) error {
	leaks, err := scanFiles(files, newScanner(red.known()))
	if err != nil {
		return err
	}
	if len(leaks) == 0 {
		return nil
	}
	lines := make([]string, len(leaks))
	for i, l := range leaks {
		lines[i] = l.String()
	}
	return fmt.Errorf("secret leak scan failed; do not publish these files:\n  %s", strings.Join(lines, "\n  "))
}
