package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// durationBetween accepts Go durations within [min, max]; text that does
// not parse is left to the duration type's own check.
type durationBetween struct{ min, max time.Duration }

var _ validator.String = durationBetween{}

func (v durationBetween) Description(context.Context) string {
	return fmt.Sprintf("value must be a duration from %s to %s", formatDuration(v.min), formatDuration(v.max))
}

func (v durationBetween) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationBetween) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err != nil {
		return
	}
	if d < v.min || d > v.max {
		resp.Diagnostics.Append(invalidAttributeValue(req.Path, v.Description(ctx), req.ConfigValue.ValueString(), nil))
	}
}

// rfc3339 accepts RFC 3339 times ("2025-06-01T00:00:00Z"), fractional
// seconds allowed.
type rfc3339 struct{}

var _ validator.String = rfc3339{}

func (rfc3339) Description(context.Context) string {
	return "value must be an RFC 3339 time such as 2025-06-01T00:00:00Z, within " + engine.TimeRangeText
}

func (v rfc3339) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v rfc3339) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	t, err := time.Parse(time.RFC3339Nano, req.ConfigValue.ValueString())
	if err == nil {
		// The engine refuses what it cannot store: say so at plan time.
		err = engine.CheckTimeRange(req.Path.String(), t)
	}
	if err != nil {
		resp.Diagnostics.Append(invalidAttributeValue(req.Path, v.Description(ctx), req.ConfigValue.ValueString(), err))
	}
}

// enumText lists allowed values for a description: "`a`, `b` or `c`".
func enumText[T ~string](values []T) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = "`" + string(v) + "`"
	}
	if len(quoted) < 2 {
		return strings.Join(quoted, "")
	}
	return strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
}

// enumStrings converts a typed enum for stringvalidator.OneOf.
func enumStrings[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// endpointURL accepts what the remote client accepts: an absolute https
// URL, or http on a loopback host. The client's own check is the rule, so
// that the plan and the client never disagree.
type endpointURL struct{}

var _ validator.String = endpointURL{}

func (endpointURL) Description(context.Context) string {
	return "value must be an https URL such as https://idp.example.com:8443 (http only on a loopback host)"
}

func (v endpointURL) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v endpointURL) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	// The token is checked apart (it may come from the environment): a
	// placeholder lets NewRemote judge the URL alone. It contacts nothing.
	if _, err := client.NewRemote(client.RemoteConfig{Endpoint: req.ConfigValue.ValueString(), Token: "-"}); err != nil {
		resp.Diagnostics.Append(invalidAttributeValue(req.Path, v.Description(ctx), req.ConfigValue.String(), err))
	}
}
