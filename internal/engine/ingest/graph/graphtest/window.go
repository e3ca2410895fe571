package graphtest

import (
	"math"
	"time"
)

// window is a fixed-window request counter: limit requests in each span of
// the wall clock. A zero window allows everything.
type window struct {
	span  time.Duration
	limit int
	start time.Time
	count int
}

func newWindow(perSecond float64) window {
	switch {
	case perSecond <= 0 || math.IsNaN(perSecond) || math.IsInf(perSecond, 0):
		return window{}
	case perSecond < 1:
		return window{span: time.Duration(float64(time.Second) / perSecond), limit: 1}
	}
	return window{span: time.Second, limit: int(perSecond)}
}

func (w *window) allow(now time.Time) bool {
	if w.span == 0 {
		return true
	}
	if start := now.Truncate(w.span); !start.Equal(w.start) {
		w.start, w.count = start, 0
	}
	w.count++
	return w.count <= w.limit
}
