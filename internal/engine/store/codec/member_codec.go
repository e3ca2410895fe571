package codec

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Members are stored as (group, detection, payload): the payload packs the
// member's fields in one value, because binding and scanning a dozen
// columns a row costs more than SQLite's own work on a member row. Every
// backend uses this one encoding.
//
//	byte 0      format (1 or 2)
//	bytes 1-8   activity time, Unix nanoseconds, big-endian
//	byte 9      severity rank (0 none, 1 low, 2 medium, 3 high)
//	byte 10     open (0 or 1)
//	then uvarint-length-prefixed strings: risk event type, user id, user
//	principal name, user display name; format 2 adds risk level, risk
//	state, IP address, city, country or region.
//
// Format 1 is what stores written before format 2 hold: it still decodes,
// with the later fields empty, so an upgrade needs no rewrite.
const (
	memberFormatV1 = 1
	memberFormat   = 2
)

// EncodeMember packs a member's fields (not its keys) into a payload.
func EncodeMember(m engine.Member) []byte {
	return appendMember(make([]byte, 0, memberSize(&m)), &m)
}

// memberSize bounds the payload of m.
func memberSize(m *engine.Member) int {
	n := 11 + 9*binary.MaxVarintLen32
	for _, s := range memberTexts(m) {
		n += len(s)
	}
	return n
}

func memberTexts(m *engine.Member) [9]string {
	return [...]string{m.RiskEventType, m.UserID, m.UserPrincipalName, m.UserDisplayName,
		m.RiskLevel, m.RiskState, m.IPAddress, m.City, m.CountryOrRegion}
}

// appendMember appends m's payload to b.
func appendMember(b []byte, m *engine.Member) []byte {
	b = append(b, memberFormat)
	b = binary.BigEndian.AppendUint64(b, uint64(m.ActivityTime.UnixNano()))
	open := byte(0)
	if m.Open {
		open = 1
	}
	b = append(b, byte(m.Severity.Rank()), open)
	for _, s := range memberTexts(m) {
		b = appendString(b, s)
	}
	return b
}

var errBadMember = errors.New("a stored member is corrupt or of an unknown format")

// DecodeMember unpacks a payload written by EncodeMember, in either format.
func DecodeMember(group engine.GroupKey, det engine.DetectionKey, b []byte) (engine.Member, error) {
	m := engine.Member{Group: group, Detection: det}
	if len(b) < 11 || (b[0] != memberFormat && b[0] != memberFormatV1) {
		return m, errBadMember
	}
	m.ActivityTime = time.Unix(0, int64(binary.BigEndian.Uint64(b[1:9]))).UTC()
	m.Severity = engine.SeverityOfRank(int(b[9]))
	m.Open = b[10] == 1
	r := reader{b: b[11:]}
	m.RiskEventType, m.UserID, m.UserPrincipalName, m.UserDisplayName = r.string(), r.string(), r.string(), r.string()
	if b[0] == memberFormat {
		m.RiskLevel, m.RiskState, m.IPAddress = r.string(), r.string(), r.string()
		m.City, m.CountryOrRegion = r.string(), r.string()
	}
	if r.bad || len(r.b) != 0 {
		return m, errBadMember
	}
	return m, nil
}
