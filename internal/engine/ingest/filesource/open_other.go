//go:build !unix

package filesource

// nonBlocking: opening never waits for a writer on these systems.
const nonBlocking = 0
