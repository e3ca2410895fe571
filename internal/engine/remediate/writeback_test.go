package remediate

import (
	"reflect"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

func TestRetryDelay(t *testing.T) {
	for _, tt := range []struct {
		failures int
		want     time.Duration
	}{
		{0, 0}, {1, 0}, {2, 0},
		{3, 5 * time.Minute}, {4, 10 * time.Minute}, {5, 20 * time.Minute}, {6, 40 * time.Minute},
		{7, time.Hour}, {50, time.Hour},
	} {
		if got := RetryDelay(tt.failures); got != tt.want {
			t.Errorf("RetryDelay(%d) = %v, want %v", tt.failures, got, tt.want)
		}
	}
}

func TestDue(t *testing.T) {
	t0 := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	e := func(min int, user, outcome string) engine.Remediation {
		return engine.Remediation{Time: t0.Add(time.Duration(min) * time.Minute), UserID: user, AlertID: "a-" + user, Outcome: outcome}
	}
	failed := engine.OutcomeGraphWritebackFailed + ": 503 (attempts 3)"
	for _, tt := range []struct {
		name        string
		entries     []engine.Remediation
		now         time.Duration
		wantDue     []string
		wantWaiting int64
	}{
		{"applied users are due in the order they were remediated",
			[]engine.Remediation{e(0, "b", engine.OutcomeApplied), e(1, "a", engine.OutcomeApplied)}, 0, []string{"b", "a"}, 0},
		{"a confirmed user is not due",
			[]engine.Remediation{e(0, "a", engine.OutcomeApplied), e(1, "a", engine.OutcomeGraphConfirmed)}, 0, nil, 0},
		{"a user remediated again after confirmation is due again",
			[]engine.Remediation{e(0, "a", engine.OutcomeApplied), e(1, "a", engine.OutcomeGraphConfirmed), e(2, "a", engine.OutcomeApplied)}, 0, []string{"a"}, 0},
		{"a blank user id is never sent",
			[]engine.Remediation{e(0, " ", engine.OutcomeApplied)}, 0, nil, 0},
		{"two failures are retried at once",
			[]engine.Remediation{e(0, "a", engine.OutcomeApplied), e(1, "a", failed), e(2, "a", failed)}, 2 * time.Minute, []string{"a"}, 0},
		{"a third failure waits five minutes",
			[]engine.Remediation{e(0, "a", engine.OutcomeApplied), e(1, "a", failed), e(2, "a", failed), e(3, "a", failed)}, 7 * time.Minute, nil, 1},
		{"and is due once they passed",
			[]engine.Remediation{e(0, "a", engine.OutcomeApplied), e(1, "a", failed), e(2, "a", failed), e(3, "a", failed)}, 8 * time.Minute, []string{"a"}, 0},
		{"failures before the latest remediation do not count",
			[]engine.Remediation{e(0, "a", engine.OutcomeApplied), e(1, "a", failed), e(2, "a", failed), e(3, "a", failed),
				e(4, "a", engine.OutcomeApplied)}, 4 * time.Minute, []string{"a"}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			due, waiting := Due(tt.entries, t0.Add(tt.now))
			var ids []string
			for _, d := range due {
				ids = append(ids, d.UserID)
			}
			if !reflect.DeepEqual(ids, tt.wantDue) || waiting != tt.wantWaiting {
				t.Fatalf("Due: %v and %d waiting, want %v and %d", ids, waiting, tt.wantDue, tt.wantWaiting)
			}
		})
	}
}
