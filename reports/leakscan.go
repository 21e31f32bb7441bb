package reports

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Leak is a secret found in a file.
type Leak struct {
	File        string
	Fingerprint string
	Form        string // raw, url, base64
}

func (l Leak) String() string {
	return fmt.Sprintf("%s holds the secret %s (%s form)", l.File, l.Fingerprint, l.Form)
}

// ScanFiles looks for every secret, in every encoded form, in each file and
// in every file under each directory.
func ScanFiles(paths []string, secrets []string) ([]Leak, error) {
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
			leaks = append(leaks, ScanText(p, string(b), secrets)...)
			return nil
		})
		if err != nil {
			return leaks, fmt.Errorf("leak scan: %w", err)
		}
	}
	return leaks, nil
}

// ScanText looks for every secret in text; name labels the leaks.
func ScanText(name, text string, secrets []string) []Leak {
	var leaks []Leak
	for _, s := range secrets {
		if len(s) < MinSecretLength {
			continue
		}
		for i, form := range EncodedForms(s) {
			if strings.Contains(text, form) {
				kind := "raw"
				switch {
				case i > 0 && strings.Contains(form, "%"):
					kind = "url"
				case i > 0:
					kind = "base64"
				}
				leaks = append(leaks, Leak{File: name, Fingerprint: Fingerprint(s), Form: kind})
				break
			}
		}
	}
	return leaks
}

// CheckNoLeaks scans files for every secret red knows and returns an error
// listing each leak (by fingerprint) when there is one.
func CheckNoLeaks(files []string, red *Redactor) error {
	leaks, err := ScanFiles(files, red.Secrets())
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
