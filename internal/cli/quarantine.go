package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
)

// quarantineFlags are the flags of `engine quarantine`.
type quarantineFlags struct {
	commonFlags
	limit      int
	after, raw int64
}

func (f *quarantineFlags) define(fs *flag.FlagSet) {
	fs.IntVar(&f.limit, "limit", 0, "at most this many entries; 0 for all")
	fs.Int64Var(&f.after, "after", 0, "only entries after the one with this ID, to print a later page")
	fs.Int64Var(&f.raw, "raw", 0, "print the whole original text of the entry with this ID, and nothing else")
	f.defineOutput(fs, "table", "json")
}

func init() {
	register(command{
		name:    "quarantine",
		summary: "list quarantined records with their reasons, or print one record's text",
		usage:   "[--limit N] [--after ID] [--output json|table] | --raw ID",
	}, runQuarantine)
}

// quarantinePage is how many entries the command reads at a time, and
// quarantineHead how much of each text: a longer text is streamed from the
// store into the output, so no entry is ever held whole.
const (
	quarantinePage = 100
	quarantineHead = 64 << 10
)

// quarantineView is an entry as the JSON output prints it, its text
// apart: the output fields of contract §5 (ARCHITECTURE.md), with the entry's id and size.
type quarantineView struct {
	ID            int64     `json:"id"`
	Reason        string    `json:"reason"`
	Source        string    `json:"source"`
	Line          int64     `json:"line"`
	Size          int64     `json:"size"`
	QuarantinedAt time.Time `json:"quarantined_at"`
}

func runQuarantine(ctx context.Context, c *invocation, f *quarantineFlags) error {
	if err := f.checkOutput(); err != nil {
		return err
	}
	if err := c.noArgs(); err != nil {
		return err
	}
	limit, after, raw := f.limit, f.after, f.raw
	if limit < 0 || after < 0 || raw < 0 {
		return usagef("--limit, --after and --raw must be 0 or more")
	}
	svc, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	if raw > 0 {
		return svc.QuarantineText(ctx, raw, func(engine.QuarantineEntry) (io.Writer, error) { return c.env.Stdout, nil })
	}
	p := newPrinter(c, []string{"ID", "QUARANTINED AT", "SOURCE", "LINE", "REASON", "SIZE"}, func(e engine.QuarantineEntry) []any {
		return []any{e.ID, e.QuarantinedAt, e.Source, e.Line, strings.Join(strings.Fields(e.Reason), " "), e.Size}
	})
	for shown := 0; limit == 0 || shown < limit; {
		want := quarantinePage
		if limit > 0 {
			want = min(want, limit-shown)
		}
		page, err := svc.Quarantine(ctx, engine.QuarantineQuery{After: after, Limit: want, RawLimit: quarantineHead})
		if err != nil {
			return err
		}
		if c.output == "json" {
			for _, e := range page.Entries {
				if err := printEntry(ctx, svc, p.array, e); err != nil {
					return err
				}
			}
		} else if len(page.Entries) > 0 {
			if err := p.page(page.Entries); err != nil {
				return err
			}
		}
		shown += len(page.Entries)
		if len(page.Entries) < want {
			break
		}
		after = page.Entries[len(page.Entries)-1].ID
	}
	return p.done()
}

// printEntry prints one entry as an element of the JSON array, with its
// whole text: the start the listing gave, or, for a longer text, all of it
// streamed from the store.
func printEntry(ctx context.Context, svc *service.Service, a *jsonArray, e engine.QuarantineEntry) error {
	fields, err := json.MarshalIndent(quarantineView{ID: e.ID, Reason: e.Reason, Source: e.Source, Line: e.Line, Size: e.Size,
		QuarantinedAt: e.QuarantinedAt}, "  ", "  ")
	if err != nil {
		return err
	}
	if err := a.next(); err != nil {
		return err
	}
	// The object's fields, then "raw" as its last one.
	closing := []byte("\n  }")
	if _, err := a.w.Write(fields[:len(fields)-len(closing)]); err != nil {
		return err
	}
	if _, err := io.WriteString(a.w, ",\n    \"raw\": \""); err != nil {
		return err
	}
	text := &jsonText{w: a.w}
	if e.RawTruncated {
		err = svc.QuarantineText(ctx, e.ID, func(engine.QuarantineEntry) (io.Writer, error) { return text, nil })
	} else {
		_, err = io.WriteString(text, e.Raw)
	}
	if err != nil {
		return fmt.Errorf("quarantine entry %d: %w", e.ID, err)
	}
	if err := text.Close(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.w, "\"%s", closing)
	return err
}
