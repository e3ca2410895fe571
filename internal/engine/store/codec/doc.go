// Package codec packs what the backends store as one value (a member's
// fields, an alert's unfiltered fields, a detection's groups) so that
// every backend writes the same bytes. The backends call it, and so does
// the service for members alone: it packs them while it reads, off the
// path that holds the write lock (store.MemberRow says why).
package codec
