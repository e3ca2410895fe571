package engine

// Claims: the integration and each built-in policy always exist, so two
// Terraform resources could both "create" one and fight over its settings.
// A claim records that one resource manages it: creating a claimed
// singleton fails with ErrAlreadyExists, an update (after an import, say)
// holds the claim, and a reset releases it.
const ClaimIntegration = "integration"

// ClaimPolicy names the claim of a built-in policy.
func ClaimPolicy(typ string) string { return "policy:" + typ }

// ClaimMode says what a settings write does with the claim of a singleton.
type ClaimMode int

const (
	// ClaimNone leaves the claim alone: writes from outside Terraform.
	ClaimNone ClaimMode = iota
	// ClaimNew takes a claim that nobody holds, else fails with
	// ErrAlreadyExists: a resource's create.
	ClaimNew
	// ClaimHold takes the claim whether or not it is held: a resource's
	// update, which may follow an import.
	ClaimHold
)
