# A built-in policy is imported by its type.
import {
  to = idp_policy.risky_sign_in
  id = "risky_sign_in"
}

# A custom policy is imported by its name.
import {
  to = idp_policy.anonymous_abroad
  id = "anonymous-ip-abroad"
}
