package engine

// What a caller needs to know about a graph source without loading the
// Graph client (internal/engine/ingest/graph), which implements these:
// the defaults of its settings, the permissions it asks for, and where
// its secret may come from. The provider's schema and docs read them here.
const (
	// DefaultGraphAuthorityURL and DefaultGraphURL are Microsoft's public
	// cloud; sovereign clouds have their own.
	DefaultGraphAuthorityURL = "https://login.microsoftonline.com"
	DefaultGraphURL          = "https://graph.microsoft.com"
	// MaxGraphPageSize is the largest $top riskDetections accepts, and the
	// default page size.
	MaxGraphPageSize = 500

	// The Microsoft Graph application permissions a sync needs: detections
	// and devices to read, risky users to write back.
	GraphPermissionRiskDetections = "IdentityRiskEvent.Read.All"
	GraphPermissionManagedDevices = "DeviceManagementManagedDevices.Read.All"
	GraphPermissionRiskyUsers     = "IdentityRiskyUser.ReadWrite.All"

	// GraphSecretEnv supplies the client secret when the integration's
	// settings hold none, so that it need not be stored.
	GraphSecretEnv = "IDP_GRAPH_CLIENT_SECRET"
)

// DefaultDataDir is where the embedded store lives when nothing is set.
const DefaultDataDir = ".idp"
