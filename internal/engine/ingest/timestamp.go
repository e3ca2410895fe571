package ingest

import (
	"errors"
	"time"
)

var errNotISO8601 = errors.New("not an ISO-8601 time")

// parseTime reads the ISO-8601 date-times Graph writes. Graph's usual shape,
// "2025-06-01T03:13:04.9881330Z", is parsed by hand because ingest parses
// three times per record and time.Parse would be a tenth of the budget;
// everything else (offsets, no zone, lower-case separators) goes through
// the standard library. A time without a zone is taken as UTC, as Graph
// means it.
func parseTime(s []byte) (time.Time, error) {
	if t, ok := parseZulu(s); ok {
		return t, nil
	}
	str := string(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02t15:04:05.999999999z"} {
		if t, err := time.Parse(layout, str); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errNotISO8601
}

// parseZulu handles exactly YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z.
func parseZulu(s []byte) (time.Time, bool) {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[len(s)-1] != 'Z' {
		return time.Time{}, false
	}
	num := func(b []byte) (int, bool) {
		n := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := num(s[0:4])
	month, ok2 := num(s[5:7])
	day, ok3 := num(s[8:10])
	hour, ok4 := num(s[11:13])
	minute, ok5 := num(s[14:16])
	sec, ok6 := num(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return time.Time{}, false
	}
	nanos := 0
	rest := s[19 : len(s)-1]
	if len(rest) > 0 {
		if rest[0] != '.' || len(rest) < 2 || len(rest) > 10 {
			return time.Time{}, false
		}
		frac, ok := num(rest[1:])
		if !ok {
			return time.Time{}, false
		}
		for i := len(rest) - 1; i < 9; i++ {
			frac *= 10
		}
		nanos = frac
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nanos, time.UTC), true
}

var monthDays = [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func daysIn(month, year int) int {
	if month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		return 29
	}
	return monthDays[month]
}
