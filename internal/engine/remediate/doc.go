// Package remediate is user risk analytics: which users a remediating
// policy sets to high risk, and which actions are then enforced on them.
package remediate
