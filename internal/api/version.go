package api

// APIVersion is the version of the wire contract this build speaks: the
// routes under /v1, their bodies and their meaning. It changes only when a
// client built against the old contract would misread the new one (a
// route gone, a field whose meaning changed); routes and fields that are
// only added leave it alone. A client and a server of the same API
// version work together whatever their release versions.
const APIVersion = 1

// Version is the answer of GET /v1/version: the server's release version
// (its binary's, "" when it was built without one) and APIVersion as the
// server knows it.
type Version struct {
	Version    string `json:"version"`
	APIVersion int    `json:"api_version"`
}
