package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph/graphtest"
)

func TestPullDevices(t *testing.T) {
	f := newFixture(t, nil)
	f.srv.SetBehavior(graphtest.Behavior{DevicePageSize: 10, EmptyPageEvery: 3, ThrottleEvery: 4})
	file, err := os.ReadFile("testdata/devices.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	// A device with properties the engine does not read, which $select
	// must leave out.
	extra := `{"id":"dev-extra","userId":"u-x","deviceName":"X","managementState":"managed","complianceState":"compliant","osVersion":"14.1","emailAddress":"x@example.com"}`
	if err := f.srv.LoadDevices(strings.NewReader(string(file) + extra + "\n")); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(string(file)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		want[fmt.Sprint(m["id"])] = m
	}
	pages := 0
	got := map[string]map[string]any{}
	err = f.client.PullDevices(context.Background(), func(records [][]byte) error {
		pages++
		for _, r := range records {
			var m map[string]any
			if err := json.Unmarshal(r, &m); err != nil {
				t.Fatal(err)
			}
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			sel := slices.Clone(graph.DeviceFields)
			sort.Strings(sel)
			if !slices.Equal(keys, sel) {
				t.Errorf("device %v has properties %v, want exactly the $select %v", m["id"], keys, sel)
			}
			got[m["id"].(string)] = m
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want)+1 || pages < 5 {
		t.Fatalf("%d devices in %d pages, want %d in at least 5", len(got), pages, len(want)+1)
	}
	for id, w := range want {
		g := got[id]
		for k, v := range w {
			if !reflect.DeepEqual(g[k], v) {
				t.Errorf("device %s: %s = %v, want %v", id, k, g[k], v)
			}
		}
	}
	if f.srv.Stats().Throttled == 0 {
		t.Error("no request was throttled: the retry path went unexercised")
	}
}
