# A policy change governs the detections processed after it, checked
# through idp_alerts, on a store private to this run (Terraform 1.7 or
# later, for the provider block that reads an earlier run's output).
#
#   terraform init
#   IDP_ENGINE=$(ls .terraform/providers/registry.terraform.io/idp/idp/*/*/terraform-provider-idp*) terraform test
#
# IDP_ENGINE is the provider binary (default: terraform-provider-idp on
# PATH): the sync steps run its `engine sync`, which is how Terraform
# before 1.14 has the engine process its source (1.14 and later: see
# ../sync_action).

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

run "configure" {
  assert {
    condition     = data.idp_alerts.leaked.total == 0 && data.idp_alerts.leaked.last_synced_at == null
    error_message = "Applying processed detections: only a sync may."
  }
}

run "sync" {
  module {
    source = "./sync"
  }
  variables {
    data_dir = run.setup.data_dir
    round    = 1
  }
}

run "only_high_alerts" {
  command = plan

  assert {
    condition     = output.leaked_credential_users == tolist(["bob@contoso.example"])
    error_message = "From high, only bob's leaked credential alerts, not ${jsonencode(output.leaked_credential_users)}."
  }
  assert {
    condition     = data.idp_alerts.leaked.last_synced_at != null && data.idp_alerts.leaked.last_sync_error == null
    error_message = "The data source does not show the sync."
  }
}

run "lower_the_threshold" {
  variables {
    leaked_credentials_severity = "low"
    detection_files             = ["testdata/first.ndjson", "testdata/second.ndjson"]
  }
}

run "sync_again" {
  module {
    source = "./sync"
  }
  variables {
    data_dir = run.setup.data_dir
    round    = 2
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
