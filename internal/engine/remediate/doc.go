// Package remediate is user risk analytics: which users a remediating
// policy sets to high risk (plan.go), which actions are then enforced on
// them (actions.go), and when a remediated user is written back to
// Identity Protection, with its retry spacing and lease (writeback.go).
package remediate
