package codec

import (
	"reflect"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

func TestAlertPayloadRoundTrip(t *testing.T) {
	for _, a := range []engine.Alert{
		{ID: "x", UserID: "u", UserDisplayName: "Åsa", DetectionCount: 300, RiskEventTypes: []string{"a", "unlikelyTravel"},
			CreatedAt: time.Date(2025, 6, 1, 3, 13, 4, 988133000, time.UTC)},
		{RiskEventTypes: []string{}, CreatedAt: time.Unix(0, 0).UTC()},
	} {
		var got engine.Alert
		got.ID = a.ID
		if err := DecodeAlertPayload(&got, EncodeAlertPayload(a)); err != nil || !reflect.DeepEqual(got, a) {
			t.Fatalf("round trip: got %+v, %v; want %+v", got, err, a)
		}
	}
	good := EncodeAlertPayload(engine.Alert{UserID: "u", RiskEventTypes: []string{"t"}})
	for name, b := range map[string][]byte{"empty": nil, "format": append([]byte{7}, good[1:]...), "truncated": good[:len(good)-1]} {
		var a engine.Alert
		if err := DecodeAlertPayload(&a, b); err == nil {
			t.Errorf("%s: decoded a corrupt payload", name)
		}
	}
}
