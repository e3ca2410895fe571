package provider

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/idp/terraform-provider-idp/internal/client"
	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Every diagnostic the provider raises is built here, so that summaries
// stay in Title Case and details read the same way everywhere: a sentence
// saying what was attempted, then the engine's own words after
// "Original Error:".

func originalError(err error) string {
	return "\n\nOriginal Error: " + err.Error()
}

// engineError reports a failed call to the engine. action completes
// "While attempting to ..." and names the object.
func engineError(summary, action string, err error) diag.Diagnostic {
	detail := fmt.Sprintf("While attempting to %s, the idp engine returned an error.", action)
	switch {
	case errors.Is(err, engine.ErrDisabled):
		detail += " The integration is disabled; enable it (idp_integration.enabled) to ingest again."
	case errors.Is(err, engine.ErrInvalid):
		detail += " The engine rejected the settings; correct the configuration and try again."
	case errors.Is(err, client.ErrUnauthorized):
		detail += " " + unauthorizedHint
	case errors.Is(err, client.ErrForbidden):
		detail += " " + forbiddenHint
	}
	return diag.NewErrorDiagnostic(summary, detail+originalError(err))
}

func createError(resource string, err error) diag.Diagnostic {
	return engineError("Unable to Create "+resource, "apply the settings of "+resource, err)
}

func readError(resource string, err error) diag.Diagnostic {
	return engineError("Unable to Read "+resource, "read "+resource+" from the engine", err)
}

func updateError(resource string, err error) diag.Diagnostic {
	return engineError("Unable to Update "+resource, "update the settings of "+resource, err)
}

func deleteError(resource string, err error) diag.Diagnostic {
	return engineError("Unable to Delete "+resource, "restore the defaults of "+resource, err)
}

func deleteCustomError(resource string, err error) diag.Diagnostic {
	return engineError("Unable to Delete "+resource, "delete "+resource, err)
}

// planError reports an engine that could not judge a plan: the settings
// were not found wrong, the engine could not be asked (unreachable, a
// token it refuses).
func planError(resource, action string, err error) diag.Diagnostic {
	return engineError("Unable to Plan "+resource, action, err)
}

func alertsReadError(err error) diag.Diagnostic {
	return engineError("Unable to Read Alerts", "sync the integration's source and query the alerts", err)
}

// removedOutsideTerraform warns that Read found the object gone and drops
// it from the state, so the next plan creates it again.
func removedOutsideTerraform(resource, id string) diag.Diagnostic {
	return diag.NewWarningDiagnostic("Resource Removed Outside Terraform",
		fmt.Sprintf("%s %q no longer exists in the engine, so it was removed from the Terraform state. "+
			"The next plan will propose to create it again.", resource, id))
}

// configureError reports an engine the provider could not open or reach,
// with a hint that fits the mode and the failure.
func configureError(cfg clientConfig, err error) diag.Diagnostic {
	switch {
	case cfg.Endpoint != "":
		hint := "Check that the server runs and that endpoint (or " + envEndpoint + ") is its address; for https with " +
			"a private or self-signed certificate, set ca_file (or " + envCAFile + ") to its CA."
		switch {
		case errors.Is(err, client.ErrUnauthorized):
			hint = unauthorizedHint
		case errors.Is(err, engine.ErrInvalid):
			hint = "Correct the provider's remote settings."
		}
		return diag.NewErrorDiagnostic("Unable to Reach the idp Engine",
			fmt.Sprintf("While attempting to reach engine serve at %s, an error occurred. %s", redactedEndpoint(cfg.Endpoint), hint)+
				originalError(err))
	case cfg.DatabaseURL != "":
		return diag.NewErrorDiagnostic("Unable to Open the idp Engine",
			"While attempting to open the embedded engine's store in the PostgreSQL database of database_url (or "+
				envDatabaseURL+"), an error occurred. Check that the server answers and that the user may create "+
				"tables in the database."+originalError(err))
	}
	return diag.NewErrorDiagnostic("Unable to Open the idp Engine",
		fmt.Sprintf("While attempting to open the embedded engine's store in %q, an error occurred. "+
			"Check that the directory is writable and not a file.", cfg.DataDir)+originalError(err))
}

