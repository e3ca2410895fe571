# Built-in policies always exist: these resources tune them, and destroying
# one restores its type's defaults.

# Alert on leaked credentials of medium and high risk only.
resource "idp_policy" "leaked_credentials" {
  type     = "leaked_credentials"
  severity = "medium"
}

# Aggregate each user's risky sign-ins per 12 hours, alert from medium, and
# set the users of open alerts to high risk so that the integration's
# actions are enforced on them.
resource "idp_policy" "risky_sign_in" {
  type                  = "risky_sign_in"
  severity              = "medium"
  aggregation_window    = "12h"
  remediate_risky_users = true
}
