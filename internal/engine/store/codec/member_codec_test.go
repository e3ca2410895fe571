package codec

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

func TestMemberCodecRoundTrip(t *testing.T) {
	g := engine.WindowGroup("risky_sign_in", "u", time.Unix(0, 0), time.Hour)
	k := engine.KeyOf("d")
	for _, m := range []engine.Member{
		{Group: g, Detection: k, ActivityTime: time.Date(2025, 6, 1, 3, 13, 4, 988133000, time.UTC), Severity: engine.SeverityHigh, Open: true,
			RiskEventType: "unlikelyTravel", UserID: "2265b1f5-91b7", UserPrincipalName: "åsa@example.com", UserDisplayName: "Åsa Müller",
			RiskLevel: "high", RiskState: "atRisk", IPAddress: "2001:db8::1", City: "São Paulo", CountryOrRegion: "BR"},
		{Group: g, Detection: k, ActivityTime: time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), RiskLevel: "unknownFutureValue"},
	} {
		got, err := DecodeMember(g, k, EncodeMember(m))
		if err != nil || got != m {
			t.Fatalf("round trip: got %+v, %v; want %+v", got, err, m)
		}
	}
	good := EncodeMember(engine.Member{UserID: "abc"})
	for name, b := range map[string][]byte{
		"empty":          nil,
		"unknown format": append([]byte{9}, good[1:]...),
		"truncated":      good[:len(good)-1],
		"trailing bytes": append(good[:len(good):len(good)], 0),
		"length too big": append(good[:11:11], 200),
	} {
		if _, err := DecodeMember(g, k, b); err == nil {
			t.Errorf("%s: decoded a corrupt payload", name)
		}
	}
}

// A store written before format 2 holds format 1 payloads: they must still
// decode, with the fields format 1 did not keep left empty.
func TestMemberCodecReadsFormat1(t *testing.T) {
	g := engine.WindowGroup("risky_sign_in", "u", time.Unix(0, 0), time.Hour)
	k := engine.KeyOf("d")
	at := time.Date(2025, 6, 1, 3, 13, 4, 988133000, time.UTC)
	// Written byte by byte as format 1 laid it out, not by today's encoder.
	b := []byte{1}
	b = binary.BigEndian.AppendUint64(b, uint64(at.UnixNano()))
	b = append(b, 2, 1)
	for _, s := range []string{"leakedCredentials", "user-1", "ann@example.com", "Ann"} {
		b = appendString(b, s)
	}
	got, err := DecodeMember(g, k, b)
	want := engine.Member{Group: g, Detection: k, ActivityTime: at, Severity: engine.SeverityMedium, Open: true,
		RiskEventType: "leakedCredentials", UserID: "user-1", UserPrincipalName: "ann@example.com", UserDisplayName: "Ann"}
	if err != nil || got != want {
		t.Fatalf("format 1: got %+v, %v; want %+v", got, err, want)
	}
}