const forbiddenHint = "engine serve refused the call for the token's scope: a read token may plan, refresh and " +
	"read alerts; applying changes needs an admin token."

const unauthorizedHint = "engine serve refused the token: set token (or " + envToken + ") to one of the tokens of " +
	"the server's --token-file or IDP_TOKENS."

// redactedEndpoint hides a password an endpoint URL might carry.
func redactedEndpoint(endpoint string) string {
	if u, err := url.Parse(endpoint); err == nil {
		return u.Redacted()
	}
	return endpoint
}

// conflictingSettings: two settings that select different engines. The
// diagnostic sits on an attribute of the provider block when one of them
// is there, and names where each came from.
func conflictingSettings(a, b resolved) diag.Diagnostic {
	summary := "Conflicting Provider Settings"
	detail := fmt.Sprintf("%s and %s are both set, and each selects a different engine: %s. Remove one of them "+
		"(unset the environment variable, or delete the attribute).", a.origin(), b.origin(), engineOf(a)+" and "+engineOf(b))
	switch {
	case a.fromConfig:
		return diag.NewAttributeErrorDiagnostic(path.Root(a.attr), summary, detail)
	case b.fromConfig:
		return diag.NewAttributeErrorDiagnostic(path.Root(b.attr), summary, detail)
	}
	return diag.NewErrorDiagnostic(summary, detail)
}

func engineOf(r resolved) string {
	switch r.attr {
	case endpointSetting.attr:
		return "the engine served at " + redactedEndpoint(r.text)
	case databaseURLSetting.attr:
		return "the embedded engine on PostgreSQL"
	}
	return "the embedded engine on SQLite in " + r.text
}

func missingToken(endpoint resolved) diag.Diagnostic {
	detail := fmt.Sprintf("%s selects remote mode, which needs an API token: set token in the provider block or %s "+
		"in the environment to one of the tokens of the server's --token-file or IDP_TOKENS.", endpoint.origin(), envToken)
	if endpoint.fromConfig {
		return diag.NewAttributeErrorDiagnostic(path.Root(tokenSetting.attr), "Missing Provider Token", detail)
	}
	return diag.NewErrorDiagnostic("Missing Provider Token", detail)
}

// remoteOnlySetting: token or ca_file in the provider block without an
// endpoint, which would be ignored.
func remoteOnlySetting(r resolved) diag.Diagnostic {
	return diag.NewAttributeErrorDiagnostic(path.Root(r.attr), "Invalid Attribute Combination",
		fmt.Sprintf("Attribute %s is only used in remote mode: it cannot be set unless endpoint (or %s) is set.", r.attr, envEndpoint))
}

func unknownProviderValue(attr string) diag.Diagnostic {
	return diag.NewAttributeErrorDiagnostic(path.Root(attr), "Unknown Provider Configuration Value",
		fmt.Sprintf("The provider cannot open the engine because %s is not known until apply. "+
			"Set it to a value known at plan time, or leave it unset to use the environment or the default.", attr))
}

func unexpectedProviderData(got any) diag.Diagnostic {
	return diag.NewErrorDiagnostic("Unexpected Provider Data Type",
		fmt.Sprintf("The provider handed the resource a %T instead of an engine client. "+
			"This is a bug in the provider; please report it.", got))
}

func unconfiguredProvider(what string) diag.Diagnostic {
	return diag.NewErrorDiagnostic("Unconfigured Provider",
		fmt.Sprintf("While attempting to use %s, the provider had not opened the engine yet. "+
			"This is a bug in the provider; please report it.", what))
}

func invalidImportID(resource, id, want string) diag.Diagnostic {
	return diag.NewErrorDiagnostic("Invalid Import ID",
		fmt.Sprintf("%s cannot be imported with the ID %q: %s", resource, id, want))
}

