package api

import (
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Query parameters of GET /v1/alerts: the names of the idp_alerts filters.
const (
	paramPolicy      = "policy"
	paramMinSeverity = "min_severity"
	paramStatus      = "status"
	paramUser        = "user_principal_name"
	paramSince       = "since"
	paramUntil       = "until"
)

// AlertQueryValues encodes a query as GET /v1/alerts parameters; the remote
// client sends what ParseAlertQuery reads. Times are RFC 3339 with
// nanoseconds, so nothing is lost on the way.
func AlertQueryValues(q engine.AlertQuery) url.Values {
	v := url.Values{}
	set := func(name, value string) {
		if value != "" {
			v.Set(name, value)
		}
	}
	set(paramPolicy, q.Policy)
	set(paramMinSeverity, string(q.MinSeverity))
	set(paramStatus, string(q.Status))
	set(paramUser, q.UserPrincipalName)
	if !q.Since.IsZero() {
		set(paramSince, q.Since.UTC().Format(time.RFC3339Nano))
	}
	if !q.Until.IsZero() {
		set(paramUntil, q.Until.UTC().Format(time.RFC3339Nano))
	}
	if q.Limit != 0 {
		set(paramLimit, strconv.Itoa(q.Limit))
	}
	if q.Offset != 0 {
		set(paramOffset, strconv.Itoa(q.Offset))
	}
	return v
}

// ParseAlertQuery reads GET /v1/alerts parameters. Unknown parameters are
// refused, like unknown JSON fields: a filter the server ignored would
// answer more than was asked. So are times the engine cannot store (they
// would wrap around) and a limit over MaxPage; limit 0 is left for the
// route to turn into a full page.
func ParseAlertQuery(v url.Values) (engine.AlertQuery, error) {
	var q engine.AlertQuery
	for name, values := range v {
		if len(values) != 1 {
			return q, fmt.Errorf("%w: query parameter %s is given %d times", engine.ErrInvalid, name, len(values))
		}
		value := values[0]
		var err error
		switch name {
		case paramPolicy:
			q.Policy = value
		case paramMinSeverity:
			q.MinSeverity, err = engine.ParseSeverity(value)
		case paramStatus:
			q.Status = engine.AlertStatus(value)
			if q.Status != engine.AlertOpen && q.Status != engine.AlertResolved {
				err = fmt.Errorf("%w: status must be open or resolved, not %q", engine.ErrInvalid, value)
			}
		case paramUser:
			q.UserPrincipalName = value
		case paramSince:
			q.Since, err = parseQueryTime(name, value)
		case paramUntil:
			q.Until, err = parseQueryTime(name, value)
		case paramLimit:
			q.Limit, err = pageLimit(value, MaxPage)
		case paramOffset:
			q.Offset, err = positiveInt(name, value)
		default:
			err = fmt.Errorf("%w: unknown query parameter %q", engine.ErrInvalid, name)
		}
		if err != nil {
			return q, err
		}
	}
	return q, q.Validate()
}

// parseQueryTime reads an RFC 3339 time the engine can store. The range is
// checked here and not only by the query's Validate: year 1 is Go's zero
// time, which a query reads as no bound at all.
func parseQueryTime(name, value string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, value)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %s must be an RFC 3339 time: %w", engine.ErrInvalid, name, err)
	}
	if err := engine.CheckTimeRange(name, t); err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}
