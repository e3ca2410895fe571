package service

import (
	"context"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/recordblock"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

// DetectionRecord returns the full text of the stored copy of detection
// id, byte for byte as it was read, so that a policy can be evaluated again
// over history. found is false when the detection is unknown, was stored
// before texts were kept (migration 0007), or retention no longer keeps
// its text.
func (s *Service) DetectionRecord(ctx context.Context, id string) (text []byte, found bool, err error) {
	err = s.store.View(ctx, func(r store.Reader) error {
		in, err := integration(ctx, r)
		if err != nil {
			return err
		}
		block, index, ok, err := r.DetectionRecord(ctx, engine.KeyOf(id), retentionCutoff(s.clock.Now(), in))
		if err != nil || !ok {
			return err
		}
		text, err = recordblock.Record(block, index)
		found = err == nil
		return err
	})
	return text, found, err
}
