package engine

import (
	"fmt"
	"time"
)

// Stores keep times as Unix nanoseconds in 64 bits, which reach from
// 1677-09-21 to 2262-04-11; a time outside that wraps around silently. The
// engine therefore accepts times from the start of 1678 to the end of 2261
// and refuses the rest rather than store them wrong: a query bound is
// refused, a record carrying such a time is quarantined.
var (
	// MinTime is the earliest time the engine accepts.
	MinTime = time.Date(1678, time.January, 1, 0, 0, 0, 0, time.UTC)
	// EndTime is the first time the engine no longer accepts.
	EndTime = time.Date(2262, time.January, 1, 0, 0, 0, 0, time.UTC)
)

// TimeRangeText describes the accepted range, for errors and documentation.
const TimeRangeText = "the years 1678 to 2261"

// InTimeRange reports whether the engine can store t exactly.
func InTimeRange(t time.Time) bool {
	return !t.Before(MinTime) && t.Before(EndTime)
}

// CheckTimeRange refuses a time the engine cannot store; name says which
// value it is.
func CheckTimeRange(name string, t time.Time) error {
	if InTimeRange(t) {
		return nil
	}
	return fmt.Errorf("%w: %s %s is outside %s, the times the engine can store", ErrInvalid, name, t.UTC().Format(time.RFC3339Nano), TimeRangeText)
}
