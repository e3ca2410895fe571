// Package codec packs what the backends store as one value (a member's
// fields, an alert's unfiltered fields, a detection's groups) so that
// every backend writes the same bytes. Only the backends call it: the
// engine hands the store whole members and alerts.
package codec
