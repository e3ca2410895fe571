package cli

import (
	"encoding/json"
	"io"
)

// cliPage is how many rows a listing reads from the engine at a time: a
// listing prints page after page, so its memory does not grow with the
// store.
const cliPage = 1000

// eachPage reads a listing page by page, from offset, until limit rows (0:
// all of them) or the end, handing every page to show as it arrives.
func eachPage[T any](limit, offset int, fetch func(limit, offset int) ([]T, error), show func([]T) error) error {
	for shown := 0; limit == 0 || shown < limit; {
		want := cliPage
		if limit > 0 {
			want = min(want, limit-shown)
		}
		rows, err := fetch(want, offset+shown)
		if err != nil {
			return err
		}
		if len(rows) > 0 {
			if err := show(rows); err != nil {
				return err
			}
		}
		shown += len(rows)
		if len(rows) < want {
			break
		}
	}
	return nil
}

// jsonArray prints a JSON array one element at a time, laid out as
// writeJSON lays out a whole slice, so that output can stream.
type jsonArray struct {
	w io.Writer
	n int
}

// next starts the next element and returns the indentation its lines
// continue with.
func (a *jsonArray) next() error {
	sep := ",\n  "
	if a.n == 0 {
		sep = "[\n  "
	}
	a.n++
	_, err := io.WriteString(a.w, sep)
	return err
}

func (a *jsonArray) add(v any) error {
	b, err := json.MarshalIndent(v, "  ", "  ")
	if err != nil {
		return err
	}
	if err := a.next(); err != nil {
		return err
	}
	_, err = a.w.Write(b)
	return err
}

func (a *jsonArray) close() error {
	end := "\n]\n"
	if a.n == 0 {
		end = "[]\n"
	}
	_, err := io.WriteString(a.w, end)
	return err
}

// printer prints a listing's rows as JSON or as a table, page by page.
type printer[T any] struct {
	c       *invocation
	headers []string
	cells   func(T) []any
	array   *jsonArray
}

func newPrinter[T any](c *invocation, headers []string, cells func(T) []any) *printer[T] {
	return &printer[T]{c: c, headers: headers, cells: cells, array: &jsonArray{w: c.env.Stdout}}
}

// page prints one page. A table is aligned a page at a time: aligning it
// as a whole would hold every row.
func (p *printer[T]) page(rows []T) error {
	if p.c.output == "json" {
		for _, r := range rows {
			if err := p.array.add(r); err != nil {
				return err
			}
		}
		return nil
	}
	t := newTable(p.c.env.Stdout, p.headers...)
	p.headers = nil
	for _, r := range rows {
		t.row(p.cells(r)...)
	}
	return t.flush()
}

// done ends the listing: the JSON array's close, or the table's header
// when there were no rows at all.
func (p *printer[T]) done() error {
	if p.c.output == "json" {
		return p.array.close()
	}
	if p.headers != nil {
		return newTable(p.c.env.Stdout, p.headers...).flush()
	}
	return nil
}
