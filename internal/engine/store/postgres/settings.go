package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

const integrationSetting = "integration"

func (t *tx) Integration(ctx context.Context) (engine.Integration, bool, error) {
	var in engine.Integration
	var doc string
	err := t.q.QueryRow(ctx, `SELECT value FROM settings WHERE name = $1`, integrationSetting).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
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
	_, err = t.q.Exec(ctx, `INSERT INTO settings (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, integrationSetting, string(doc))
	return err
}

func (t *tx) Policies(ctx context.Context) ([]engine.Policy, error) {
	rows, err := t.q.Query(ctx, `SELECT config FROM policies ORDER BY id`)
	if err != nil {
		return nil, err
	}
	docs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	var out []engine.Policy
	for _, doc := range docs {
		var p engine.Policy
		if err := json.Unmarshal([]byte(doc), &p); err != nil {
			return nil, fmt.Errorf("reading a stored policy: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}

func (t *tx) PutPolicy(ctx context.Context, p engine.Policy) error {
	doc, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = t.q.Exec(ctx, `INSERT INTO policies (id, config) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET config = excluded.config`, p.ID(), string(doc))
	return err
}

func (t *tx) DeletePolicy(ctx context.Context, id string) error {
	_, err := t.q.Exec(ctx, `DELETE FROM policies WHERE id = $1`, id)
	return err
}

func (t *tx) Cursor(ctx context.Context, source string) (string, error) {
	var c string
	err := t.q.QueryRow(ctx, `SELECT cursor FROM cursors WHERE source = $1`, source).Scan(&c)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return c, err
}

func (t *tx) SetCursor(ctx context.Context, source, cursor string) error {
	_, err := t.q.Exec(ctx, `INSERT INTO cursors (source, cursor) VALUES ($1, $2)
		ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor`, source, cursor)
	return err
}
