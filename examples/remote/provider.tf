# Remote mode: the provider talks to `terraform-provider-idp engine serve`
# over HTTPS instead of running the engine in-process, so that several CI
# runners and teams apply against one integration (the server keeps it in
# PostgreSQL). See "Serve mode" in the README for starting the server.
#
# endpoint and token may also come from IDP_ENDPOINT and IDP_TOKEN; endpoint
# conflicts with data_dir and database_url.

terraform {
  required_providers {
    idp = {
      source = "idp/idp"
    }
  }
}

variable "idp_token" {
  description = "One of the API tokens in the server's --token-file."
  type        = string
  sensitive   = true
}

provider "idp" {
  endpoint = "https://idp.example.com:8443"
  token    = var.idp_token
}

resource "idp_policy" "risky_sign_in" {
  type                  = "risky_sign_in"
  severity              = "medium"
  remediate_risky_users = true
}

data "idp_alerts" "open_high" {
  status       = "open"
  min_severity = "high"
}

output "open_high_alerts" {
  value = data.idp_alerts.open_high.total
}
