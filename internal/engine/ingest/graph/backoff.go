package graph

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfter caps a Retry-After: a server asking for an hour would
// otherwise hold a sync (and the engine's lock on its source) that long; the
// next sync retries anyway.
const maxRetryAfter = 5 * time.Minute

// retryAfter reads a Retry-After header, in seconds or as an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		d = time.Duration(min(secs, int64(maxRetryAfter/time.Second))) * time.Second
	} else if at, err := http.ParseTime(v); err == nil {
		d = max(at.Sub(now), 0)
	} else {
		return 0, false
	}
	return min(d, maxRetryAfter), true
}

// backoff is the wait before retry n (1 for the first retry) when the server
// said nothing: "full jitter", a uniform draw below an exponentially growing
// cap. Spreading the retries matters here because every engine process of a
// tenant shares one small Identity Protection budget.
func backoff(n int, lo, hi time.Duration) time.Duration {
	ceil := hi
	if n < 63 {
		if c := lo << (n - 1); c > 0 && c < hi {
			ceil = c
		}
	}
	if ceil <= 0 {
		return 0
	}
	return rand.N(ceil)
}
