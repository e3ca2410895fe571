package alerting

import (
	"reflect"
	"slices"
	"strings"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/remediate"
)

// equalResults compares results whatever the order of their slices.
func equalResults(a, b Result) bool {
	for _, r := range []*Result{&a, &b} {
		slices.SortFunc(r.Puts, func(x, y engine.Alert) int { return strings.Compare(x.ID, y.ID) })
		slices.SortFunc(r.Deletes, func(x, y engine.GroupKey) int { return strings.Compare(x.AlertID(), y.AlertID()) })
		slices.SortFunc(r.Candidates, func(x, y remediate.Candidate) int { return strings.Compare(x.AlertID, y.AlertID) })
	}
	return reflect.DeepEqual(a, b)
}
