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
// touches one small region of the store.
//
//	byte 0      kind: 1 per detection, 2 per user window
//	bytes 1-7   policy tag (hash of the policy's ID)
//	per detection:  bytes 8-23 detection key
//	per window:     bytes 8-15 window start (Unix seconds, sign-flipped
//	                big-endian so it sorts), 16-19 window length in
//	                seconds, 20-31 user tag (hash of the user id)
type GroupKey [32]byte

const (
	groupPerDetection = 1
	groupPerWindow    = 2
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
	copy(g[1:8], tag[:])
	copy(g[8:24], det[:])
	return g
}

// WindowGroup is the group of a policy that aggregates a user's detections
// per window.
func WindowGroup(policyID, userID string, start time.Time, window time.Duration) GroupKey {
	var g GroupKey
	g[0] = groupPerWindow
	tag := policyTag(policyID)
	copy(g[1:8], tag[:])
	binary.BigEndian.PutUint64(g[8:16], uint64(start.Unix())^(1<<63))
	binary.BigEndian.PutUint32(g[16:20], uint32(window/time.Second))
	user := sha256.Sum256([]byte("user\x00" + userID))
	copy(g[20:32], user[:12])
	return g
}

// PolicyTag identifies, inside group keys, the policy a group belongs to.
type PolicyTag [7]byte

// PolicyTagOf is the tag of a policy ID.
func PolicyTagOf(policyID string) PolicyTag { return policyTag(policyID) }

// Policy is the tag of the policy the group belongs to.
func (g GroupKey) Policy() PolicyTag {
	var t PolicyTag
	copy(t[:], g[1:8])
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

// Member is what a window group keeps of each member detection: enough to
// recompute the alert from its members alone.
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
}

// MemberOf builds the member entry of a detection in a group. Its texts
// are the detection's own: a decoded detection's strings share one buffer,
// so whoever keeps a member beyond the detection copies them (encoding it
// with store.EncodeMember does).
func MemberOf(g GroupKey, key DetectionKey, d *Detection) Member {
	return Member{
		Group:             g,
		Detection:         key,
		ActivityTime:      d.ActivityDateTime,
		Severity:          d.Severity(),
		Open:              d.Open(),
		RiskEventType:     d.RiskEventType,
		UserID:            d.UserID,
		UserPrincipalName: d.UserPrincipalName,
		UserDisplayName:   d.UserDisplayName,
	}
}
