package sqlite_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
	"github.com/idp/terraform-provider-idp/internal/engine/store/sqlite"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// Two stores on one data directory stand for two engine processes: opening
// a new directory at once and writing at once must both succeed.
func TestTwoStoresOneDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shared")
	ctx := context.Background()
	var wg sync.WaitGroup
	stores := make([]*sqlite.Store, 2)
	errs := make([]error, 2)
	for i := range stores {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			stores[i], errs[i] = sqlite.Open(ctx, dir, sqlite.Options{})
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	for i, s := range stores {
		wg.Add(1)
		go func(i int, s *sqlite.Store) {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				key := engine.KeyOf(time.Duration(i*1000 + j).String())
				errs[i] = s.Update(ctx, func(tx store.Tx) error {
					_, err := tx.UpsertDetections(ctx, []store.StoredDetection{{Key: key, Version: time.Unix(int64(j), 0)}})
					return err
				})
				if errs[i] != nil {
					return
				}
			}
		}(i, s)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	var keys []engine.DetectionKey
	for i := 0; i < 2; i++ {
		for j := 0; j < 100; j++ {
			keys = append(keys, engine.KeyOf(time.Duration(i*1000+j).String()))
		}
	}
	err := stores[0].View(ctx, func(r store.Reader) error {
		got, err := r.Detections(ctx, keys)
		if err == nil && len(got) != 200 {
			t.Fatalf("got %d rows, want 200 from both writers", len(got))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
