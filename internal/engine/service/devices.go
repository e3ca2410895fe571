package service

import (
	"context"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// deviceUnit gathers one transaction of managedDevice records, versioned by
// lastSyncDateTime like detections are by their version time.
type deviceUnit struct {
	s          *Service
	source     string
	pending    map[string]*pendingDevice
	quarantine []quarantined
	read       int64
	raw        int64
}

type pendingDevice struct {
	versions
	device engine.Device
}

func (s *Service) newDeviceUnit(source string) *deviceUnit {
	return &deviceUnit{s: s, source: source, pending: map[string]*pendingDevice{}}
}

func (u *deviceUnit) Records() int    { return len(u.pending) + len(u.quarantine) }
func (u *deviceUnit) RawBytes() int64 { return u.raw }
func (u *deviceUnit) Discard()        { discardQuarantine(u.quarantine) }

func (u *deviceUnit) Add(_ context.Context, b ingest.Batch[engine.Device]) {
	for i := range b.Items {
		it := &b.Items[i]
		u.read++
		if it.Reject != nil {
			u.quarantine = append(u.quarantine, quarantineOf(u.source, it.Line, it.Reject, it.Raw, it.Spill))
			u.raw += int64(len(it.Raw))
			continue
		}
		version := it.Value.LastSyncDateTime.UnixNano()
		p := u.pending[it.Value.ID]
		if p == nil {
			p = &pendingDevice{}
			u.pending[it.Value.ID] = p
		}
		if p.offer(version) {
			p.device = it.Value
		}
	}
}

func (u *deviceUnit) commit(ctx context.Context, tx store.Tx, _ engine.Integration) (engine.IngestSummary, error) {
	sum := engine.IngestSummary{Read: u.read, Quarantined: int64(len(u.quarantine))}
	ids := make([]string, 0, len(u.pending))
	for id := range u.pending {
		ids = append(ids, id)
	}
	existing, err := tx.DeviceVersions(ctx, ids)
	if err != nil {
		return sum, err
	}
	var puts []engine.Device
	for id, p := range u.pending {
		var stored *int64
		if old, exists := existing[id]; exists {
			v := old.UnixNano()
			stored = &v
		}
		if p.count(stored, &sum) {
			puts = append(puts, p.device)
		}
	}
	if err := tx.PutDevices(ctx, puts); err != nil {
		return sum, err
	}
	return sum, appendQuarantine(ctx, tx, u.quarantine, u.s.clock.Now())
}
