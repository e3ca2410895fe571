package provider

import (
	"context"
	"fmt"
	"io"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// engineSubsystem is the tflog subsystem engine logs go to. Its level is
// TF_LOG_PROVIDER_IDP_ENGINE, else the provider's (TF_LOG_PROVIDER, else
// TF_LOG); Terraform shows provider lines only when one of the last two is
// set.
const (
	engineSubsystem    = "engine"
	envEngineLogLevel  = "TF_LOG_PROVIDER_IDP_ENGINE"
	hclogNameFieldName = "engine_logger"
)

// engineLogger is the go-hclog root logger handed to the engine. Every line
// the engine (or one of its named children) logs is passed to Terraform's
// log through the tflog subsystem "engine", so TF_LOG shows it next to the
// provider's own lines. The hclog logger itself writes nowhere and lets
// every level through: tflog decides what is shown.
func engineLogger(ctx context.Context) hclog.Logger {
	// The subsystem logger carries none of the request fields of ctx (it
	// is created without the root fields), so lines logged during later
	// requests are not mislabelled as belonging to ConfigureProvider.
	ctx = tflog.NewSubsystem(context.WithoutCancel(ctx), engineSubsystem,
		tflog.WithLevelFromEnv(envEngineLogLevel),
		// @caller names the engine's line, not this bridge: skip Accept
		// and the intercept logger's two frames.
		tflog.WithAdditionalLocationOffset(3))
	root := hclog.NewInterceptLogger(&hclog.LoggerOptions{Name: "engine", Level: hclog.Trace, Output: io.Discard})
	root.RegisterSink(tflogSink{ctx: ctx})
	return root
}

// tflogSink receives what the engine logs and writes it through tflog.
type tflogSink struct{ ctx context.Context }

func (s tflogSink) Accept(name string, level hclog.Level, msg string, args ...any) {
	fields := make(map[string]any, len(args)/2+1)
	fields[hclogNameFieldName] = name
	for i := 0; i < len(args); i += 2 {
		key := fmt.Sprint(args[i])
		if i+1 < len(args) {
			fields[key] = args[i+1]
		} else {
			// hclog's convention for an odd argument list
			fields["EXTRA_VALUE_AT_END"] = args[i]
		}
	}
	switch level {
	case hclog.Trace:
		tflog.SubsystemTrace(s.ctx, engineSubsystem, msg, fields)
	case hclog.Debug:
		tflog.SubsystemDebug(s.ctx, engineSubsystem, msg, fields)
	case hclog.Warn:
		tflog.SubsystemWarn(s.ctx, engineSubsystem, msg, fields)
	case hclog.Error:
		tflog.SubsystemError(s.ctx, engineSubsystem, msg, fields)
	default:
		tflog.SubsystemInfo(s.ctx, engineSubsystem, msg, fields)
	}
}
