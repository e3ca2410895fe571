package cli

import (
	"path/filepath"
	"strings"

	"github.com/idp/terraform-provider-idp/internal/engine/ingest/filesource"
)

// SourceRootsEnv names the source roots of engine serve too, in the
// system's path-list form (colon-separated on Unix).
const SourceRootsEnv = "IDP_SOURCE_ROOTS"

// stringList is a flag that may be given several times.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// sourceAccess is what engine serve lets file sources read: the files
// under the directories of --source-root and IDP_SOURCE_ROOTS, nothing
// when neither names one. A token holder is no operator: the server reads
// only where its operator said it may.
func sourceAccess(flags []string, env string) (filesource.Access, error) {
	roots := append([]string(nil), flags...)
	if env != "" {
		roots = append(roots, filepath.SplitList(env)...)
	}
	access, err := filesource.Restrict(roots)
	if err != nil {
		return filesource.Access{}, usagef("%s", err)
	}
	return access, nil
}