// invalidSetting turns an engine validation error into an error on the
// attribute it names; errors that name no attribute land on fallback.
// fields maps the engine's field names to attribute paths.
func invalidSetting(err error, fields map[string]path.Path, fallback path.Path) diag.Diagnostic {
	at := fallback
	var fe *engine.FieldError
	if errors.As(err, &fe) {
		if p, ok := fields[fe.Field]; ok {
			at = p
		}
	}
	return diag.NewAttributeErrorDiagnostic(at, "Invalid Attribute Value",
		fmt.Sprintf("The idp engine rejected the value of %s.", at)+originalError(err))
}

// missingForType and notAllowedForType report an attribute that a policy
// type requires or does not take, in the words of the framework's
// validators.
func missingForType(at path.Path, typ string) diag.Diagnostic {
	return diag.NewAttributeErrorDiagnostic(at, "Missing Attribute Configuration",
		fmt.Sprintf("Attribute %s must be set when type is %q.", at, typ))
}

func notAllowedForType(at path.Path, typ, only string) diag.Diagnostic {
	return diag.NewAttributeErrorDiagnostic(at, "Invalid Attribute Combination",
		fmt.Sprintf("Attribute %s cannot be set when type is %q: only %q policies take it.", at, typ, only))
}

// policyNameTaken: creating a custom policy whose name the engine already
// has, made by another configuration or the command line.
func policyNameTaken(at path.Path, name string, err error) diag.Diagnostic {
	return diag.NewAttributeErrorDiagnostic(at, "Policy Already Exists",
		fmt.Sprintf("The idp engine already has a custom policy named %q, so it was not created. To manage that "+
			"policy with this resource, import it (its import ID is its name); otherwise choose another name.", name)+
			originalError(err))
}

func syncError(err error) diag.Diagnostic {
	return engineError("Unable to Sync", "process the integration's source (the "+syncActionName+" action)", err)
}

// nothingToSync is a warning, not an error: an action_trigger on a
// disabled integration must not fail the apply that disabled it.
func nothingToSync(why string) diag.Diagnostic {
	return diag.NewWarningDiagnostic("Nothing To Sync", "The "+syncActionName+" action processed nothing: "+why+".")
}

// storeIsNew warns that the engine's store holds no settings although the
// state holds this provider's resources: the store is new or was
// replaced, so the coming plan will show every resource drifted.
func storeIsNew(cfg clientConfig) diag.Diagnostic {
	where := "The PostgreSQL database the provider uses (database_url)"
	persist := "Point database_url at the database that holds the engine's data."
	if cfg.Endpoint != "" {
		where = "The engine served at " + cfg.Endpoint
		persist = "Check that endpoint names the server that holds the engine's data."
	} else if cfg.DatabaseURL == "" {
		where = fmt.Sprintf("The embedded engine's data directory %s", cfg.DataDir)
		persist = "Keep the data directory where it outlives the working copy: set data_dir (or IDP_DATA_DIR) to a " +
			"persistent path, keep it out of version control, and in CI restore it before plan and save it after " +
			"apply (a cache or artifact). For a store shared by several runners or people, use database_url " +
			"(PostgreSQL) or endpoint (terraform-provider-idp engine serve)."
	}
	return diag.NewWarningDiagnostic("The idp Engine's Store Is New",
		where+" holds no settings, yet the Terraform state holds resources of this provider: the store is new, "+
			"or was deleted or replaced (a fresh CI checkout, another working directory, a cleaned .idp "+
			"directory). Until the store that holds them is back, plans show the integration and the built-in "+
			"policies drifted to their defaults, custom policies gone, and no alerts; applying recreates the "+
			"settings but not the alert history. "+persist)
}

// singletonClaimed reports a create of the integration or of a built-in
// policy that another Terraform resource already manages. It names the
// import command: the way to move the management here on purpose.
func singletonClaimed(resourceType, importID string, err error) diag.Diagnostic {
	return diag.NewErrorDiagnostic("Already Managed By Another Resource",
		fmt.Sprintf("Another %s resource (in this configuration or another one that shares the engine) already "+
			"manages %s, so this one was not created: two resources would overwrite each other's settings on "+
			"every apply, and destroying one would reset the other's. Declare it once per engine. To manage it "+
			"from this resource instead, remove it from the other configuration's state (terraform state rm "+
			"ADDRESS) and import it here:\n\n  terraform import %s.NAME %s\n\nor an import block with "+
			"id = %q. Destroying the resource that manages it releases it.", resourceType, singletonWhat(importID),
			resourceType, importID, importID)+originalError(err))
}

