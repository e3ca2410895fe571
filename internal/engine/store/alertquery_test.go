package store

import (
	"math"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

func TestLastSeenBefore(t *testing.T) {
	until := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	latest := time.Unix(0, math.MaxInt64-10)
	cases := []struct {
		name    string
		until   time.Time
		longest int64
		bound   int64
		ok      bool
	}{
		{"no until, no bound", time.Time{}, 5, 0, false},
		{"until plus the longest span", until, int64(time.Hour), until.Add(time.Hour).UnixNano(), true},
		{"a negative span bounds like none", until, -5, until.UnixNano(), true},
		{"fits exactly", latest, 10, math.MaxInt64, true},
		{"would overflow", latest, 11, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bound, ok := LastSeenBefore(tc.until, tc.longest)
			if bound != tc.bound || ok != tc.ok {
				t.Fatalf("LastSeenBefore = %d, %v; want %d, %v", bound, ok, tc.bound, tc.ok)
			}
		})
	}
}

func TestLongestSpan(t *testing.T) {
	at := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	as := []engine.Alert{
		{FirstSeen: at, LastSeen: at.Add(time.Hour)},
		{FirstSeen: at, LastSeen: at.Add(3 * time.Hour)},
		{FirstSeen: at, LastSeen: at},
	}
	if got := LongestSpan(as); got != int64(3*time.Hour) {
		t.Fatalf("LongestSpan = %d, want %d", got, int64(3*time.Hour))
	}
	if got := LongestSpan(nil); got != 0 {
		t.Fatalf("LongestSpan(nil) = %d, want 0", got)
	}
}
