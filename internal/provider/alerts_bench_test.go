package provider

import (
	"context"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine/store/alertfixture"
)

// BenchmarkAlertsRead reads idp_alerts end to end through the provider's
// protocol server, in embedded mode, over the kept SQLite fixture of
// IDP_BENCH_ALERTS alerts (default 1,000,000; see alertfixture). Each
// read is what one Terraform run asks of a new provider process: the
// schema, the provider's configuration (which opens the store), the data
// source's validation and its read. Terraform's own work, the process's
// start and its end are not in it; the store is closed with the timer
// stopped, since Terraform ends the provider's process instead.
func BenchmarkAlertsRead(b *testing.B) {
	dir, f := alertfixture.SQLite(b, alertfixture.Size(b))
	ctx := context.Background()
	for _, q := range alertfixture.Queries(f) {
		filters := map[string]tftypes.Value{"limit": tftypes.NewValue(tftypes.Number, big.NewFloat(float64(q.Q.Limit)))}
		str := func(name, v string) {
			if v != "" {
				filters[name] = tftypes.NewValue(tftypes.String, v)
			}
		}
		str("policy", q.Q.Policy)
		str("min_severity", string(q.Q.MinSeverity))
		str("user_principal_name", q.Q.UserPrincipalName)
		if !q.Q.Since.IsZero() {
			str("since", q.Q.Since.Format(time.RFC3339Nano))
			str("until", q.Q.Until.Format(time.RFC3339Nano))
		}
		b.Run(q.Name, func(b *testing.B) {
			var total int64
			for b.Loop() {
				var closeAll func()
				total, closeAll = readAlertsOnce(ctx, b, dir, filters)
				b.StopTimer()
				closeAll()
				b.StartTimer()
			}
			if total == 0 {
				b.Fatalf("%s: idp_alerts read no alerts", q.Name)
			}
			b.ReportMetric(float64(total), "total")
		})
	}
}

// readAlertsOnce serves a new provider, configures it on dataDir, reads
// idp_alerts with the filters and returns the total it read, and what
// closes the store it opened.
func readAlertsOnce(ctx context.Context, b *testing.B, dataDir string, filters map[string]tftypes.Value) (int64, func()) {
	b.Helper()
	var opened []client.Client
	var mu sync.Mutex
	p := &idpProvider{version: "bench", open: func(ctx context.Context, cfg clientConfig) (client.Client, error) {
		c, err := openClient(ctx, cfg)
		if err == nil {
			mu.Lock()
			opened = append(opened, c)
			mu.Unlock()
		}
		return c, err
	}}
	closeAll := func() {
		for _, c := range opened {
			_ = c.Close()
		}
	}
	server := providerserver.NewProtocol6(p)()
	schema, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || hasErrors(schema.Diagnostics) {
		b.Fatalf("schema: %v %v", err, schema.Diagnostics)
	}
	cfg := dynamic(b, schema.Provider.ValueType(), map[string]tftypes.Value{"data_dir": tftypes.NewValue(tftypes.String, dataDir)})
	conf, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.16.0", Config: cfg})
	if err != nil || hasErrors(conf.Diagnostics) {
		b.Fatalf("configure: %v %v", err, conf.Diagnostics)
	}
	dsType := schema.DataSourceSchemas[alertsDataSourceName].ValueType()
	dsCfg := dynamic(b, dsType, filters)
	valid, err := server.ValidateDataResourceConfig(ctx, &tfprotov6.ValidateDataResourceConfigRequest{TypeName: alertsDataSourceName, Config: dsCfg})
	if err != nil || hasErrors(valid.Diagnostics) {
		b.Fatalf("validate: %v %v", err, valid.Diagnostics)
	}
	read, err := server.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{TypeName: alertsDataSourceName, Config: dsCfg})
	if err != nil || hasErrors(read.Diagnostics) {
		b.Fatalf("read: %v %v", err, read.Diagnostics)
	}
	state, err := read.State.Unmarshal(dsType)
	if err != nil {
		b.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	var total big.Float
	if err := state.As(&attrs); err != nil {
		b.Fatal(err)
	}
	if err := attrs["total"].As(&total); err != nil {
		b.Fatal(err)
	}
	n, _ := total.Int64()
	return n, closeAll
}

// dynamic is an object of type typ with the given attributes set and
// every other attribute null, as Terraform sends a configuration.
func dynamic(b *testing.B, typ tftypes.Type, set map[string]tftypes.Value) *tfprotov6.DynamicValue {
	b.Helper()
	obj, ok := typ.(tftypes.Object)
	if !ok {
		b.Fatalf("%s is not an object type", typ)
	}
	vals := map[string]tftypes.Value{}
	for name, t := range obj.AttributeTypes {
		vals[name] = tftypes.NewValue(t, nil)
		if v, ok := set[name]; ok {
			vals[name] = v
		}
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
	if err != nil {
		b.Fatal(err)
	}
	return &dv
}

func hasErrors(diags []*tfprotov6.Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return true
		}
	}
	return false
}
