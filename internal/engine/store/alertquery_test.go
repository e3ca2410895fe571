package store

import (
	"errors"
	"math"
	"reflect"
	"strconv"
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

func TestAlertFilter(t *testing.T) {
	question := func(int) string { return `?` }
	dollar := func(n int) string { return `$` + strconv.Itoa(n) }
	since := time.Unix(0, 100)
	until := time.Unix(0, 200)
	cases := []struct {
		name        string
		placeholder func(int) string
		q           engine.AlertQuery
		where       string
		args        []any
	}{
		{"nothing named", question, engine.AlertQuery{}, `+updated_at >= ?`, []any{int64(7)}},
		{
			"every condition, in order", dollar,
			engine.AlertQuery{Policy: "p", MinSeverity: engine.SeverityHigh, Status: engine.AlertOpen, UserPrincipalName: "Ann@Example.com", Since: since, Until: until},
			`+updated_at >= $1 AND policy = $2 AND severity >= $3 AND status = $4 AND upn_folded = $5 AND last_seen >= $6 AND first_seen < $7 AND last_seen < $8`,
			[]any{int64(7), "p", engine.SeverityHigh.Rank(), string(engine.AlertOpen), engine.FoldUserPrincipalName("Ann@Example.com"), int64(100), int64(200), int64(250)},
		},
		{
			"an until past the last nanosecond has no last_seen bound", question,
			engine.AlertQuery{Until: time.Unix(0, math.MaxInt64)},
			`+updated_at >= ? AND first_seen < ?`, []any{int64(7), int64(math.MaxInt64)},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := NewAlertFilter(tc.placeholder)
			f.Add(`+updated_at`, `>=`, int64(7))
			if err := f.AddQuery(tc.q, func() (int64, error) { return 50, nil }); err != nil {
				t.Fatal(err)
			}
			if got := f.Where(); got != tc.where {
				t.Errorf("Where = %q, want %q", got, tc.where)
			}
			if got := f.Args(); !reflect.DeepEqual(got, tc.args) {
				t.Errorf("Args = %#v, want %#v", got, tc.args)
			}
		})
	}
}

func TestAlertFilterCountedWithPrefix(t *testing.T) {
	f := NewAlertFilter(func(int) string { return `?` })
	f.AddSQL(`1`)
	f.AddCounted(engine.AlertQuery{Policy: "p", Status: engine.AlertOpen, UserPrincipalName: "ignored"}, `+`)
	if got, want := f.Where(), `1 AND +policy = ? AND +status = ?`; got != want {
		t.Errorf("Where = %q, want %q", got, want)
	}
	if got := f.Arg(5); got != `?` || len(f.Args()) != 3 {
		t.Errorf("Arg = %q with %d args, want ? with 3", got, len(f.Args()))
	}
}

func TestAlertFilterLongestError(t *testing.T) {
	boom := errors.New("boom")
	f := NewAlertFilter(func(int) string { return `?` })
	if err := f.AddQuery(engine.AlertQuery{Until: time.Unix(0, 1)}, func() (int64, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("AddQuery = %v, want %v", err, boom)
	}
	called := false
	if err := f.AddQuery(engine.AlertQuery{}, func() (int64, error) { called = true; return 0, nil }); err != nil || called {
		t.Fatalf("AddQuery without until: err %v, longest called %v", err, called)
	}
}
