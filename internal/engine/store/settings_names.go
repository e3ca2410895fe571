package store

// Names of the rows of the settings table (name, JSON value) that are not
// the integration: both backends keep the last sync and the claims there,
// beside the integration, so neither needs a table of its own.
const (
	LastSyncSetting = "last_sync"
	// ClaimPrefix starts the name of each claim's row; ClaimPrefixEnd is
	// the first name after every such row in byte order, for range scans.
	ClaimPrefix    = "claim:"
	ClaimPrefixEnd = "claim;"
)
