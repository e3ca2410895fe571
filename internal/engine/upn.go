package engine

import (
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// FoldUserPrincipalName is the form in which user principal names are
// compared: Entra ID treats them as case-insensitive, in every script, so
// the alert filter does too (Åsa@contoso.com is åsa@contoso.com). It is
// Unicode full case folding of the NFC form, done by the engine rather
// than by a database: SQLite's lower() folds ASCII only and PostgreSQL's
// depends on the database's collation, and the backends must agree.
func FoldUserPrincipalName(upn string) string {
	// A Caser keeps state between calls, so each call makes its own.
	return norm.NFC.String(cases.Fold().String(norm.NFC.String(upn)))
}
