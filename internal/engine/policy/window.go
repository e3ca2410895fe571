package policy

import (
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Aggregation windows: Go durations from one hour to seven days (the
// engine's catalogue).
const (
	DefaultAggregationWindow = engine.DefaultAggregationWindow
	MinAggregationWindow     = engine.MinAggregationWindow
	MaxAggregationWindow     = engine.MaxAggregationWindow
)

func validateWindow(w engine.Duration) error {
	d := time.Duration(w)
	if d < MinAggregationWindow || d > MaxAggregationWindow {
		return invalid("aggregation_window", "%s is outside the allowed range of %s to %s", d, MinAggregationWindow, MaxAggregationWindow)
	}
	return nil
}

// WindowStart is the start of the aggregation window holding t: t truncated
// to a multiple of the window since the Unix epoch, in UTC. Truncation is
// done on the Unix time itself so that times before 1970 and windows that
// do not divide a day still land in one well-defined window.
func WindowStart(t time.Time, window time.Duration) time.Time {
	ns := t.UnixNano()
	w := int64(window)
	start := ns - ns%w
	if ns%w < 0 {
		start -= w
	}
	return time.Unix(0, start).UTC()
}

func validateSeverity(s engine.Severity) error {
	if s.Rank() == 0 {
		return invalid("severity", "%q is not one of low, medium, high", string(s))
	}
	return nil
}
