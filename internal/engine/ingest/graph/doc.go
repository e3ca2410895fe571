// Package graph is the engine's Microsoft Graph client: it pulls Identity
// Protection riskDetection records and Intune managedDevice records, and
// writes remediation back with riskyUsers/confirmCompromised.
//
// It hands records to the engine as raw JSON, unparsed: the engine validates
// and quarantines Graph records exactly as it does records read from a file,
// so this package never decides that a record is bad.
//
// Everything that talks to Graph goes through one request loop (retry.go): a
// client-side rate limit, the bearer token from the client-credentials flow,
// bounded retries with backoff, one token refresh on a 401, and errors that
// name the missing permission on a 403. The client secret never leaves the
// token request: no error and no log line carries it (redact.go).
package graph
