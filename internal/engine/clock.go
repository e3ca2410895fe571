package engine

import "time"

// Clock is the engine's notion of now. Retention, created_at and updated_at
// read it, so tests move time instead of sleeping.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock, in UTC.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now().UTC() }
