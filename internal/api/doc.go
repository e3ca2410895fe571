// Package api is the wire contract between `engine serve` (internal/server)
// and its remote client (internal/client): the error body and its codes,
// the query codecs of the listings, the page bounds, and the request and
// answer types of the routes that are not plain engine types. Both sides
// import it, so neither needs the other to agree on what crosses the wire.
package api
