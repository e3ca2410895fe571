package provider

import (
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/policy"
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

func configureError(dataDir string, err error) diag.Diagnostic {
	return diag.NewErrorDiagnostic("Unable to Open the idp Engine",
		fmt.Sprintf("While attempting to open the embedded engine's store in %q, an error occurred. "+
			"Check that the directory is writable and not a file.", dataDir)+originalError(err))
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
	var fe *policy.FieldError
	if errors.As(err, &fe) {
		if p, ok := fields[fe.Field]; ok {
			at = p
		}
	}
	return diag.NewAttributeErrorDiagnostic(at, "Invalid Attribute Value",
		fmt.Sprintf("The idp engine rejected the value of %s.", at)+originalError(err))
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
