package cli

import (
	"bytes"
	"flag"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// usageFlag finds the flags a usage line names.
var usageFlag = regexp.MustCompile(`--([a-z][a-z-]*)`)

// The usage line is all the help a command prints, so it must name every
// flag the command takes, and no flag it does not. --data-dir and
// --database-url, which every command takes, are named once, in the help.
func TestUsageNamesEveryFlag(t *testing.T) {
	var help bytes.Buffer
	printHelp(&help)
	storeFlags := map[string]bool{"data-dir": true, "database-url": true}
	for f := range storeFlags {
		if !strings.Contains(help.String(), "--"+f) {
			t.Errorf("the help does not name --%s:\n%s", f, help.String())
		}
	}
	if len(commands) == 0 {
		t.Fatal("no commands registered")
	}
	for name, cmd := range commands {
		fs := flag.NewFlagSet(name, flag.ContinueOnError)
		common, _ := cmd.bind(fs)
		common.defineStore(fs, func(string) string { return "" })
		defined := map[string]bool{}
		fs.VisitAll(func(f *flag.Flag) { defined[f.Name] = true })
		named := map[string]bool{}
		for _, m := range usageFlag.FindAllStringSubmatch(cmd.usage, -1) {
			named[m[1]] = true
		}
		for _, f := range sortedKeys(defined) {
			if !storeFlags[f] && !named[f] {
				t.Errorf("engine %s: usage %q does not name --%s", name, cmd.usage, f)
			}
		}
		for _, f := range sortedKeys(named) {
			if !defined[f] {
				t.Errorf("engine %s: usage names --%s, which the command does not take", name, f)
			}
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

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
