# A built-in policy is imported by its type.
terraform import idp_policy.risky_sign_in risky_sign_in
terraform import idp_policy.leaked_credentials leaked_credentials
