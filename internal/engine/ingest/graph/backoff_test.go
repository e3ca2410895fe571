package graph

import (
	"net/http"
	"testing"
	"time"
)

func TestBackoffIsJitteredExponentialAndCapped(t *testing.T) {
	const lo, hi = 100 * time.Millisecond, 2 * time.Second
	for _, tc := range []struct {
		n    int
		ceil time.Duration
	}{
		{1, 100 * time.Millisecond}, {2, 200 * time.Millisecond}, {4, 800 * time.Millisecond},
		{5, 1600 * time.Millisecond}, {6, hi}, {40, hi}, {100, hi},
	} {
		var biggest time.Duration
		distinct := map[time.Duration]bool{}
		for range 2000 {
			d := backoff(tc.n, lo, hi)
			if d < 0 || d >= tc.ceil {
				t.Fatalf("retry %d: %v outside [0, %v)", tc.n, d, tc.ceil)
			}
			biggest = max(biggest, d)
			distinct[d] = true
		}
		// Jittered, and spread over the range rather than stuck low.
		if len(distinct) < 100 || biggest < tc.ceil*3/4 {
			t.Errorf("retry %d: %d distinct waits, largest %v of %v", tc.n, len(distinct), biggest, tc.ceil)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 12 ", 12 * time.Second, true},
		{"-3", 0, false},
		{"soon", 0, false},
		{"99999999999", maxRetryAfter, true},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{now.Add(24 * time.Hour).Format(http.TimeFormat), maxRetryAfter, true},
	} {
		h := http.Header{}
		if tc.value != "" {
			h.Set("Retry-After", tc.value)
		}
		got, ok := retryAfter(h, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Retry-After %q: %v %v, want %v %v", tc.value, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCursorRoundTripAndCompletion(t *testing.T) {
	t0 := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	in := cursor{Since: t0, Next: "https://graph.microsoft.com/v1.0/x?$skiptoken=a%20b", Max: t0.Add(time.Hour), Start: t0.Add(2 * time.Hour)}
	out, err := parseCursor(in.String())
	if err != nil || !out.Since.Equal(in.Since) || out.Next != in.Next || !out.Max.Equal(in.Max) || !out.Start.Equal(in.Start) {
		t.Fatalf("round trip: %+v, %v; want %+v", out, err, in)
	}
	lag := 5 * time.Minute
	for _, tc := range []struct {
		name string
		c    cursor
		want time.Time
	}{
		{"nothing read keeps the watermark", cursor{Since: t0, Start: t0.Add(time.Hour)}, t0},
		{"all older than the start: the newest", cursor{Since: t0, Max: t0.Add(time.Minute), Start: t0.Add(time.Hour)}, t0.Add(time.Minute)},
		{"changes during the pull: start minus lag", cursor{Since: t0, Max: t0.Add(2 * time.Hour), Start: t0.Add(time.Hour)}, t0.Add(time.Hour - lag)},
		{"never backwards", cursor{Since: t0.Add(time.Hour), Max: t0.Add(2 * time.Hour), Start: t0.Add(time.Hour)}, t0.Add(time.Hour)},
		{"no server time: the newest", cursor{Since: t0, Max: t0.Add(time.Minute)}, t0.Add(time.Minute)},
	} {
		got := tc.c.completed(lag)
		if !got.Since.Equal(tc.want) || got.Next != "" || !got.Max.IsZero() || !got.Start.IsZero() {
			t.Errorf("%s: %+v, want since %v and nothing else", tc.name, got, tc.want)
		}
	}
}
