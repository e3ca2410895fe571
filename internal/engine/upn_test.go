package engine

import "testing"

func TestFoldUserPrincipalName(t *testing.T) {
	cases := []struct {
		a, b string
		same bool
	}{
		{"Ann@Example.com", "ann@example.COM", true},
		{"Åsa@contoso.com", "åsa@contoso.com", true},
		{"ÅSA@CONTOSO.COM", "åsa@contoso.com", true},
		{"A\u030asa@contoso.com", "åsa@contoso.com", true}, // decomposed Å
		{"STRASSE@contoso.com", "straße@contoso.com", true},
		{"ΣΟΦΊΑ@contoso.com", "σοφία@contoso.com", true},
		{"asa@contoso.com", "åsa@contoso.com", false},
		{"ann@example.com", "ann@example.co", false},
	}
	for _, tc := range cases {
		if got := FoldUserPrincipalName(tc.a) == FoldUserPrincipalName(tc.b); got != tc.same {
			t.Errorf("fold(%q) == fold(%q) is %v, want %v", tc.a, tc.b, got, tc.same)
		}
	}
}
