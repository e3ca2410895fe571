package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// DetectionKey is the fixed-size key a detection is stored under: a hash of
// its Graph id. Graph ids are opaque strings of any length; a 16-byte key
// keeps the store's rows small and its index dense.
type DetectionKey [16]byte

// KeyOf derives the key of a detection id.
func KeyOf(id string) DetectionKey {
	sum := sha256.Sum256([]byte(id))
	var k DetectionKey
	copy(k[:], sum[:])
	return k
}

// GroupKey names one alert's group of member detections: one detection
// under one policy, or one user's window under one policy. Window groups
// sort by policy and then by window start, so a batch of recent detections
// touches one small region of the store. The key is kept short because it
// is stored with every member and every detection.
//
//	byte 0      kind: 1 per detection, 2 per user window
//	bytes 1-4   policy tag (hash of the policy's ID)
//	per detection:  bytes 5-20 detection key
//	per window:     bytes 5-9 window start (Unix seconds, 40 bits,
//	                offset so it sorts), 10-12 window length in seconds,
//	                13-23 user tag (hash of the user id)
type GroupKey [24]byte

const (
	groupPerDetection = 1
	groupPerWindow    = 2
	// startOffset makes 40-bit signed seconds sort as unsigned bytes; it
	// spans some seventeen thousand years either side of 1970.
	startOffset = 1 << 39
)

func policyTag(policyID string) PolicyTag {
	sum := sha256.Sum256([]byte("policy\x00" + policyID))
	var t PolicyTag
	copy(t[:], sum[:])
	return t
}

// DetectionGroup is the group of a policy that alerts on each detection.
func DetectionGroup(policyID string, det DetectionKey) GroupKey {
	var g GroupKey
	g[0] = groupPerDetection
	tag := policyTag(policyID)
	copy(g[1:5], tag[:])
	copy(g[5:21], det[:])
	return g
}

// WindowGroup is the group of a policy that aggregates a user's detections
// per window.
func WindowGroup(policyID, userID string, start time.Time, window time.Duration) GroupKey {
	var g GroupKey
	g[0] = groupPerWindow
	tag := policyTag(policyID)
	copy(g[1:5], tag[:])
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(start.Unix()+startOffset))
	copy(g[5:10], b[3:])
	secs := uint32(window / time.Second)
	g[10], g[11], g[12] = byte(secs>>16), byte(secs>>8), byte(secs)
	user := sha256.Sum256([]byte("user\x00" + userID))
	copy(g[13:24], user[:11])
	return g
}

// PolicyTag identifies, inside group keys, the policy a group belongs to.
type PolicyTag [4]byte

// PolicyTagOf is the tag of a policy ID.
func PolicyTagOf(policyID string) PolicyTag { return policyTag(policyID) }

// Policy is the tag of the policy the group belongs to.
func (g GroupKey) Policy() PolicyTag {
	var t PolicyTag
	copy(t[:], g[1:5])
	return t
}

// PerWindow reports whether the group aggregates several detections, whose
// members the store then keeps.
func (g GroupKey) PerWindow() bool { return g[0] == groupPerWindow }

// AlertID is the id of the group's alert: the same on every engine process.
func (g GroupKey) AlertID() string {
	sum := sha256.Sum256(g[:])
	return hex.EncodeToString(sum[:16])
}

// Member is what a group keeps of each member detection: enough to
// recompute the alert from its members alone, and to show an analyst where
// and how each detection happened.
type Member struct {
	Group             GroupKey
	Detection         DetectionKey
	ActivityTime      time.Time
	Severity          Severity // "" when the level is not ranked
	Open              bool
	RiskEventType     string
	UserID            string
	UserPrincipalName string
	UserDisplayName   string
	// What the alert does not need but its reader does: the level and
	// state as Graph wrote them, and where the activity came from.
	RiskLevel       string
	RiskState       string
	IPAddress       string
	City            string
	CountryOrRegion string
}

// MemberOf builds the member entry of a detection in a group. Its texts
// are the detection's own: a decoded detection's strings share one buffer,
// so whoever keeps a member beyond the detection copies them (packing it
// with store.PackMember does).
func MemberOf(g GroupKey, key DetectionKey, d *Detection) Member {
	m := Member{
		Group:             g,
		Detection:         key,
		ActivityTime:      d.ActivityDateTime,
		Severity:          d.Severity(),
		Open:              d.Open(),
		RiskEventType:     d.RiskEventType,
		UserID:            d.UserID,
		UserPrincipalName: d.UserPrincipalName,
		UserDisplayName:   d.UserDisplayName,
		RiskLevel:         d.RiskLevel,
		RiskState:         d.RiskState,
		IPAddress:         d.IPAddress,
	}
	if d.Location != nil {
		m.City, m.CountryOrRegion = d.Location.City, d.Location.CountryOrRegion
	}
	return m
}
