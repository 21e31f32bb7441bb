package protocol

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/tidwall/gjson"
)

// The JSON Schemas of every frame (docs/protocol.md §4–5), embedded in the binary.
//
//go:embed schemas/*.json
var schemaFS embed.FS

// SchemaFit is how a frame fits its schema. It is a fact about the frame,
// not a verdict: the checks that read it grade it at their own level.
type SchemaFit string

const (
	// SchemaValid: the frame has every documented field, of the documented
	// type, and nothing else.
	SchemaValid SchemaFit = "valid"
	// SchemaUndocumented: documented fields are right, but there are fields
	// (or a message type) no schema documents. Unconfirmed, not wrong.
	SchemaUndocumented SchemaFit = "undocumented fields"
	// SchemaInvalid: a documented field is missing or of the wrong type or value.
	SchemaInvalid SchemaFit = "invalid"
)

// SchemaResult is the grade of one frame.
type SchemaResult struct {
	Fit      SchemaFit
	Schema   string   // the schema file used, "" when none applies
	Problems []string // what is wrong or undocumented, one line each
}

func (r SchemaResult) String() string {
	if len(r.Problems) == 0 {
		return fmt.Sprintf("%s against %s", r.Fit, r.Schema)
	}
	return fmt.Sprintf("%s against %s: %s", r.Fit, r.Schema, strings.Join(r.Problems, "; "))
}

// Schemas validates frames. Each schema is compiled twice: as written, where
// undocumented fields are allowed, and strict, with additionalProperties false
// on every object; a frame that passes the first and fails the second is
// NON-STRICT.
type Schemas struct {
	lenient, strict map[string]*jsonschema.Schema
}

const schemaBase = "https://scribecheck.invalid/schemas/"

// LoadSchemas compiles the embedded schemas.
func LoadSchemas() (*Schemas, error) {
	files, err := fs.Glob(schemaFS, "schemas/*.json")
	if err != nil {
		return nil, err
	}
	s := &Schemas{lenient: map[string]*jsonschema.Schema{}, strict: map[string]*jsonschema.Schema{}}
	for _, variant := range []string{"lenient", "strict"} {
		c := jsonschema.NewCompiler()
		for _, f := range files {
			b, err := schemaFS.ReadFile(f)
			if err != nil {
				return nil, err
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				return nil, fmt.Errorf("schema %s: %w", f, err)
			}
			if variant == "strict" {
				closeObjects(doc)
			}
			if err := c.AddResource(schemaBase+variant+"/"+path.Base(f), doc); err != nil {
				return nil, fmt.Errorf("schema %s: %w", f, err)
			}
		}
		for _, f := range files {
			sch, err := c.Compile(schemaBase + variant + "/" + path.Base(f))
			if err != nil {
				return nil, fmt.Errorf("schema %s: %w", f, err)
			}
			if variant == "strict" {
				s.strict[path.Base(f)] = sch
			} else {
				s.lenient[path.Base(f)] = sch
			}
		}
	}
	return s, nil
}

// MustLoadSchemas is LoadSchemas for the embedded, tested schemas.
func MustLoadSchemas() *Schemas {
	s, err := LoadSchemas()
	if err != nil {
		panic("embedded schemas do not compile: " + err.Error())
	}
	return s
}

// closeObjects sets additionalProperties false on every object schema that
// lists its properties.
func closeObjects(v any) {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["properties"]; ok {
			if _, set := x["additionalProperties"]; !set {
				x["additionalProperties"] = false
			}
		}
		for _, child := range x {
			closeObjects(child)
		}
	case []any:
		for _, child := range x {
			closeObjects(child)
		}
	}
}

// SchemaFor names the schema of a server frame's message type, "" if none.
func SchemaFor(messageType string) string {
	switch {
	case IsError(messageType):
		return "error.json"
	case messageType == InputAudioChunk:
		return "input_audio_chunk.json"
	}
	name := messageType + ".json"
	if _, err := fs.Stat(schemaFS, "schemas/"+name); err != nil || messageType == "word" || messageType == "" {
		return ""
	}
	return name
}

// ValidateFrame grades a frame by its message_type. A frame that is not a
// JSON object with a message_type is INVALID; one whose type no schema
// documents is NON-STRICT.
func (s *Schemas) ValidateFrame(raw []byte) SchemaResult {
	if !gjson.ValidBytes(raw) || !gjson.ParseBytes(raw).IsObject() {
		return SchemaResult{Fit: SchemaInvalid, Problems: []string{"not a JSON object"}}
	}
	mt := gjson.GetBytes(raw, MessageTypeField)
	if mt.Type != gjson.String {
		return SchemaResult{Fit: SchemaInvalid, Problems: []string{"no string message_type"}}
	}
	name := SchemaFor(mt.Str)
	if name == "" {
		return SchemaResult{Fit: SchemaUndocumented, Problems: []string{fmt.Sprintf("message_type %q is in no schema", mt.Str)}}
	}
	return s.Validate(name, raw)
}

// Validate grades raw against the named schema (a file name such as word.json).
func (s *Schemas) Validate(name string, raw []byte) SchemaResult {
	res := SchemaResult{Fit: SchemaValid, Schema: name}
	lenient, ok := s.lenient[name]
	if !ok {
		return SchemaResult{Fit: SchemaInvalid, Schema: name, Problems: []string{"no schema " + name}}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return SchemaResult{Fit: SchemaInvalid, Schema: name, Problems: []string{"not JSON: " + err.Error()}}
	}
	if err := lenient.Validate(inst); err != nil {
		res.Fit, res.Problems = SchemaInvalid, leaves(err)
		return res
	}
	if err := s.strict[name].Validate(inst); err != nil {
		res.Fit, res.Problems = SchemaUndocumented, leaves(err)
	}
	return res
}

// leaves flattens a validation error to its innermost causes, one line each:
// "at /words/0/logprob: maximum: got 0.5, want 0".
func leaves(err error) []string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []string{err.Error()}
	}
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			msg := strings.TrimSpace(e.Error())
			if i := strings.LastIndex(msg, "\n"); i >= 0 {
				msg = msg[i+1:]
			}
			msg = locationPrefix.ReplaceAllString(strings.TrimSpace(msg), "")
			out = append(out, "at /"+strings.Join(e.InstanceLocation, "/")+": "+msg)
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	sort.Strings(out)
	return out
}

// locationPrefix is the library's own "at '/x': " (or "jsonschema validation
// failed with '...'") lead, replaced by ours.
var locationPrefix = regexp.MustCompile(`^(- )?(jsonschema validation failed with '[^']*'\s*)?(at '[^']*': )?`)
