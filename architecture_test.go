package main

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// ARCHITECTURE.md promises that each behaviour can be found by folder
// name. This keeps the promise honest: every file or folder it names
// exists. A bare file name ("pages.go") is looked up in the folder named
// last on the same line, as the tables write them.
func TestArchitectureNamesOnlyPathsThatExist(t *testing.T) {
	text, err := os.ReadFile("ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile("`([^`]+)`")
	checked := 0
	for n, line := range strings.Split(string(text), "\n") {
		dir := ""
		for _, m := range code.FindAllStringSubmatch(line, -1) {
			name := m[1]
			switch {
			case strings.HasPrefix(name, "internal/") || strings.HasPrefix(name, "examples/"):
				if strings.HasSuffix(name, "/") || !strings.Contains(path.Base(name), ".") {
					dir = strings.TrimSuffix(name, "/")
				} else {
					dir = path.Dir(name)
				}
			case strings.HasSuffix(name, ".go") && !strings.Contains(name, "/") && dir != "":
				name = path.Join(dir, name)
			default:
				continue
			}
			matches, err := filepath.Glob(filepath.FromSlash(name))
			if err != nil || len(matches) == 0 {
				t.Errorf("ARCHITECTURE.md line %d names %s, which does not exist", n+1, name)
			}
			checked++
		}
	}
	if checked < 40 {
		t.Fatalf("checked only %d paths: the file's tables are not being read", checked)
	}
}
