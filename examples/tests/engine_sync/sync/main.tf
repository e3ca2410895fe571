# One `terraform-provider-idp engine sync` on the test's store: how
# Terraform older than 1.14, which has no actions, has the engine process
# its source (`engine serve` polls it, too). Each new round syncs again.
# The engine is the provider binary: $IDP_ENGINE when set, else
# terraform-provider-idp on PATH.

variable "data_dir" {
  description = "The store to sync."
  type        = string
}

variable "round" {
  description = "Change it to sync again."
  type        = number
}

resource "terraform_data" "sync" {
  triggers_replace = [var.round]

  provisioner "local-exec" {
    command = "\"$${IDP_ENGINE:-terraform-provider-idp}\" engine sync"
    environment = {
      IDP_DATA_DIR = var.data_dir
    }
  }
}
