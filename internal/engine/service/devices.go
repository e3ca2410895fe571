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
	chain  []int64
	dups   int64
	device engine.Device
}

func (s *Service) newDeviceUnit(source string) *deviceUnit {
	return &deviceUnit{s: s, source: source, pending: map[string]*pendingDevice{}}
}

func (u *deviceUnit) records() int    { return len(u.pending) + len(u.quarantine) }
func (u *deviceUnit) rawBytes() int64 { return u.raw }
func (u *deviceUnit) discard()        { discardQuarantine(u.quarantine) }

func (u *deviceUnit) add(b ingest.Batch[engine.Device]) {
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
		switch {
		case p == nil:
			p = &pendingDevice{}
			u.pending[it.Value.ID] = p
		case version <= p.chain[len(p.chain)-1]:
			p.dups++
			continue
		}
		p.chain = append(p.chain, version)
		p.device = it.Value
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
		old, exists := existing[id]
		changed := false
		for _, v := range p.chain {
			switch {
			case exists && v <= old.UnixNano():
				sum.Duplicates++
				continue
			case !exists && !changed:
				sum.Accepted++
			default:
				sum.Updated++
			}
			changed = true
		}
		sum.Duplicates += p.dups
		if changed {
			puts = append(puts, p.device)
		}
	}
	if err := tx.PutDevices(ctx, puts); err != nil {
		return sum, err
	}
	return sum, appendQuarantine(ctx, tx, u.quarantine, u.s.clock.Now())
}
