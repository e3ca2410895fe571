# The configuration under test, on Terraform 1.14 or later: every change
# of the policy or the integration runs the idp_sync action after it, so
# the engine processes its source under the settings just applied.
# policy_change.tftest.hcl checks, through the idp_alerts data source, that
# a threshold change governs the detections processed after it.

terraform {
  required_version = ">= 1.14.0"
  required_providers {
    idp = {
      source = "idp/idp"
    }
  }
}

variable "detection_files" {
  description = "Detection files the integration reads, relative to this directory."
  type        = list(string)
}

variable "leaked_credentials_severity" {
  description = "The leaked-credentials policy's threshold."
  type        = string
  default     = "high"
}

action "idp_sync" "now" {}

resource "idp_policy" "leaked_credentials" {
  type     = "leaked_credentials"
  severity = var.leaked_credentials_severity

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.idp_sync.now]
    }
  }
}

resource "idp_integration" "this" {
  source = {
    file = {
      detections = [for f in var.detection_files : abspath(f)]
    }
  }

  # The policy is in force before the first sync reads the files.
  depends_on = [idp_policy.leaked_credentials]

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.idp_sync.now]
    }
  }
}

data "idp_alerts" "leaked" {
  policy = "leaked_credentials"
  limit  = 0
}

output "leaked_credential_users" {
  value = sort([for a in data.idp_alerts.leaked.alerts : a.user_principal_name])
}
