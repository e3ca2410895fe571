package service

import (
	"context"
	"errors"
	"net/http"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/ingest/graph"
	"github.com/idp/terraform-provider-idp/internal/engine/remediate"
)

// writeBack hands the Graph client to remediate's write-back, which
// decides who is due, holds the lease and records the outcomes.
func (s *Service) writeBack(ctx context.Context, client *graph.Client) engine.WritebackSummary {
	w := remediate.Writeback{Store: s.store, Clock: s.clock, Log: s.log.Named("writeback")}
	return w.Run(ctx, func(ctx context.Context, ids []string) []remediate.Sent { return confirm(ctx, client, ids) })
}

// confirm sends ids to confirmCompromised. A batch Graph refuses for what
// it holds (400, 404: a user it does not know) is split in halves and sent
// again, down to the users it refuses alone, so that one such user cannot
// hold back the rest of its batch at every sync.
func confirm(ctx context.Context, client *graph.Client, ids []string) []remediate.Sent {
	var out []remediate.Sent
	for _, r := range client.ConfirmCompromised(ctx, ids) {
		var ae *graph.APIError
		if len(r.UserIDs) > 1 && errors.As(r.Err, &ae) &&
			(ae.StatusCode == http.StatusBadRequest || ae.StatusCode == http.StatusNotFound) {
			half := len(r.UserIDs) / 2
			out = append(out, confirm(ctx, client, r.UserIDs[:half])...)
			out = append(out, confirm(ctx, client, r.UserIDs[half:])...)
			continue
		}
		out = append(out, remediate.Sent{UserIDs: r.UserIDs, Attempts: r.Attempts, Err: r.Err})
	}
	return out
}
