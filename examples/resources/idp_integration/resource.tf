# The integration is a singleton: declare it once. Destroying it restores
# the defaults and keeps the alerts.
resource "idp_integration" "this" {
  enabled        = true
  retention_days = 90

  actions = {
    reset_password         = true
    require_mfa            = true
    require_managed_device = false
  }

  # Paths are relative to the directory Terraform runs in. Every read of
  # the idp_alerts data source first ingests what the files hold beyond
  # what was already read.
  source = {
    file = {
      detections = ["exports/riskDetections.ndjson"]
      devices    = ["exports/managedDevices.ndjson"]
    }
  }
}
