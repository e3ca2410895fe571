// Package ingest turns input bytes into records: it detects NDJSON or Graph
// pages, splits the input into records with their line numbers, decodes and
// validates Graph riskDetection and managedDevice objects, and says why a
// record is quarantined. It never drops a record: every record read comes
// out either decoded or as a quarantine entry with its whole original text.
package ingest
