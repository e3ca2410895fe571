package store

import (
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

func TestMemberCodecRoundTrip(t *testing.T) {
	g := engine.WindowGroup("risky_sign_in", "u", time.Unix(0, 0), time.Hour)
	k := engine.KeyOf("d")
	for _, m := range []engine.Member{
		{Group: g, Detection: k, ActivityTime: time.Date(2025, 6, 1, 3, 13, 4, 988133000, time.UTC), Severity: engine.SeverityHigh, Open: true,
			RiskEventType: "unlikelyTravel", UserID: "2265b1f5-91b7", UserPrincipalName: "åsa@example.com", UserDisplayName: "Åsa Müller"},
		{Group: g, Detection: k, ActivityTime: time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC)},
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
		"length too big": append(good[:11:11], 200),
	} {
		if _, err := DecodeMember(g, k, b); err == nil {
			t.Errorf("%s: decoded a corrupt payload", name)
		}
	}
}
