# The quick start: the integration reads the sample files shipped beside
# this file, both built-in policies are tuned, risky sign-in remediates,
# and the data source shows what came of it. `make demo` applies it.

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
}

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

# Read once the settings are applied, so that the sample is ingested under
# them: a policy applies to detections processed after it changes.
data "idp_alerts" "all" {
  limit = 0

  depends_on = [
    idp_integration.this,
    idp_policy.leaked_credentials,
    idp_policy.risky_sign_in,
  ]
}

locals {
  alerts = data.idp_alerts.all.alerts
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
