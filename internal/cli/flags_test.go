package cli

import (
	"strings"
	"testing"
)

// A bad flag value is bad usage: exit status 2, nothing on stdout, and one
// line of error naming the flag. A value the flag package cannot parse is
// followed by the command's usage line; a value it parses but the command
// refuses is not.
func TestBadFlagValueExitsTwoWithOneLineError(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args  []string
		flag  string
		usage bool
	}{
		{[]string{"alerts", "--limit", "ten"}, "limit", true},
		{[]string{"alerts", "--limit", "-1"}, "limit", false},
		{[]string{"alerts", "--offset", "-1"}, "offset", false},
		{[]string{"generate", "--seed", "-1"}, "seed", true},
		{[]string{"generate", "--records", "1e3"}, "records", true},
		{[]string{"generate", "--type", "users"}, "type", false},
		{[]string{"ingest", "--tx-records", "many", "-"}, "tx-records", true},
		{[]string{"ingest", "--tx-records", "-5", "-"}, "tx-records", false},
		{[]string{"policies", "--output", "yaml"}, "output", false},
		{[]string{"quarantine", "--after", "x"}, "after", true},
		{[]string{"quarantine", "--raw", "-2"}, "raw", false},
		{[]string{"remediations", "--offset", "x"}, "offset", true},
		{[]string{"serve", "--poll-interval", "5"}, "poll-interval", true},
		{[]string{"serve", "--insecure=maybe"}, "insecure", true},
		{[]string{"serve", "--max-body-bytes", "0"}, "max-body-bytes", false},
		{[]string{"serve", "--log-level", "loud"}, "log-level", false},
		{[]string{"sync", "--output", "yaml"}, "output", false},
		{[]string{"users", "--limit", "-1"}, "limit", false},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := run(t, "", append(tc.args, "--data-dir", dir)...)
			if code != ExitUsage || stdout != "" {
				t.Fatalf("exit %d, stdout %q; want exit %d and nothing", code, stdout, ExitUsage)
			}
			want := 1
			if tc.usage {
				want = 2
			}
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			if len(lines) != want || !strings.HasPrefix(lines[0], "error: ") || !strings.Contains(lines[0], tc.flag) {
				t.Fatalf("stderr %q: want one error line naming %s", stderr, tc.flag)
			}
			if tc.usage && lines[1] != "usage: terraform-provider-idp engine "+tc.args[0]+" "+commands[tc.args[0]].usage {
				t.Fatalf("second line %q is not the usage line", lines[1])
			}
		})
	}
}
