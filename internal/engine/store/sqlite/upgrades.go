package sqlite

import (
	"context"
	"database/sql"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// upgrades are the steps of a migration that SQL alone cannot take; each
// runs in the migration's transaction, right after its SQL.
var upgrades = map[int]func(ctx context.Context, tx *sql.Tx) error{
	2: foldStoredUserPrincipalNames,
	4: func(ctx context.Context, sqlTx *sql.Tx) error {
		// The alert counts need fields that only the alerts' payloads hold.
		t := &tx{q: sqlTx, stmts: map[string]*sql.Stmt{}}
		defer t.close()
		return backfillAlertCounts(ctx, t)
	},
}

// foldStoredUserPrincipalNames fills upn_folded for alerts written before
// the column existed, a slice of the table at a time.
func foldStoredUserPrincipalNames(ctx context.Context, tx *sql.Tx) error {
	after := []byte{}
	for {
		rows, err := tx.QueryContext(ctx, `SELECT grp, upn FROM alerts WHERE grp > ? ORDER BY grp LIMIT 10000`, after)
		if err != nil {
			return err
		}
		type row struct {
			grp []byte
			upn string
		}
		var batch []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.grp, &r.upn); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range batch {
			if _, err := tx.ExecContext(ctx, `UPDATE alerts SET upn_folded = ? WHERE grp = ?`, engine.FoldUserPrincipalName(r.upn), r.grp); err != nil {
				return err
			}
		}
		if len(batch) == 0 {
			return nil
		}
		after = batch[len(batch)-1].grp
	}
}
