package engine

import "fmt"

// Severity is both a detection's risk level, when it is one of the three
// ranked levels, and a policy's threshold (the seed's "sensitivity slider").
type Severity string

const (
	SeverityLow    Severity = "low"
	SeverityMedium Severity = "medium"
	SeverityHigh   Severity = "high"
)

// Severities lists the ranked levels in ascending order; validators and
// descriptions read the allowed values from here.
var Severities = []Severity{SeverityLow, SeverityMedium, SeverityHigh}

// SeverityNames is Severities as strings, for validators and messages.
func SeverityNames() []string {
	names := make([]string, len(Severities))
	for i, s := range Severities {
		names[i] = string(s)
	}
	return names
}

// Rank orders severities: 0 for anything that is not a ranked level (hidden,
// none, unknownFutureValue, empty), then 1, 2, 3 for low, medium, high.
func (s Severity) Rank() int {
	switch s {
	case SeverityLow:
		return 1
	case SeverityMedium:
		return 2
	case SeverityHigh:
		return 3
	}
	return 0
}

// SeverityOfRank is the inverse of Rank for 1..3 and "" otherwise.
func SeverityOfRank(rank int) Severity {
	if rank < 1 || rank > len(Severities) {
		return ""
	}
	return Severities[rank-1]
}

// ParseSeverity accepts exactly the three ranked levels.
func ParseSeverity(s string) (Severity, error) {
	sev := Severity(s)
	if sev.Rank() == 0 {
		return "", fmt.Errorf("%w: severity %q is not one of low, medium, high", ErrInvalid, s)
	}
	return sev, nil
}

// Reaches reports whether a detection or aggregate of severity s passes a
// policy threshold: low receives everything ranked, high only high.
func (s Severity) Reaches(threshold Severity) bool {
	return s.Rank() > 0 && s.Rank() >= threshold.Rank()
}
