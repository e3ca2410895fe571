package remediate

import (
	"sort"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Candidate is an open alert of a remediating policy.
type Candidate struct {
	AlertID           string
	Policy            string
	UserID            string
	UserPrincipalName string
}

// Plan decides which candidates' users to set to high risk: each user once,
// and only when they are not high already, so remediation is idempotent
// however often their alerts change. When one user has several candidate
// alerts, the smallest alert id is recorded, so every process writes the
// same audit entry.
func Plan(candidates []Candidate, current map[string]engine.UserRisk, settings engine.Actions,
	managed map[string]bool, now time.Time) ([]engine.UserRisk, []engine.Remediation) {
	sort.Slice(candidates, func(i, j int) bool { return candidates[i].AlertID < candidates[j].AlertID })
	var risks []engine.UserRisk
	var log []engine.Remediation
	done := map[string]bool{}
	for _, c := range candidates {
		if done[c.UserID] || AtHighRisk(current[c.UserID]) {
			continue
		}
		done[c.UserID] = true
		risks = append(risks, engine.UserRisk{
			UserID:            c.UserID,
			UserPrincipalName: c.UserPrincipalName,
			RiskLevel:         engine.UserRiskHigh,
			RiskState:         engine.UserRiskConfirmedCompromised,
			RemediatedAt:      now,
		})
		log = append(log, engine.Remediation{
			Time:    now,
			UserID:  c.UserID,
			AlertID: c.AlertID,
			Policy:  c.Policy,
			Actions: Actions(settings, managed[c.UserID]),
			Outcome: engine.OutcomeApplied,
		})
	}
	return risks, log
}

// AtHighRisk reports whether a user is already remediated.
func AtHighRisk(u engine.UserRisk) bool {
	return u.RiskLevel == engine.UserRiskHigh
}

// Users turns stored risks into the users view, with today's actions.
func Users(risks map[string]engine.UserRisk, settings engine.Actions, managed map[string]bool) []engine.User {
	out := make([]engine.User, 0, len(risks))
	for _, r := range risks {
		out = append(out, User(r, settings, managed[r.UserID]))
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].UserPrincipalName != out[j].UserPrincipalName {
			return out[i].UserPrincipalName < out[j].UserPrincipalName
		}
		return out[i].UserID < out[j].UserID
	})
	return out
}

// User turns one stored risk into a user at risk, with today's actions.
func User(r engine.UserRisk, settings engine.Actions, managedDevice bool) engine.User {
	u := engine.User{
		UserID:            r.UserID,
		UserPrincipalName: r.UserPrincipalName,
		RiskLevel:         r.RiskLevel,
		RiskState:         r.RiskState,
		ManagedDevice:     managedDevice,
		RemediatedAt:      r.RemediatedAt,
		Actions:           []string{},
	}
	if AtHighRisk(r) {
		u.Actions = Actions(settings, managedDevice)
	}
	return u
}
