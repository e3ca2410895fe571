package sqlite

import (
	"context"
	"database/sql"
	"strings"
)

// rowsPerStatement is how many rows one multi-row statement carries: one
// statement per row costs more in the driver than in SQLite itself.
const rowsPerStatement = 128

// tx is a read or write transaction with a cache of prepared statements.
type tx struct {
	q     *sql.Tx
	stmts map[string]*sql.Stmt
}

func (t *tx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := t.stmts[query]; ok {
		return s, nil
	}
	s, err := t.q.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	t.stmts[query] = s
	return s, nil
}

func (t *tx) close() {
	for _, s := range t.stmts {
		s.Close()
	}
}

// values builds "(?,?,?),(?,?,?)" for n rows of width placeholders.
func values(n, width int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", width), ",") + ")"
	return strings.TrimSuffix(strings.Repeat(row+",", n), ",")
}

// placeholders builds "?,?,?" for an IN list.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// execRows runs "prefix VALUES (...),(...) suffix" over n rows in chunks,
// with args(i, buf) appending row i's arguments.
func (t *tx) execRows(ctx context.Context, prefix, suffix string, width, n int, args func(i int, buf []any) []any) error {
	return t.chunks(ctx, prefix, suffix, width, n, args, func(st *sql.Stmt, values []any) error {
		_, err := st.ExecContext(ctx, values...)
		return err
	})
}

// queryRows is execRows for statements that return rows (RETURNING).
func (t *tx) queryRows(ctx context.Context, prefix, suffix string, width, n int, args func(i int, buf []any) []any, scan func(*sql.Rows) error) error {
	return t.chunks(ctx, prefix, suffix, width, n, args, func(st *sql.Stmt, values []any) error {
		rows, err := st.QueryContext(ctx, values...)
		if err != nil {
			return err
		}
		return scanAll(rows, scan)
	})
}

// chunks prepares (once per chunk size) the multi-row statement for each
// chunk of rowsPerStatement rows and runs it with the chunk's arguments.
func (t *tx) chunks(ctx context.Context, prefix, suffix string, width, n int, args func(i int, buf []any) []any,
	run func(st *sql.Stmt, values []any) error) error {
	buf := make([]any, 0, width*rowsPerStatement)
	for start := 0; start < n; start += rowsPerStatement {
		end := min(start+rowsPerStatement, n)
		st, err := t.stmt(ctx, prefix+" VALUES "+values(end-start, width)+" "+suffix)
		if err != nil {
			return err
		}
		buf = buf[:0]
		for i := start; i < end; i++ {
			buf = args(i, buf)
		}
		if err := run(st, buf); err != nil {
			return err
		}
	}
	return nil
}

// scanAll hands every row to scan and closes rows.
func scanAll(rows *sql.Rows, scan func(*sql.Rows) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// queryIn runs "prefix IN (...) suffix" over n keys in chunks and hands each
// result row to scan.
func (t *tx) queryIn(ctx context.Context, prefix, suffix string, n int, key func(i int) any, scan func(*sql.Rows) error) error {
	buf := make([]any, 0, rowsPerStatement)
	for start := 0; start < n; start += rowsPerStatement {
		end := min(start+rowsPerStatement, n)
		st, err := t.stmt(ctx, prefix+" IN ("+placeholders(end-start)+") "+suffix)
		if err != nil {
			return err
		}
		buf = buf[:0]
		for i := start; i < end; i++ {
			buf = append(buf, key(i))
		}
		rows, err := st.QueryContext(ctx, buf...)
		if err != nil {
			return err
		}
		if err := scanAll(rows, scan); err != nil {
			return err
		}
	}
	return nil
}
