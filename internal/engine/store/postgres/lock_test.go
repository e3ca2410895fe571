package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
	"github.com/idp/terraform-provider-idp/internal/engine/store/postgres"
	"github.com/idp/terraform-provider-idp/internal/engine/store/postgres/pgtest"
)

var ctx = context.Background()

// keyInOtherBucket returns a detection key whose lock bucket differs from k's.
func keyInOtherBucket(k engine.DetectionKey) engine.DetectionKey {
	for i := 0; ; i++ {
		o := engine.KeyOf(fmt.Sprintf("other-%d", i))
		if postgres.DetectionBucket(o) != postgres.DetectionBucket(k) {
			return o
		}
	}
}

// TestLockSerializesOnlySharedKeys holds a lock in one transaction and
// checks that a second writer of the same detection waits for its commit
// (and then reads what it wrote), while a writer of another detection does
// not wait at all.
func TestLockSerializesOnlySharedKeys(t *testing.T) {
	s := open(t)
	k := engine.KeyOf("shared")
	other := keyInOtherBucket(k)
	locked := make(chan struct{})
	release := make(chan struct{})
	firstDone := make(chan error, 1)
	go func() {
		firstDone <- s.Update(ctx, func(tx store.Tx) error {
			if err := tx.Lock(ctx, store.LockKeys{Detections: []engine.DetectionKey{k}}); err != nil {
				return err
			}
			if _, err := tx.UpsertDetections(ctx, []store.StoredDetection{{Key: k, Version: time.Unix(1, 0)}}); err != nil {
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked

	// Another bucket: no wait.
	start := time.Now()
	err := s.Update(ctx, func(tx store.Tx) error {
		return tx.Lock(ctx, store.LockKeys{Detections: []engine.DetectionKey{other}})
	})
	if err != nil || time.Since(start) > 2*time.Second {
		t.Fatalf("a writer of another bucket waited %v (err %v)", time.Since(start), err)
	}

	// The same key: waits for the commit, then sees the committed row.
	seen := make(chan int, 1)
	secondDone := make(chan error, 1)
	go func() {
		secondDone <- s.Update(ctx, func(tx store.Tx) error {
			if err := tx.Lock(ctx, store.LockKeys{Detections: []engine.DetectionKey{k}}); err != nil {
				return err
			}
			got, err := tx.Detections(ctx, []engine.DetectionKey{k})
			seen <- len(got)
			return err
		})
	}()
	select {
	case <-seen:
		t.Fatal("a writer of the same detection did not wait for the lock holder")
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}
	if n := <-seen; n != 1 {
		t.Fatalf("after the holder committed, the waiting writer read %d rows, want its committed row", n)
	}
	if err := <-secondDone; err != nil {
		t.Fatal(err)
	}
}

// TestLockOrderIsDeadlockFree runs many writers that lock overlapping
// random sets the way the engine does (detections, then groups, then users,
// each call's keys in random order) with retries off: a single deadlock
// would fail the test.
func TestLockOrderIsDeadlockFree(t *testing.T) {
	s, err := postgres.Open(ctx, pgtest.URL(t), postgres.Options{MaxAttempts: 1, MaxConns: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const writers, rounds = 12, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for r := 0; r < rounds; r++ {
				var keys store.LockKeys
				for i := 0; i < 1+rng.IntN(300); i++ {
					id := fmt.Sprint(rng.IntN(20000))
					keys.Detections = append(keys.Detections, engine.KeyOf(id))
					keys.Groups = append(keys.Groups, engine.DetectionGroup("p", engine.KeyOf(id)))
					keys.Users = append(keys.Users, "user-"+fmt.Sprint(rng.IntN(500)))
				}
				err := s.Update(ctx, func(tx store.Tx) error {
					for _, k := range []store.LockKeys{{Detections: keys.Detections}, {Groups: keys.Groups}, {Users: keys.Users}} {
						if err := tx.Lock(ctx, k); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a writer failed (a deadlock?): %v", err)
	}
}

// TestUpdateRetriesADeadlock forces a deadlock (two transactions locking
// two groups in opposite orders, which the engine never does) and checks
// that PostgreSQL's victim is run again and both commit.
func TestUpdateRetriesADeadlock(t *testing.T) {
	s := open(t)
	g1 := engine.DetectionGroup("p", engine.KeyOf("one"))
	g2 := engine.DetectionGroup("p", engine.KeyOf("two"))
	if postgres.GroupBucket(g1) == postgres.GroupBucket(g2) {
		t.Fatal("pick two groups in different buckets")
	}
	var runs atomic.Int32
	var both sync.WaitGroup
	both.Add(2)
	run := func(first, second engine.GroupKey) error {
		return s.Update(ctx, func(tx store.Tx) error {
			n := runs.Add(1)
			if err := tx.Lock(ctx, store.LockKeys{Groups: []engine.GroupKey{first}}); err != nil {
				return err
			}
			if n <= 2 {
				// Only the first two runs meet here, so the retry does
				// not wait for a partner that never comes.
				both.Done()
				both.Wait()
			}
			return tx.Lock(ctx, store.LockKeys{Groups: []engine.GroupKey{second}})
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- run(g1, g2) }()
	go func() { errs <- run(g2, g1) }()
	for i := 0; i < 2; i++ {
		if err := <-errs; err != nil {
			t.Fatalf("a transaction failed despite retries: %v", err)
		}
	}
	if runs.Load() < 3 {
		t.Fatalf("fn ran %d times; a deadlock victim should have run again", runs.Load())
	}
}

func TestRetryable(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "40001"}, true},
		{fmt.Errorf("committing: %w", &pgconn.PgError{Code: "40P01"}), true},
		{&pgconn.PgError{Code: "23505"}, false},
		{errors.New("40001"), false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := postgres.Retryable(tt.err); got != tt.want {
			t.Errorf("Retryable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
