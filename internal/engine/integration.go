package engine

// Integration is the singleton that switches ingestion on and off and holds
// the settings every policy shares.
type Integration struct {
	Enabled       bool    `json:"enabled"`
	RetentionDays int     `json:"retention_days"`
	Actions       Actions `json:"actions"`
	Source        *Source `json:"source,omitempty"`
}

// Defaults of the integration: what a new engine has and what Terraform's
// destroy restores.
const (
	DefaultRetentionDays = 180 // as Cloud App Security keeps alerts
	MinRetentionDays     = 1
	MaxRetentionDays     = 3650
)

// DefaultIntegration is the integration of a new engine.
func DefaultIntegration() Integration {
	return Integration{
		Enabled:       true,
		RetentionDays: DefaultRetentionDays,
		Actions:       Actions{ResetPassword: true, RequireMFA: true, RequireManagedDevice: true},
	}
}

// Actions are the remediation actions user risk analytics may enforce on a
// user set to high risk.
type Actions struct {
	ResetPassword        bool `json:"reset_password"`
	RequireMFA           bool `json:"require_mfa"`
	RequireManagedDevice bool `json:"require_managed_device"`
}

// Source is where the engine pulls detections from: exactly one of File or
// Graph.
type Source struct {
	File  *FileSource  `json:"file,omitempty"`
	Graph *GraphSource `json:"graph,omitempty"`
}

// FileSource names NDJSON or Graph-page files; the engine reads each from
// its cursor, so a file that grows is read only where it grew.
type FileSource struct {
	Detections []string `json:"detections,omitempty"`
	Devices    []string `json:"devices,omitempty"`
}

// GraphSource pulls from Microsoft Graph with the client-credentials flow.
type GraphSource struct {
	TenantID string `json:"tenant_id"`
	ClientID string `json:"client_id"`
	// ClientSecret is written, never read back: the engine answers it
	// empty, with ClientSecretSet saying whether it holds one.
	ClientSecret string `json:"client_secret,omitempty"`
	// ClientSecretSet, in an answer, says whether the engine holds a
	// client secret. Written with an empty ClientSecret, true keeps the
	// secret the engine holds and false drops it (a sync then reads
	// IDP_GRAPH_CLIENT_SECRET), so settings read and written back as they
	// were keep their secret.
	ClientSecretSet bool `json:"client_secret_set"`
	// SealedClientSecret is the secret as the store keeps it: sealed
	// under the engine's key (engine/secret), never in plaintext. The
	// engine fills it when it stores the settings; no answer carries it,
	// and what a caller writes in it is ignored.
	SealedClientSecret string `json:"sealed_client_secret,omitempty"`
	AuthorityURL       string `json:"authority_url,omitempty"`
	GraphURL           string `json:"graph_url,omitempty"`
	PageSize           int    `json:"page_size,omitempty"`
	Writeback          bool   `json:"writeback"`
}
