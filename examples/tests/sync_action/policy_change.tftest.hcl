# A policy change governs the detections processed after it, checked
# through idp_alerts, on a store private to this run. The action_trigger
# blocks of main.tf process the source after each apply.
#
#   terraform init
#   terraform test

variables {
  detection_files = ["testdata/first.ndjson"]
}

provider "idp" {
  data_dir = run.setup.data_dir
}

run "setup" {
  module {
    source = "../setup"
  }
}

run "configure" {}

run "only_high_alerts" {
  command = plan

  assert {
    condition     = output.leaked_credential_users == tolist(["bob@contoso.example"])
    error_message = "From high, only bob's leaked credential alerts, not ${jsonencode(output.leaked_credential_users)}."
  }
  assert {
    condition     = data.idp_alerts.leaked.last_synced_at != null && data.idp_alerts.leaked.last_sync_error == null
    error_message = "The data source does not show the triggered sync."
  }
}

run "lower_the_threshold" {
  variables {
    leaked_credentials_severity = "low"
    detection_files             = ["testdata/first.ndjson", "testdata/second.ndjson"]
  }
}

run "low_governs_new_detections" {
  command = plan
  variables {
    leaked_credentials_severity = "low"
    detection_files             = ["testdata/first.ndjson", "testdata/second.ndjson"]
  }

  # dave (low) and erin (medium) arrived after the change and alert; alice
  # (low) and carol (medium) were processed under high and stay unalerted.
  assert {
    condition     = output.leaked_credential_users == tolist(["bob@contoso.example", "dave@contoso.example", "erin@contoso.example"])
    error_message = "After the change, want bob, dave and erin, not ${jsonencode(output.leaked_credential_users)}."
  }
}
