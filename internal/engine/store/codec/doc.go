// Package codec packs what the backends store as one value (a member's
// fields, an alert's unfiltered fields, a detection's groups) so that
// every backend writes the same bytes. Only the store calls it: the engine
// packs members early through store.PackMember, which keeps the form here.
package codec
