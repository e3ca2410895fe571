// Package alerting is how an alert changes: given what one unit of
// ingestion did to the members of some groups, the alerts those groups
// have and the policies in effect, it decides which alerts to write, which
// to delete and whose users to remediate. It is a pure function: the
// service loads its inputs in a transaction and writes its outputs there.
package alerting
