package console

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFS embed.FS

// view is what every page's template gets: the layout reads it.
type view struct {
	Title string
	// Scope is the signed-in token's scope; empty on the sign-in page.
	Scope string
	// CSRF is the token the page's forms that post carry.
	CSRF string
	// Path is the page's path, for the navigation.
	Path string
}

// NavItem is one entry of the navigation.
type NavItem struct {
	Href, Label string
	Current     bool
}

// Nav lists the pages, marking the one shown.
func (v view) Nav() []NavItem {
	items := []NavItem{{Href: "/", Label: "Overview"}, {Href: "/alerts", Label: "Alerts"}, {Href: "/users", Label: "Users at risk"},
		{Href: "/remediations", Label: "Remediations"}, {Href: "/quarantine", Label: "Quarantine"}, {Href: "/policies", Label: "Policies"}}
	for i := range items {
		h := items[i].Href
		items[i].Current = v.Path == h || (h != "/" && strings.HasPrefix(v.Path, h+"/"))
	}
	return items
}

type pages struct {
	byName map[string]*template.Template
}

var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"day": func(t time.Time) string { return t.UTC().Format("2006-01-02") },
	// path escapes an id for one segment of a path: a user id is any text.
	"path": url.PathEscape,
	// short is a table's time: to the minute; the element's datetime and
	// title carry the rest.
	"short": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04")
	},
	// types lists the first risk event types of an alert and counts the
	// rest, so one busy alert does not make its row a column of words.
	"types": func(ts []string) string {
		switch {
		case len(ts) == 0:
			return "—"
		case len(ts) <= 2:
			return strings.Join(ts, ", ")
		}
		return fmt.Sprintf("%s, %s +%d more", ts[0], ts[1], len(ts)-2)
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) },
	"join": func(ss []string) string {
		if len(ss) == 0 {
			return "—"
		}
		return strings.Join(ss, ", ")
	},
	"action": actionLabel,
	"actions": func(as []string) string {
		if len(as) == 0 {
			return "none"
		}
		labels := make([]string, len(as))
		for i, a := range as {
			labels[i] = actionLabel(a)
		}
		return strings.Join(labels, ", ")
	},
	"yesno": func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	},
	"orDash": func(s string) string {
		if s == "" {
			return "—"
		}
		return s
	},
	"bytes": func(n int64) string {
		switch {
		case n >= 1<<20:
			return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
		case n >= 1<<10:
			return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
		}
		return fmt.Sprintf("%d bytes", n)
	},
}

func actionLabel(a string) string {
	switch a {
	case "reset_password":
		return "reset password"
	case "require_mfa":
		return "require MFA"
	case "require_managed_device":
		return "require a managed device"
	}
	return a
}

// loadPages parses each page with the layout once, at start: a template
// that does not parse stops the server from starting, not a request.
func loadPages() (*pages, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")
		if base == "layout" || strings.HasPrefix(base, "_") {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/_*.html", name)
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", base, err)
		}
		p.byName[base] = t
	}
	return p, nil
}

// render executes a page into memory first, so a template error becomes a
// clean 500 rather than half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	t := c.pages.byName[name]
	var buf bytes.Buffer
	if t == nil {
		c.log.Error("no such page template", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		c.log.Error("rendering a page failed", "page", name, "path", r.URL.Path, "error", err)
		http.Error(w, "internal error: see the server log", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

type errorView struct {
	*view
	Status  int
	Message string
}

// fail renders an error page; what went wrong inside is logged, never shown.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, v *view, status int, message string) {
	v.Title = http.StatusText(status)
	c.render(w, r, status, "error", errorView{view: v, Status: status, Message: message})
}

// failed answers an engine error: not found as such, anything else as an
// internal error whose details stay in the log.
func (c *Console) failed(w http.ResponseWriter, r *http.Request, v *view, err error) {
	if isNotFound(err) {
		c.fail(w, r, v, http.StatusNotFound, "Nothing here: it does not exist, or retention removed it.")
		return
	}
	c.log.Error("reading the engine failed", "path", r.URL.Path, "error", err)
	c.fail(w, r, v, http.StatusInternalServerError, "The engine could not answer; the server log says why.")
}

func isNotFound(err error) bool { return errors.Is(err, engine.ErrNotFound) }

func staticFiles() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			// No directory listings.
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=300")
		files.ServeHTTP(w, r)
	})
}
