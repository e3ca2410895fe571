# The integration is a singleton; its import ID is always "integration".
terraform import idp_integration.this integration