func singletonWhat(importID string) string {
	if importID == integrationID {
		return "the integration"
	}
	return "the built-in policy " + importID
}

// policyTestFailed reports a failing inline test on its own path,
// tests[N]; the result's message names the index too, so it reads alone.
func policyTestFailed(at path.Path, r engine.PolicyTestResult) diag.Diagnostic {
	return diag.NewAttributeErrorDiagnostic(at, "Policy Test Failed",
		r.Message()+".\n\nInline tests run at plan time against the policy as configured, each detection alone. "+
			"Correct the policy, or the test's detection or expect_alert.")
}

func invalidDuration(at path.Path, value string, err error) diag.Diagnostic {
	return diag.NewAttributeErrorDiagnostic(at, "Invalid Duration",
		fmt.Sprintf("%q is not a Go duration such as \"24h\", \"90m\" or \"1h30m\".", value)+originalError(err))
}

// invalidAttributeValue is what this provider's own validators report, in
// the words of the framework's validators ("Attribute x value must be ...,
// got: ..."); err, when there is one, says why the value failed.
func invalidAttributeValue(at path.Path, requirement, got string, err error) diag.Diagnostic {
	detail := fmt.Sprintf("Attribute %s %s, got: %s", at, requirement, got)
	if err != nil {
		detail += originalError(err)
	}
	return diag.NewAttributeErrorDiagnostic(at, "Invalid Attribute Value", detail)
}

// versionAdvice is what to do about a server and a provider that cannot
// work together: one binary is both, so the same release on both sides
// always fits.
const versionAdvice = "Run engine serve from the same release as this provider (the provider binary is also the " +
	"server: terraform-provider-idp engine serve), or pin the provider to the release the server runs " +
	"(required_providers version)."

// engineAPIVersionMismatch: the server speaks another version of the API.
func engineAPIVersionMismatch(cfg clientConfig, providerVersion string, v client.Version) diag.Diagnostic {
	return diag.NewErrorDiagnostic("Incompatible Engine Server",
		fmt.Sprintf("engine serve at %s speaks API version %d (release %s), but this provider (release %s) speaks "+
			"API version %d, so the two would misread each other. %s",
			redactedEndpoint(cfg.Endpoint), v.APIVersion, releaseName(v.Version), releaseName(providerVersion), client.APIVersion, versionAdvice))
}

// engineServerTooOld: the server does not report its version at all.
func engineServerTooOld(cfg clientConfig, providerVersion string, err error) diag.Diagnostic {
	return diag.NewErrorDiagnostic("Incompatible Engine Server",
		fmt.Sprintf("engine serve at %s does not report its version (GET /v1/version), so it predates API version %d, "+
			"which this provider (release %s) needs to check plans by the server's rules. %s",
			redactedEndpoint(cfg.Endpoint), client.APIVersion, releaseName(providerVersion), versionAdvice)+originalError(err))
}

// engineReleaseDiffers: the same API, another release.
func engineReleaseDiffers(cfg clientConfig, providerVersion string, v client.Version) diag.Diagnostic {
	return diag.NewWarningDiagnostic("Engine Server Runs Another Release",
		fmt.Sprintf("engine serve at %s runs release %s and this provider release %s. Both speak API version %d, so "+
			"they work together; plans are validated and defaulted by the server's rules, which may differ from this "+
			"provider's documentation. Run the same release on both to make them agree.",
			redactedEndpoint(cfg.Endpoint), v.Version, providerVersion, v.APIVersion))
}

// releaseName is a release version as a sentence shows it.
func releaseName(v string) string {
	if v == "" {
		return "unknown"
	}
	return v
}
