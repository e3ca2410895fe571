import {
  to = idp_integration.this
  id = "integration"
}
