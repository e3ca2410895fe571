package ingest

import (
	"time"
	"unsafe"

	"github.com/valyala/fastjson"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// The helpers below read one property of a Graph object under the rules of
// contract §2 (ARCHITECTURE.md): required text must be a non-empty string; checked
// optional text must be a string or null; everything else is lenient, so an
// odd value Graph may send one day is kept rather than refused. v is nil
// when the property is absent.

// texts makes all the strings of one record from one allocation: a record
// has some twenty text properties, and allocating each on its own made the
// garbage collector a tenth of ingest. Strings point into buf, which is
// never written again once a string refers to it.
type texts struct {
	buf []byte
}

func newTexts(size int) texts { return texts{buf: make([]byte, 0, size)} }

func (t *texts) of(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(t.buf)+len(b) > cap(t.buf) {
		return string(b)
	}
	start := len(t.buf)
	t.buf = append(t.buf, b...)
	return unsafe.String(&t.buf[start], len(b))
}

// requiredText is a property that must be a non-empty string.
func (t *texts) requiredText(v *fastjson.Value, name string) (string, *RecordError) {
	switch {
	case v == nil || v.Type() == fastjson.TypeNull:
		return "", reject("%s is missing", name)
	case v.Type() != fastjson.TypeString:
		return "", reject("%s is not a string (it is %s)", name, v.Type())
	}
	b := v.GetStringBytes()
	if len(b) == 0 {
		return "", reject("%s is empty", name)
	}
	return t.of(b), nil
}

// checkedText is an optional property that must be a string or null when
// present.
func (t *texts) checkedText(v *fastjson.Value, name string) (string, *RecordError) {
	if v == nil || v.Type() == fastjson.TypeNull {
		return "", nil
	}
	if v.Type() != fastjson.TypeString {
		return "", reject("%s is not a string or null (it is %s)", name, v.Type())
	}
	return t.of(v.GetStringBytes()), nil
}

// lenientText is an optional property kept whatever it holds: a string as
// itself, null as "", anything else as its JSON text.
func (t *texts) lenientText(v *fastjson.Value) string {
	if v == nil {
		return ""
	}
	switch v.Type() {
	case fastjson.TypeNull:
		return ""
	case fastjson.TypeString:
		return t.of(v.GetStringBytes())
	}
	return string(v.MarshalTo(nil))
}

// requiredTime is a property that must hold an ISO-8601 time.
func requiredTime(v *fastjson.Value, name string) (time.Time, *RecordError) {
	if v == nil || v.Type() == fastjson.TypeNull {
		return time.Time{}, reject("%s is missing", name)
	}
	return timeValue(v, name)
}

// optionalTime is a property that may be absent or null, but when present
// must hold an ISO-8601 time.
func optionalTime(v *fastjson.Value, name string) (time.Time, *RecordError) {
	if v == nil || v.Type() == fastjson.TypeNull {
		return time.Time{}, nil
	}
	return timeValue(v, name)
}

func timeValue(v *fastjson.Value, name string) (time.Time, *RecordError) {
	if v.Type() != fastjson.TypeString {
		return time.Time{}, reject("%s is not an ISO-8601 time (it is %s)", name, v.Type())
	}
	b := v.GetStringBytes()
	t, err := parseTime(b)
	if err != nil {
		return time.Time{}, reject("%s is not an ISO-8601 time: %q", name, clip(b))
	}
	if !engine.InTimeRange(t) {
		// Stored, it would wrap around to another century.
		return time.Time{}, reject("%s %q is outside %s, the times the engine can store", name, clip(b), engine.TimeRangeText)
	}
	return t, nil
}

// clip keeps quoted values in reasons short: the whole record is in raw.
func clip(b []byte) string {
	const max = 64
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}
