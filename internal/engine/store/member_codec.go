package store

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Members are stored as (group, detection, payload): the payload packs the
// member's fields in one value, because binding and scanning nine columns a
// row costs more than SQLite's own work on a member row. Every backend uses
// this one encoding.
//
//	byte 0      format (1)
//	bytes 1-8   activity time, Unix nanoseconds, big-endian
//	byte 9      severity rank (0 none, 1 low, 2 medium, 3 high)
//	byte 10     open (0 or 1)
//	then four uvarint-length-prefixed strings: risk event type, user id,
//	user principal name, user display name
const memberFormat = 1

// EncodeMember packs a member's fields (not its keys) into a payload.
func EncodeMember(m engine.Member) []byte {
	n := 11 + len(m.RiskEventType) + len(m.UserID) + len(m.UserPrincipalName) + len(m.UserDisplayName) + 4*binary.MaxVarintLen32
	b := make([]byte, 11, n)
	b[0] = memberFormat
	binary.BigEndian.PutUint64(b[1:9], uint64(m.ActivityTime.UnixNano()))
	b[9] = byte(m.Severity.Rank())
	if m.Open {
		b[10] = 1
	}
	for _, s := range []string{m.RiskEventType, m.UserID, m.UserPrincipalName, m.UserDisplayName} {
		b = appendString(b, s)
	}
	return b
}

var errBadMember = errors.New("a stored member is corrupt or of an unknown format")

// DecodeMember unpacks a payload written by EncodeMember.
func DecodeMember(group engine.GroupKey, det engine.DetectionKey, b []byte) (engine.Member, error) {
	m := engine.Member{Group: group, Detection: det}
	if len(b) < 11 || b[0] != memberFormat {
		return m, errBadMember
	}
	m.ActivityTime = time.Unix(0, int64(binary.BigEndian.Uint64(b[1:9]))).UTC()
	m.Severity = engine.SeverityOfRank(int(b[9]))
	m.Open = b[10] == 1
	r := reader{b: b[11:]}
	m.RiskEventType, m.UserID, m.UserPrincipalName, m.UserDisplayName = r.string(), r.string(), r.string(), r.string()
	if r.bad {
		return m, errBadMember
	}
	return m, nil
}
