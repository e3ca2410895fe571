// Package engine holds the domain of the identity-protection engine: the
// detections it ingests, the policies that filter them, the alerts they raise
// and the users they remediate. It imports nothing of Terraform; the
// subpackages do the work (ingest, policy, remediate, store, service).
package engine
