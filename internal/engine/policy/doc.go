// Package policy holds the policy plugins, one file per type, and the one
// registry they join. A plugin knows its defaults, validates a
// configuration and compiles it into a Compiled policy, which says which
// alert (if any) a detection belongs to. Turning a group of members into an
// alert is shared by every type (aggregate.go).
package policy
