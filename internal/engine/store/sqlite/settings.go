package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/store"
)

const integrationSetting = "integration"

func (t *tx) Integration(ctx context.Context) (engine.Integration, bool, error) {
	var in engine.Integration
	var doc string
	err := t.q.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, integrationSetting).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return in, false, nil
	}
	if err != nil {
		return in, false, err
	}
	if err := json.Unmarshal([]byte(doc), &in); err != nil {
		return in, false, fmt.Errorf("reading the stored integration: %w", err)
	}
	return in, true, nil
}

func (t *tx) PutIntegration(ctx context.Context, in engine.Integration) error {
	doc, err := json.Marshal(in)
	if err != nil {
		return err
	}
	_, err = t.q.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, integrationSetting, string(doc))
	return err
}

func (t *tx) Policies(ctx context.Context) ([]engine.Policy, error) {
	rows, err := t.q.QueryContext(ctx, `SELECT config FROM policies ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []engine.Policy
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var p engine.Policy
		if err := json.Unmarshal([]byte(doc), &p); err != nil {
			return nil, fmt.Errorf("reading a stored policy: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (t *tx) PutPolicy(ctx context.Context, p engine.Policy) error {
	doc, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = t.q.ExecContext(ctx, `INSERT INTO policies (id, config) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET config = excluded.config`, p.ID(), string(doc))
	return err
}

func (t *tx) DeletePolicy(ctx context.Context, id string) error {
	_, err := t.q.ExecContext(ctx, `DELETE FROM policies WHERE id = ?`, id)
	return err
}

func (t *tx) Cursor(ctx context.Context, source string) (string, error) {
	var c string
	err := t.q.QueryRowContext(ctx, `SELECT cursor FROM cursors WHERE source = ?`, source).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return c, err
}

func (t *tx) SetCursor(ctx context.Context, source, cursor string) error {
	_, err := t.q.ExecContext(ctx, `INSERT INTO cursors (source, cursor) VALUES (?, ?)
		ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor`, source, cursor)
	return err
}

// Lock has nothing to do: the transaction already holds SQLite's one write
// lock.
func (t *tx) Lock(context.Context, store.LockKeys) error { return nil }
