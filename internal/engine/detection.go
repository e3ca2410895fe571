package engine

import "time"

// Detection is one Microsoft Graph riskDetection, with Graph's property
// names in the JSON tags. Optional text that was absent or null is "";
// optional times that were absent are the zero time.
type Detection struct {
	ID                  string    `json:"id"`
	RequestID           string    `json:"requestId,omitempty"`
	CorrelationID       string    `json:"correlationId,omitempty"`
	RiskEventType       string    `json:"riskEventType"`
	RiskState           string    `json:"riskState,omitempty"`
	RiskLevel           string    `json:"riskLevel,omitempty"`
	RiskDetail          string    `json:"riskDetail,omitempty"`
	Source              string    `json:"source,omitempty"`
	DetectionTimingType string    `json:"detectionTimingType,omitempty"`
	Activity            string    `json:"activity,omitempty"`
	TokenIssuerType     string    `json:"tokenIssuerType,omitempty"`
	IPAddress           string    `json:"ipAddress,omitempty"`
	Location            *Location `json:"location,omitempty"`
	ActivityDateTime    time.Time `json:"activityDateTime"`
	DetectedDateTime    time.Time `json:"detectedDateTime,omitzero"`
	LastUpdatedDateTime time.Time `json:"lastUpdatedDateTime,omitzero"`
	UserID              string    `json:"userId"`
	UserDisplayName     string    `json:"userDisplayName,omitempty"`
	UserPrincipalName   string    `json:"userPrincipalName,omitempty"`
	AdditionalInfo      string    `json:"additionalInfo,omitempty"`
}

// Location is where the activity came from, as Graph reports it.
type Location struct {
	City            string          `json:"city,omitempty"`
	State           string          `json:"state,omitempty"`
	CountryOrRegion string          `json:"countryOrRegion,omitempty"`
	GeoCoordinates  *GeoCoordinates `json:"geoCoordinates,omitempty"`
}

// GeoCoordinates of a location.
type GeoCoordinates struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

// Risk event types and activities the built-in policies select on. Other
// values are accepted and stored as they come: Graph's enums grow.
const (
	RiskEventLeakedCredentials = "leakedCredentials"
	ActivitySignIn             = "signin"
)

// Risk states under which a detection no longer keeps its alert open.
var closedRiskStates = map[string]bool{
	"dismissed":     true,
	"remediated":    true,
	"confirmedSafe": true,
}

// Version is the time that orders two copies of one detection: the newer
// copy replaces the older, an equal or older one is a duplicate.
func (d *Detection) Version() time.Time {
	switch {
	case !d.LastUpdatedDateTime.IsZero():
		return d.LastUpdatedDateTime
	case !d.DetectedDateTime.IsZero():
		return d.DetectedDateTime
	}
	return d.ActivityDateTime
}

// Severity is the detection's ranked risk level, or "" when its riskLevel is
// hidden, none or a value Graph may add later: such detections never alert.
func (d *Detection) Severity() Severity {
	s := Severity(d.RiskLevel)
	if s.Rank() == 0 {
		return ""
	}
	return s
}

// Open reports whether the detection keeps an alert open: any risk state
// other than dismissed, remediated or confirmedSafe does.
func (d *Detection) Open() bool { return !closedRiskStates[d.RiskState] }
