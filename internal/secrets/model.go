package secrets

import "reflect"

// Redacted returns a deep copy of v in which every string (every string
// field, element, map key and value, however deeply nested, of any string
// type) is redacted by r. A report's writers take their model through it
// first and render the copy: text is redacted before it is escaped (HTML,
// JSON, XML, %XX), so no escaped form of a secret can slip past.
// Unexported fields are copied as they are.
func Redacted[T any](r *Redactor, v T) T {
	if r == nil || r.off {
		return v
	}
	in := reflect.ValueOf(&v).Elem()
	out := reflect.New(in.Type()).Elem()
	redactValue(r, in, out)
	return out.Interface().(T)
}

// redactValue copies in into out (both of one type), redacting strings.
func redactValue(r *Redactor, in, out reflect.Value) {
	switch in.Kind() {
	case reflect.String:
		out.SetString(r.Redact(in.String()))
	case reflect.Pointer:
		if in.IsNil() {
			return
		}
		p := reflect.New(in.Type().Elem())
		redactValue(r, in.Elem(), p.Elem())
		out.Set(p)
	case reflect.Interface:
		if in.IsNil() {
			return
		}
		e := reflect.New(in.Elem().Type()).Elem()
		redactValue(r, in.Elem(), e)
		out.Set(e)
	case reflect.Struct:
		out.Set(in) // unexported fields (time.Time's among them) as they are
		for i := 0; i < in.NumField(); i++ {
			if out.Field(i).CanSet() {
				redactValue(r, in.Field(i), out.Field(i))
			}
		}
	case reflect.Slice:
		if in.IsNil() {
			return
		}
		out.Set(reflect.MakeSlice(in.Type(), in.Len(), in.Len()))
		for i := 0; i < in.Len(); i++ {
			redactValue(r, in.Index(i), out.Index(i))
		}
	case reflect.Array:
		for i := 0; i < in.Len(); i++ {
			redactValue(r, in.Index(i), out.Index(i))
		}
	case reflect.Map:
		if in.IsNil() {
			return
		}
		out.Set(reflect.MakeMapWithSize(in.Type(), in.Len()))
		it := in.MapRange()
		for it.Next() {
			k := reflect.New(in.Type().Key()).Elem()
			redactValue(r, it.Key(), k)
			e := reflect.New(in.Type().Elem()).Elem()
			redactValue(r, it.Value(), e)
			out.SetMapIndex(k, e)
		}
	default:
		out.Set(in)
	}
}
