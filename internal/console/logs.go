package console

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

const (
	entriesPerPage = 50
	// previewBytes is how much of a quarantined record a page shows: the
	// store reads no more than that of each.
	previewBytes = 240
)

type remediationsView struct {
	*view
	Entries []engine.Remediation
	Pager   pager
}

func (c *Console) remediations(w http.ResponseWriter, r *http.Request, v *view) {
	n := pageNumber(r.URL.Query().Get("page"))
	page, err := c.engine.RemediationLog(r.Context(), engine.AuditLogQuery{Offset: (n - 1) * entriesPerPage, Limit: entriesPerPage})
	if err != nil {
		c.failed(w, r, v, err)
		return
	}
	v.Title = "Remediation audit log"
	data := remediationsView{view: v, Entries: page.Entries}
	data.Pager = newPager(n, entriesPerPage, page.Total, "entries", func(p int) string { return pageLink("/remediations", nil, "page", p) })
	c.render(w, r, http.StatusOK, "remediations", data)
}

type quarantineView struct {
	*view
	Entries []quarantineRow
	Pager   pager
}

type quarantineRow struct {
	engine.QuarantineEntry
	Preview string
	Cut     bool
}

func (c *Console) quarantine(w http.ResponseWriter, r *http.Request, v *view) {
	n := pageNumber(r.URL.Query().Get("page"))
	page, err := c.engine.QuarantinePage(r.Context(), (n-1)*entriesPerPage, entriesPerPage, previewBytes)
	if err != nil {
		c.failed(w, r, v, err)
		return
	}
	v.Title = "Quarantine"
	data := quarantineView{view: v}
	for _, e := range page.Entries {
		data.Entries = append(data.Entries, quarantineRow{QuarantineEntry: e, Preview: preview(e.Raw), Cut: e.RawTruncated})
	}
	data.Pager = newPager(n, entriesPerPage, page.Total, "records", func(p int) string { return pageLink("/quarantine", nil, "page", p) })
	c.render(w, r, http.StatusOK, "quarantine", data)
}

// preview makes a record's first bytes printable: the cut may fall inside
// a character, and a record may hold anything.
func preview(raw string) string {
	for i := 0; i < utf8.UTFMax-1 && len(raw) > 0; i++ {
		if r, size := utf8.DecodeLastRuneInString(raw); r != utf8.RuneError || size != 1 {
			break
		}
		raw = raw[:len(raw)-1]
	}
	raw = strings.ToValidUTF8(raw, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return '\uFFFD'
		}
		return r
	}, raw)
}
