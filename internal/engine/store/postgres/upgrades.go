package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// upgrades are the steps of a migration that SQL alone cannot take; each
// runs in the migration's transaction, right after its SQL.
var upgrades = map[int]func(ctx context.Context, tx pgx.Tx) error{
	2: foldStoredUserPrincipalNames,
	// The alert counts need fields that only the alerts' payloads hold.
	4: func(ctx context.Context, tx pgx.Tx) error { return backfillAlertCounts(ctx, newTx(tx)) },
}

// foldStoredUserPrincipalNames fills upn_folded for alerts written before
// the column existed, a slice of the table at a time.
func foldStoredUserPrincipalNames(ctx context.Context, tx pgx.Tx) error {
	after := []byte{}
	for {
		rows, err := tx.Query(ctx, `SELECT grp, upn FROM alerts WHERE grp > $1 ORDER BY grp LIMIT 10000`, after)
		if err != nil {
			return err
		}
		var grps [][]byte
		var folded []string
		for rows.Next() {
			var grp []byte
			var upn string
			if err := rows.Scan(&grp, &upn); err != nil {
				rows.Close()
				return err
			}
			grps = append(grps, grp)
			folded = append(folded, engine.FoldUserPrincipalName(upn))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(grps) == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE alerts SET upn_folded = f.folded
			FROM unnest($1::bytea[], $2::text[]) AS f(grp, folded) WHERE alerts.grp = f.grp`, grps, folded); err != nil {
			return err
		}
		after = grps[len(grps)-1]
	}
}
