package remediate

import "github.com/idp/terraform-provider-idp/internal/engine"

// Actions derives the actions enforced on a high-risk user from the
// integration's settings: reset password and require MFA as configured, and
// require a managed device only when the user has no device that is both
// managed and compliant.
func Actions(settings engine.Actions, hasManagedDevice bool) []string {
	out := []string{}
	if settings.ResetPassword {
		out = append(out, engine.ActionResetPassword)
	}
	if settings.RequireMFA {
		out = append(out, engine.ActionRequireMFA)
	}
	if settings.RequireManagedDevice && !hasManagedDevice {
		out = append(out, engine.ActionRequireManagedDevice)
	}
	return out
}
