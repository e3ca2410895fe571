package engine

import "time"

// Policy types. The two built-ins always exist and are tuned, never created;
// custom policies are created and deleted by name.
const (
	PolicyLeakedCredentials = "leaked_credentials"
	PolicyRiskySignIn       = "risky_sign_in"
	PolicyCustom            = "custom"
)

// Grouping of a policy's matches into alerts.
const (
	GroupByDetection = "detection" // one alert per detection
	GroupByUser      = "user"      // one alert per user and aggregation window
)

// Policy is the configuration of one policy. Which fields apply depends on
// the type; the policy registry (package policy) fills defaults and
// validates.
type Policy struct {
	Type    string `json:"type"`
	Name    string `json:"name,omitempty"`
	Enabled bool   `json:"enabled"`
	// Severity is the threshold: the lowest severity that raises an alert.
	Severity            Severity `json:"severity"`
	AggregationWindow   Duration `json:"aggregation_window,omitempty"`
	RemediateRiskyUsers bool     `json:"remediate_risky_users"`
	Condition           string   `json:"condition,omitempty"`
	GroupBy             string   `json:"group_by,omitempty"`
}

// ID names the policy in alerts, imports and the store: the type for a
// built-in, the name for a custom policy.
func (p Policy) ID() string {
	if p.Type == PolicyCustom {
		return p.Name
	}
	return p.Type
}

// Duration is a time.Duration written as Go's duration text ("24h0m0s")
// in JSON, so stored and printed settings read naturally.
type Duration time.Duration

func (d Duration) String() string { return time.Duration(d).String() }

func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// PolicyTest is one inline test of a policy: a detection (Graph JSON) and
// whether the policy, as configured, should alert on it alone.
type PolicyTest struct {
	Detection   string `json:"detection"`
	ExpectAlert bool   `json:"expect_alert"`
}
