package engine

import (
	"bytes"
	"testing"
	"time"
)

func TestWindowGroupsSortByPolicyThenStart(t *testing.T) {
	day := 24 * time.Hour
	starts := []time.Time{
		time.Date(1969, 12, 30, 0, 0, 0, 0, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC),
		time.Date(2400, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for i := 1; i < len(starts); i++ {
		// Users chosen so that the later window's user tag is not what
		// puts it after the earlier one.
		a := WindowGroup("risky_sign_in", "zzz", starts[i-1], day)
		b := WindowGroup("risky_sign_in", "aaa", starts[i], day)
		if bytes.Compare(a[:], b[:]) >= 0 {
			t.Errorf("window at %s does not sort before window at %s", starts[i-1], starts[i])
		}
	}
	g := WindowGroup("p", "u", starts[2], 7*day)
	if !g.PerWindow() || g.Policy() != PolicyTagOf("p") {
		t.Fatalf("kind or tag lost: %v", g)
	}
	if int(g[10])<<16|int(g[11])<<8|int(g[12]) != int((7*day)/time.Second) {
		t.Fatalf("a seven-day window does not fit its field: %v", g[10:13])
	}
}

func TestGroupKeysAndAlertIDsAreDistinctAndStable(t *testing.T) {
	start := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	groups := []GroupKey{
		WindowGroup("risky_sign_in", "u1", start, 24*time.Hour),
		WindowGroup("risky_sign_in", "u2", start, 24*time.Hour),
		WindowGroup("risky_sign_in", "u1", start, time.Hour),
		WindowGroup("risky_sign_in", "u1", start.Add(24*time.Hour), 24*time.Hour),
		WindowGroup("custom-one", "u1", start, 24*time.Hour),
		DetectionGroup("leaked_credentials", KeyOf("d1")),
		DetectionGroup("leaked_credentials", KeyOf("d2")),
		DetectionGroup("custom-one", KeyOf("d1")),
	}
	seen := map[string]bool{}
	for _, g := range groups {
		id := g.AlertID()
		if seen[id] || len(id) != 32 {
			t.Fatalf("alert id %q repeated or malformed", id)
		}
		seen[id] = true
		if again := g.AlertID(); again != id {
			t.Fatal("alert id is not deterministic")
		}
	}
	if groups[5].PerWindow() || !groups[0].PerWindow() {
		t.Fatal("kinds mixed up")
	}
}
