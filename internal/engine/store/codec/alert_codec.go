package codec

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Alerts are stored with the columns queries filter and sort on (id,
// policy, severity, status, user principal name, first and last seen,
// updated at) and a payload for the rest, packed here so that every backend writes the
// same bytes and an alert costs few bound values.
//
//	byte 0      format (1)
//	bytes 1-8   created at, Unix nanoseconds, big-endian
//	then uvarint detection count, and uvarint-length-prefixed strings: user
//	id, user display name, then uvarint count of risk event types and each
//	type.
const alertFormat = 1

// EncodeAlertPayload packs the fields of an alert that queries never filter on.
func EncodeAlertPayload(a engine.Alert) []byte {
	b := make([]byte, 9, 64+len(a.UserID)+len(a.UserDisplayName)+16*len(a.RiskEventTypes))
	b[0] = alertFormat
	binary.BigEndian.PutUint64(b[1:9], uint64(a.CreatedAt.UnixNano()))
	b = binary.AppendUvarint(b, uint64(a.DetectionCount))
	for _, s := range []string{a.UserID, a.UserDisplayName} {
		b = appendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(a.RiskEventTypes)))
	for _, s := range a.RiskEventTypes {
		b = appendString(b, s)
	}
	return b
}

var errBadAlert = errors.New("a stored alert is corrupt or of an unknown format")

// DecodeAlertPayload fills a's packed fields from a payload.
func DecodeAlertPayload(a *engine.Alert, b []byte) error {
	if len(b) < 9 || b[0] != alertFormat {
		return errBadAlert
	}
	a.CreatedAt = time.Unix(0, int64(binary.BigEndian.Uint64(b[1:9]))).UTC()
	r := reader{b: b[9:]}
	a.DetectionCount = int(r.uvarint())
	a.UserID, a.UserDisplayName = r.string(), r.string()
	n := r.uvarint()
	if r.bad || n > uint64(len(r.b)) {
		return errBadAlert
	}
	a.RiskEventTypes = make([]string, 0, n)
	for i := uint64(0); i < n; i++ {
		a.RiskEventTypes = append(a.RiskEventTypes, r.string())
	}
	if r.bad {
		return errBadAlert
	}
	return nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// reader reads uvarints and length-prefixed strings, remembering the first
// failure instead of returning it from every call.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) string() string {
	l := r.uvarint()
	if r.bad || l > uint64(len(r.b)) {
		r.bad = true
		return ""
	}
	s := string(r.b[:l])
	r.b = r.b[l:]
	return s
}
