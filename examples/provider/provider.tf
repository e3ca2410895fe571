terraform {
  required_providers {
    idp = {
      source = "idp/idp"
    }
  }
}

# With nothing set the engine keeps its data in .idp, in the directory
# Terraform runs in (or in $IDP_DATA_DIR when that is set).
provider "idp" {}

# Or name the directory, for example one shared with the engine's command
# line: terraform-provider-idp engine alerts --data-dir /var/lib/idp
provider "idp" {
  alias    = "shared"
  data_dir = "/var/lib/idp"
}
