package condition

// CEL names of the nested detection types, as cel-go derives them.
const (
	locationType       = "engine.Location"
	geoCoordinatesType = "engine.GeoCoordinates"
)

// Field is one name a condition can use, for the documentation table.
type Field struct {
	Name        string // as written in a condition, e.g. detection.location.city
	Type        string // the CEL type
	Description string
}

// Fields lists the detection variable and every field under it, in Graph's
// order. A test holds it to the CEL environment, so it cannot drift.
func Fields() []Field {
	return []Field{
		{"detection", detectionType, "The Graph riskDetection being evaluated."},
		{"detection.id", "string", "Unique id of the detection."},
		{"detection.requestId", "string", "Request id of the sign-in; \"\" when absent."},
		{"detection.correlationId", "string", "Correlation id of the sign-in; \"\" when absent."},
		{"detection.riskEventType", "string", "Type of risk detected, e.g. \"anonymizedIPAddress\", \"leakedCredentials\" (Graph's beta riskType is read into it)."},
		{"detection.riskState", "string", "e.g. \"atRisk\", \"confirmedCompromised\", \"dismissed\", \"remediated\", \"confirmedSafe\"; \"\" when absent."},
		{"detection.riskLevel", "string", "\"low\", \"medium\", \"high\", \"hidden\", \"none\" or a newer Graph value; \"\" when absent."},
		{"detection.riskDetail", "string", "Why the risk state is what it is, e.g. \"userPassedMFADrivenByRiskBasedPolicy\"; \"\" when absent."},
		{"detection.source", "string", "Source of the detection, e.g. \"IdentityProtection\"; \"\" when absent."},
		{"detection.detectionTimingType", "string", "\"realtime\" or \"offline\"; \"\" when absent."},
		{"detection.activity", "string", "\"signin\" or \"user\"; \"\" when absent."},
		{"detection.tokenIssuerType", "string", "e.g. \"AzureAD\", \"ADFederationServices\"; \"\" when absent."},
		{"detection.ipAddress", "string", "IP address the activity came from, as Graph sent it; \"\" when absent."},
		{"detection.location", locationType, "Where the activity came from; an empty location when absent (has(detection.location) is then false)."},
		{"detection.location.city", "string", "City; \"\" when absent."},
		{"detection.location.state", "string", "State or province; \"\" when absent."},
		{"detection.location.countryOrRegion", "string", "Two-letter country or region code, e.g. \"US\"; \"\" when absent."},
		{"detection.location.geoCoordinates", geoCoordinatesType, "Coordinates of the location; empty when absent (test with has())."},
		{"detection.location.geoCoordinates.latitude", "double", "Latitude in degrees; 0.0 when absent."},
		{"detection.location.geoCoordinates.longitude", "double", "Longitude in degrees; 0.0 when absent."},
		{"detection.activityDateTime", "timestamp", "When the risky activity happened."},
		{"detection.detectedDateTime", "timestamp", "When the risk was detected; 1970-01-01T00:00:00Z when absent."},
		{"detection.lastUpdatedDateTime", "timestamp", "When the detection was last updated; 1970-01-01T00:00:00Z when absent."},
		{"detection.userId", "string", "Object id of the user."},
		{"detection.userDisplayName", "string", "Display name of the user; \"\" when absent."},
		{"detection.userPrincipalName", "string", "User principal name, e.g. \"alice@contoso.com\"; \"\" when absent."},
		{"detection.additionalInfo", "string", "Graph's additionalInfo, a JSON-encoded string, unparsed; \"\" when absent."},
	}
}
