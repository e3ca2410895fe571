package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

func (t *tx) LastSync(ctx context.Context) (*engine.SyncRun, error) {
	var doc string
	err := t.q.QueryRow(ctx, `SELECT value FROM settings WHERE name = $1`, store.LastSyncSetting).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var run engine.SyncRun
	if err := json.Unmarshal([]byte(doc), &run); err != nil {
		return nil, fmt.Errorf("reading the last sync: %w", err)
	}
	return &run, nil
}

func (t *tx) PutLastSync(ctx context.Context, run engine.SyncRun) error {
	doc, err := json.Marshal(run)
	if err != nil {
		return err
	}
	_, err = t.q.Exec(ctx, `INSERT INTO settings (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, store.LastSyncSetting, string(doc))
	return err
}

func (t *tx) Claims(ctx context.Context) ([]string, error) {
	rows, err := t.q.Query(ctx, `SELECT name FROM settings WHERE starts_with(name, $1) ORDER BY name COLLATE "C"`,
		store.ClaimPrefix)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		out = append(out, name[len(store.ClaimPrefix):])
	}
	return out, rows.Err()
}

func (t *tx) PutClaim(ctx context.Context, name string) error {
	_, err := t.q.Exec(ctx, `INSERT INTO settings (name, value) VALUES ($1, '{}') ON CONFLICT (name) DO NOTHING`,
		store.ClaimPrefix+name)
	return err
}

func (t *tx) DeleteClaim(ctx context.Context, name string) error {
	_, err := t.q.Exec(ctx, `DELETE FROM settings WHERE name = $1`, store.ClaimPrefix+name)
	return err
}
