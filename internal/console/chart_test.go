package console

import (
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

func TestNiceCeiling(t *testing.T) {
	for n, want := range map[int64]int64{0: 2, 1: 2, 2: 2, 3: 4, 5: 6, 7: 8, 9: 10, 11: 12, 13: 16, 55: 60, 101: 120, 990: 1000, 1001: 1200} {
		if got := niceCeiling(n); got != want || got < n {
			t.Errorf("niceCeiling(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestChartStacksSeverities(t *testing.T) {
	day := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	c := newChart([]engine.DayCount{{Day: day, Low: 1, Medium: 2, High: 3}, {Day: day.Add(24 * time.Hour)}})
	if c.Total != 6 || len(c.Segments) != 3 || c.First != "2025-06-01" || c.Last != "2025-06-02" {
		t.Fatalf("chart = %+v", c)
	}
	low, medium, high := c.Segments[0], c.Segments[1], c.Segments[2]
	if low.Class != "sev-low" || medium.Class != "sev-medium" || high.Class != "sev-high" {
		t.Fatalf("segments are not low, medium, high from the bottom: %+v", c.Segments)
	}
	// Stacked: each segment sits on the one below, heights in proportion.
	const eps = 1e-9
	if d := low.Y + low.H - c.PlotBottom; d > eps || d < -eps {
		t.Fatalf("the low segment does not sit on the baseline: %+v", low)
	}
	if d := medium.Y + medium.H - low.Y; d > eps || d < -eps {
		t.Fatalf("the medium segment does not sit on the low one: %+v %+v", medium, low)
	}
	if d := high.H - 3*low.H; d > eps || d < -eps {
		t.Fatalf("heights are not in proportion: %+v", c.Segments)
	}
	// The top of the axis (6 alerts) is the top of the plot.
	if d := high.Y - c.PlotTop; d > eps || d < -eps {
		t.Fatalf("the highest bar does not reach the top of a 6-alert axis: %+v", high)
	}
}
