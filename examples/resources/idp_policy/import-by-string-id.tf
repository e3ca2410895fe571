import {
  to = idp_policy.risky_sign_in
  id = "risky_sign_in"
}
