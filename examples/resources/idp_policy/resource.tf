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

  # Tests run at plan time, built-in policies included.
  tests = [
    {
      detection = jsonencode({
        id               = "t-medium-sign-in"
        userId           = "00000000-0000-4000-8000-000000000001"
        riskEventType    = "unfamiliarFeatures"
        activity         = "signin"
        riskLevel        = "medium"
        activityDateTime = "2025-06-01T10:00:00Z"
      })
      expect_alert = true
    },
  ]
}

# A custom policy: one alert per user and day for sign-ins through an
# anonymizing or malicious IP address from outside the United States.
# Detections without a location are left out (has() tells absent from
# present; an absent country reads as "").
resource "idp_policy" "anonymous_abroad" {
  type      = "custom"
  name      = "anonymous-ip-abroad"
  condition = <<-EOT
    detection.riskEventType in ["anonymizedIPAddress", "maliciousIPAddress"] &&
    has(detection.location) && detection.location.countryOrRegion != "US"
  EOT
  group_by  = "user"
  severity  = "medium"

  # What the policy should and should not alert on, checked by every plan.
  tests = [
    {
      detection = jsonencode({
        id               = "t-anonymous-fr"
        userId           = "00000000-0000-4000-8000-000000000001"
        riskEventType    = "anonymizedIPAddress"
        activity         = "signin"
        riskLevel        = "high"
        activityDateTime = "2025-06-01T10:00:00Z"
        location         = { city = "Paris", countryOrRegion = "FR" }
      })
      expect_alert = true
    },
    {
      # At home: no alert.
      detection = jsonencode({
        id               = "t-anonymous-us"
        userId           = "00000000-0000-4000-8000-000000000001"
        riskEventType    = "anonymizedIPAddress"
        activity         = "signin"
        riskLevel        = "high"
        activityDateTime = "2025-06-01T10:00:00Z"
        location         = { city = "Denver", countryOrRegion = "US" }
      })
      expect_alert = false
    },
    {
      # No location at all: no alert.
      detection = jsonencode({
        id               = "t-anonymous-nowhere"
        userId           = "00000000-0000-4000-8000-000000000001"
        riskEventType    = "maliciousIPAddress"
        activity         = "signin"
        riskLevel        = "high"
        activityDateTime = "2025-06-01T10:00:00Z"
      })
      expect_alert = false
    },
  ]
}
