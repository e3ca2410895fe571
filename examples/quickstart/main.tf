# The quick start: the integration reads the sample files shipped beside
# this file, both built-in policies are tuned, risky sign-in remediates, a
# custom policy watches anonymous sign-ins from abroad, and the data source
# shows what came of it. `make demo` applies it, has the engine process the
# sample (the idp_sync action on Terraform 1.14 and later:
# `terraform apply -invoke=action.idp_sync.now` with the action block
# below uncommented; `terraform-provider-idp engine sync` before that),
# then refreshes the data source.

terraform {
  required_providers {
    idp = {
      source = "idp/idp"
    }
  }
}

# Nothing set: the engine keeps its data in .idp beside this file.
provider "idp" {}

resource "idp_integration" "this" {
  retention_days = 180

  actions = {
    reset_password         = true
    require_mfa            = true
    require_managed_device = true
  }

  source = {
    file = {
      detections = ["detections-sample.ndjson"]
      devices    = ["devices-sample.ndjson"]
    }
  }

  # The policies are in force before the source is first processed: a
  # policy governs the detections processed after it changes.
  depends_on = [
    idp_policy.leaked_credentials,
    idp_policy.risky_sign_in,
    idp_policy.anonymous_ip_abroad,
  ]
}

# Terraform 1.14 and later: the action that processes the source.
# action "idp_sync" "now" {}

resource "idp_policy" "leaked_credentials" {
  type     = "leaked_credentials"
  severity = "medium"
}

resource "idp_policy" "risky_sign_in" {
  type                  = "risky_sign_in"
  severity              = "medium"
  aggregation_window    = "12h"
  remediate_risky_users = true
}

# A custom policy: a CEL condition selects the detections, here sign-ins
# through anonymizing or malicious IP addresses from outside the United
# States, aggregated per user and day, alerting from medium. Its alerts
# carry its name as their policy.
resource "idp_policy" "anonymous_ip_abroad" {
  type      = "custom"
  name      = "anonymous-ip-abroad"
  condition = <<-EOT
    detection.riskEventType in ["anonymizedIPAddress", "maliciousIPAddress"] &&
    has(detection.location) && detection.location.countryOrRegion != "US"
  EOT
  group_by  = "user"
  severity  = "medium"

  # Checked by every plan, before anything is applied.
  tests = [
    {
      detection = jsonencode({
        id               = "t-anonymous-fr"
        userId           = "00000000-0000-4000-8000-000000000001"
        riskEventType    = "anonymizedIPAddress"
        activity         = "signin"
        riskLevel        = "medium"
        activityDateTime = "2025-06-01T10:00:00Z"
        location         = { city = "Paris", countryOrRegion = "FR" }
      })
      expect_alert = true
    },
    {
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
  ]
}

# What the engine has processed so far. A read never processes anything
# itself, so plan changes nothing; last_synced_at says how fresh it is.
data "idp_alerts" "all" {
  limit = 0
}

locals {
  alerts = data.idp_alerts.all.alerts
}

output "last_synced_at" {
  description = "When the engine last finished processing the sample."
  value       = data.idp_alerts.all.last_synced_at
}

output "alerts_total" {
  description = "Alerts raised from the sample."
  value       = data.idp_alerts.all.total
}

output "alerts_by_policy_and_severity" {
  description = "Alert counts per policy and severity."
  value = {
    for key, ids in { for a in local.alerts : "${a.policy}/${a.severity}" => a.id... } : key => length(ids)
  }
}

output "open_alerts_by_policy" {
  description = "Open alert counts per policy."
  value = {
    for policy, ids in { for a in local.alerts : a.policy => a.id... if a.status == "open" } : policy => length(ids)
  }
}

output "remediated_users" {
  description = "Users of open risky sign-in alerts: the policy set them to high risk."
  value = sort(distinct([
    for a in local.alerts : a.user_principal_name
    if a.policy == "risky_sign_in" && a.status == "open"
  ]))
}
