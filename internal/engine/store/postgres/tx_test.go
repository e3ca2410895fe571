package postgres

import (
	"slices"
	"strings"
	"testing"
)

func TestLastOfEachKeepsTheLastWrite(t *testing.T) {
	type row struct{ key, value string }
	in := []row{{"b", "1"}, {"a", "1"}, {"b", "2"}, {"c", "1"}, {"a", "2"}, {"b", "3"}}
	before := slices.Clone(in)
	got := lastOfEach(in, func(x, y *row) int { return strings.Compare(x.key, y.key) })
	want := []row{{"a", "2"}, {"b", "3"}, {"c", "1"}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if !slices.Equal(in, before) {
		t.Fatalf("the input was changed: %v", in)
	}
}
