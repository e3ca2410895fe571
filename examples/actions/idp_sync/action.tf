# Terraform 1.14 and later.
action "idp_sync" "now" {}

# Process the source after every change of the settings, so that the
# changes govern the detections processed next. The integration depends on
# the policies, so that its first sync runs under them.
resource "idp_policy" "risky_sign_in" {
  type                  = "risky_sign_in"
  severity              = "medium"
  remediate_risky_users = true

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
      detections = ["detections.ndjson"]
    }
  }

  depends_on = [idp_policy.risky_sign_in]

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.idp_sync.now]
    }
  }
}
