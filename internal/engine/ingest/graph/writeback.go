package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

const opConfirm = "riskyUsers confirmCompromised"

// MaxConfirmBatch is the most user ids one confirmCompromised call takes.
const MaxConfirmBatch = 60

// WritebackResult is the outcome of one confirmCompromised call.
type WritebackResult struct {
	UserIDs []string
	// Attempts is the number of requests sent for this batch: 0 when it
	// was not sent (blank ids, an earlier 403, a cancelled context).
	Attempts int
	// Err is nil when Graph confirmed the whole batch.
	Err error
}

// ConfirmCompromised tells Identity Protection that the users are
// compromised (it sets their risk to high), in batches of at most
// MaxConfirmBatch. Each distinct id is sent in exactly one batch; a failed
// batch does not stop the next, since the engine records every outcome and
// retries failures on its next sync. After a 403 the remaining batches are
// not sent: the same missing permission would refuse them all.
func (c *Client) ConfirmCompromised(ctx context.Context, userIDs []string) []WritebackResult {
	ids, blank := distinct(userIDs)
	var results []WritebackResult
	if blank > 0 {
		results = append(results, WritebackResult{
			UserIDs: make([]string, blank),
			Err:     fmt.Errorf("graph: %s: %d blank user id(s) not sent", opConfirm, blank),
		})
	}
	var stop error
	for start := 0; start < len(ids); start += MaxConfirmBatch {
		batch := ids[start:min(start+MaxConfirmBatch, len(ids))]
		if stop == nil {
			stop = ctx.Err()
		}
		if stop != nil {
			results = append(results, WritebackResult{UserIDs: batch, Err: stop})
			continue
		}
		body, _ := json.Marshal(struct {
			UserIDs []string `json:"userIds"`
		}{batch}) // cannot fail: strings
		_, attempts, err := c.send(ctx, call{
			op: opConfirm, permission: PermissionRiskyUsers, method: http.MethodPost,
			url:  c.cfg.GraphURL + "/v1.0/identityProtection/riskyUsers/confirmCompromised",
			body: body,
		})
		results = append(results, WritebackResult{UserIDs: batch, Attempts: attempts, Err: err})
		if err != nil {
			c.log.Error("write-back failed", "users", len(batch), "attempts", attempts, "error", c.redact.String(err.Error()))
			if errors.Is(err, ErrPermission) || errors.Is(err, ErrAuth) {
				stop = err
			}
		} else {
			c.log.Info("users confirmed compromised", "users", len(batch), "attempts", attempts)
		}
	}
	return results
}

// distinct drops repeated ids, keeping the first occurrence, and counts the
// blank ones: a blank id would make Graph refuse its whole batch.
func distinct(ids []string) (out []string, blank int) {
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		switch {
		case strings.TrimSpace(id) == "":
			blank++
		case !seen[id]:
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, blank
}
