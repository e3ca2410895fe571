terraform {
  required_providers {
    idp = {
      source = "idp/idp"
    }
  }
}

# 1. The embedded engine on SQLite. With nothing set it keeps its data in
# .idp, in the directory Terraform runs in (or in $IDP_DATA_DIR when that
# is set).
provider "idp" {}

# Or name the directory, for example one shared with the engine's command
# line: terraform-provider-idp engine alerts --data-dir /var/lib/idp
provider "idp" {
  alias    = "shared"
  data_dir = "/var/lib/idp"
}

# 2. The embedded engine on PostgreSQL, for several CI runners or teams
# applying against one integration. Or leave database_url out and set
# IDP_DATABASE_URL, which the engine's command line reads too.
variable "idp_database_url" {
  description = "postgres://user:password@host:5432/idp?sslmode=verify-full"
  type        = string
  sensitive   = true
}

provider "idp" {
  alias        = "postgres"
  database_url = var.idp_database_url
}

# 3. Remote mode: the engine runs as `terraform-provider-idp engine serve`
# and the provider sends it every request over HTTPS. Or leave these out
# and set IDP_ENDPOINT, IDP_TOKEN (and IDP_CA_FILE).
variable "idp_token" {
  description = "One of the API tokens of the server's --token-file."
  type        = string
  sensitive   = true
}

provider "idp" {
  alias    = "remote"
  endpoint = "https://idp.example.com:8443"
  token    = var.idp_token
  # Only for a server whose certificate no system root vouches for.
  ca_file = "/etc/idp/ca.pem"
}
