# Open alerts of high severity since the start of June, newest first.
data "idp_alerts" "open_high" {
  status       = "open"
  min_severity = "high"
  since        = "2025-06-01T00:00:00Z"
  limit        = 20
}

# Every alert of one user, whatever the number (limit = 0).
data "idp_alerts" "alice" {
  user_principal_name = "alice@contoso.com"
  limit               = 0
}

output "open_high_alerts" {
  value = {
    total = data.idp_alerts.open_high.total
    users = distinct([for a in data.idp_alerts.open_high.alerts : a.user_principal_name])
  }
}
