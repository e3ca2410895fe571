# Remote mode: the provider talks to `terraform-provider-idp engine serve`
# over HTTPS instead of running the engine in-process, so that several CI
# runners and teams apply against one integration (the server keeps it in
# PostgreSQL). See "Serve mode" in the README for starting the server.
#
# endpoint, token and ca_file may also come from IDP_ENDPOINT, IDP_TOKEN and
# IDP_CA_FILE. endpoint conflicts with data_dir and database_url, also when
# one of them is set in the environment (IDP_DATA_DIR, IDP_DATABASE_URL).

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
  # The CA of the server's --tls-cert, when no system root vouches for it.
  ca_file = "/etc/idp/ca.pem"
}

# In remote mode the server reads source files: these paths are on its host.
resource "idp_integration" "this" {
  source = {
    file = {
      detections = ["/var/lib/idp/inbox/detections.ndjson"]
    }
  }
}

resource "idp_policy" "risky_sign_in" {
  type                  = "risky_sign_in"
  severity              = "medium"
  remediate_risky_users = true
}

data "idp_alerts" "open_high" {
  status       = "open"
  min_severity = "high"
  depends_on   = [idp_integration.this, idp_policy.risky_sign_in]
}

output "open_high_alerts" {
  value = data.idp_alerts.open_high.total
}
