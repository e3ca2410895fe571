# Pull detections and devices from Microsoft Graph instead of files, and
# report remediated users back to Identity Protection.
variable "graph_client_secret" {
  description = "A client secret of the app registration; null to use IDP_GRAPH_CLIENT_SECRET."
  type        = string
  sensitive   = true
  default     = null
}

resource "idp_integration" "this" {
  source = {
    graph = {
      tenant_id = "contoso.onmicrosoft.com"
      client_id = "00000000-0000-0000-0000-000000000000"

      # Left null, the engine reads IDP_GRAPH_CLIENT_SECRET from the
      # environment each time it syncs, and the secret is kept out of the
      # Terraform state and the engine's store.
      client_secret = var.graph_client_secret

      # Sovereign clouds only, e.g. US Government:
      # authority_url = "https://login.microsoftonline.us"
      # graph_url     = "https://graph.microsoft.us"

      writeback = true
    }
  }
}
