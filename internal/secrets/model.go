package secrets

import (
	"reflect"
	"unsafe"
)

// Redacted returns a deep copy of v in which every string (every string
// field, element, map key and value, however deeply nested, of any string
// type) is redacted by r. A report's writers take their model through it
// first and render the copy: text is redacted before it is escaped (HTML,
// JSON, XML, %XX), so no escaped form of a secret can slip past.
//
// Unexported fields are copied as they are, except an embedded struct (or
// pointer to one) of an unexported type: encoding/json writes its exported
// fields as the outer struct's own, so they are redacted too. A value
// reached twice (a pointer, map or slice shared, or a cycle) is copied once
// and shared the same way in the copy. Two map keys that redact alike (two
// secrets with one fingerprint) become one key in the copy, holding one of
// their values: key a model's maps by something that is no secret.
func Redacted[T any](r *Redactor, v T) T {
	if r == nil || r.off {
		return v
	}
	in := reflect.ValueOf(&v).Elem()
	out := reflect.New(in.Type()).Elem()
	c := copier{r: r, seen: map[ref]reflect.Value{}}
	c.value(in, out)
	return out.Interface().(T)
}

// copier copies one model, remembering what it copied.
type copier struct {
	r    *Redactor
	seen map[ref]reflect.Value
}

// ref is a pointer, map or slice (with its length) of one type: the same
// one reached again is the same copy.
type ref struct {
	p   uintptr
	n   int
	typ reflect.Type
}

// value copies in into out (both of one type), redacting strings.
func (c *copier) value(in, out reflect.Value) {
	switch in.Kind() {
	case reflect.String:
		out.SetString(c.r.Redact(in.String()))
	case reflect.Pointer:
		if in.IsNil() {
			return
		}
		k := ref{in.Pointer(), 0, in.Type()}
		if p, ok := c.seen[k]; ok {
			out.Set(p)
			return
		}
		p := reflect.New(in.Type().Elem())
		c.seen[k] = p
		c.value(in.Elem(), p.Elem())
		out.Set(p)
	case reflect.Interface:
		if in.IsNil() {
			return
		}
		e := reflect.New(in.Elem().Type()).Elem()
		c.value(in.Elem(), e)
		out.Set(e)
	case reflect.Struct:
		if !in.CanAddr() { // its embedded fields are reached by address
			a := reflect.New(in.Type()).Elem()
			a.Set(in)
			in = a
		}
		out.Set(in) // unexported fields (time.Time's among them) as they are
		t := in.Type()
		for i := range in.NumField() {
			switch f := out.Field(i); {
			case f.CanSet():
				c.value(in.Field(i), f)
			case t.Field(i).Anonymous && isStruct(t.Field(i).Type):
				c.value(writable(in.Field(i)), writable(f))
			}
		}
	case reflect.Slice:
		if in.IsNil() {
			return
		}
		k := ref{in.Pointer(), in.Len(), in.Type()}
		if s, ok := c.seen[k]; ok {
			out.Set(s)
			return
		}
		s := reflect.MakeSlice(in.Type(), in.Len(), in.Len())
		c.seen[k] = s
		for i := range in.Len() {
			c.value(in.Index(i), s.Index(i))
		}
		out.Set(s)
	case reflect.Array:
		for i := range in.Len() {
			c.value(in.Index(i), out.Index(i))
		}
	case reflect.Map:
		if in.IsNil() {
			return
		}
		k := ref{in.Pointer(), 0, in.Type()}
		if m, ok := c.seen[k]; ok {
			out.Set(m)
			return
		}
		m := reflect.MakeMapWithSize(in.Type(), in.Len())
		c.seen[k] = m
		it := in.MapRange()
		for it.Next() {
			k := reflect.New(in.Type().Key()).Elem()
			c.value(it.Key(), k)
			e := reflect.New(in.Type().Elem()).Elem()
			c.value(it.Value(), e)
			m.SetMapIndex(k, e)
		}
		out.Set(m)
	default:
		out.Set(in)
	}
}

// isStruct: a struct, or a pointer to one.
func isStruct(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct
}

// writable is the field v (addressable) as one that may be read and set
// whole: reflect forbids it for an unexported field, which encoding/json
// reads all the same when it is an embedded struct.
func writable(v reflect.Value) reflect.Value {
	return reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
}
