package store

import (
	"testing"
	"testing/fstest"
)

func TestMigrationsInVersionOrder(t *testing.T) {
	got, err := Migrations(fstest.MapFS{
		"migrations/0010_later.sql": {Data: []byte("B")},
		"migrations/0002_first.sql": {Data: []byte("A")},
		"migrations/README":         {Data: []byte("not a migration")},
	})
	if err != nil || len(got) != 2 || got[0].Version != 2 || got[0].SQL != "A" || got[1].Name != "0010_later.sql" {
		t.Fatalf("got %+v, %v", got, err)
	}
	if _, err := Migrations(fstest.MapFS{"migrations/initial.sql": {Data: []byte("x")}}); err == nil {
		t.Fatal("a migration without a version number was accepted")
	}
}
