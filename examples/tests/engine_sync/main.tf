# The configuration under test: the leaked-credentials policy and the
# integration reading detection files. policy_change.tftest.hcl changes the
# policy's threshold and checks, through the idp_alerts data source, that
# the change governs the detections processed after it.

terraform {
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

resource "idp_policy" "leaked_credentials" {
  type     = "leaked_credentials"
  severity = var.leaked_credentials_severity
}

resource "idp_integration" "this" {
  source = {
    file = {
      detections = [for f in var.detection_files : abspath(f)]
    }
  }

  # The policy is in force before the first sync reads the files.
  depends_on = [idp_policy.leaked_credentials]
}

data "idp_alerts" "leaked" {
  policy = "leaked_credentials"
  limit  = 0
}

output "leaked_credential_users" {
  value = sort([for a in data.idp_alerts.leaked.alerts : a.user_principal_name])
}
