package server_test

// Adversarial tests of bounded work: each reproduces one finding of an
// adversarial review of `engine serve` (numbered as the review numbered
// them) against the real HTTP API, and checks that the server now refuses
// or bounds it.
// They speak only the API's JSON, so that they run, and fail, against the
// server as it was before the fixes.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/idp/terraform-provider-idp/internal/api"
	"github.com/idp/terraform-provider-idp/internal/engine/service"
	"github.com/idp/terraform-provider-idp/internal/engine/store/sqlite"
	"github.com/idp/terraform-provider-idp/internal/engine/store/storeopen"
	"github.com/idp/terraform-provider-idp/internal/server"
	"github.com/idp/terraform-provider-idp/internal/server/servertest"
)

// boundsFixture is newFixture on an engine configured by cfg (its data
// directory, its clock) and a server configured by srvCfg; the engine logs
// to the fixture's logs too.
func boundsFixture(t *testing.T, cfg service.Config, srvCfg server.Config) *fixture {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	logs := &syncBuffer{}
	logger := hclog.New(&hclog.LoggerOptions{Level: hclog.Trace, Output: logs})
	cfg.Logger = logger
	cfg.FileSources = servertest.SourceRoots(t)
	svc, err := storeopen.Service(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	tokens, err := server.NewTokens([]string{tokenA, tokenB})
	if err != nil {
		t.Fatal(err)
	}
	srvCfg.Service, srvCfg.Tokens = svc, tokens
	srvCfg.Logger = logger
	srv, err := server.New(srvCfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &fixture{svc: svc, srv: srv, tokens: tokens, url: ts.URL, logs: logs}
}

// getJSON reads a JSON answer into out and returns the status.
func getJSON(t *testing.T, f *fixture, path string, out any) int {
	t.Helper()
	status, _, body := call(t, http.MethodGet, f.url+path, tokenA, nil)
	if status == http.StatusOK {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("GET %s: the answer is not the JSON expected: %v\n%.300s", path, err, body)
		}
	}
	return status
}

// push posts a batch of detections and returns the summary.
func push(t *testing.T, f *fixture, body io.Reader) map[string]float64 {
	t.Helper()
	status, _, answer := call(t, http.MethodPost, f.url+"/v1/detections", tokenA, body)
	var sum map[string]float64
	if err := json.Unmarshal(answer, &sum); err != nil || status != http.StatusOK {
		t.Fatalf("push: %d %s", status, answer)
	}
	return sum
}

func postPolicy(t *testing.T, f *fixture, name, condition string) (int, []byte) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"type": "custom", "name": name, "enabled": true, "condition": condition})
	status, _, answer := call(t, http.MethodPost, f.url+"/v1/policies", tokenA, bytes.NewReader(body))
	return status, answer
}

// quarantinePage is the JSON of GET /v1/quarantine.
type quarantinePage struct {
	Entries []struct {
		ID           int64  `json:"id"`
		Reason       string `json:"reason"`
		Raw          string `json:"raw"`
		RawTruncated bool   `json:"raw_truncated"`
		Size         int64  `json:"size"`
	} `json:"entries"`
	Total int `json:"total"`
}

// Finding 4: one custom policy made one detection take 15 s (a 4000-term
// pattern against a 200 KB additionalInfo, or additionalInfo used as the
// pattern). Such patterns are refused when the policy is written, with the
// attribute named; a pattern within the limits that is still slow is
// stopped at the evaluation's time budget, the detection stored and not
// selected; and the number of custom policies is capped.
func TestBoundsCustomPolicyEvaluation(t *testing.T) {
	f := boundsFixture(t, service.Config{}, server.Config{})
	terms := make([]string, 4000)
	for i := range terms {
		terms[i] = fmt.Sprintf("term%04d", i)
	}
	for _, cond := range []string{
		fmt.Sprintf(`detection.additionalInfo.matches(%q)`, strings.Join(terms, "|")),
		`detection.userDisplayName.matches(detection.additionalInfo)`,
	} {
		status, body := postPolicy(t, f, "slow", cond)
		var e api.ErrorBody
		if err := json.Unmarshal(body, &e); err != nil || status != http.StatusUnprocessableEntity || e.Error.Field != "condition" ||
			!strings.Contains(e.Error.Message, "matches()") {
			t.Fatalf("a condition with an unbounded pattern: %d %s; want 422 on condition, naming matches()", status, body)
		}
	}

	if status, body := postPolicy(t, f, "slow", `detection.additionalInfo.matches("(?:.?){490}Q")`); status != http.StatusCreated {
		t.Fatalf("a pattern within the limits: %d %s", status, body)
	}
	info := strings.Repeat("k=v;", 200_000) // 800 KB: about 20 s of matching unbounded
	sum := push(t, f, strings.NewReader(fmt.Sprintf(`{"id":"big","userId":"u1","riskEventType":"anonymizedIPAddress","riskLevel":"high","activityDateTime":"2025-06-10T08:00:00Z","additionalInfo":%q}`+"\n", info)))
	if sum["accepted"] != 1 || sum["alerts_created"] != 0 {
		t.Fatalf("summary %v: want the detection stored and not selected", sum)
	}
	if !strings.Contains(f.logs.String(), "policy=slow over_time_budget=1") {
		t.Fatalf("the log does not report the evaluation stopped at its budget:\n%s", f.logs.String())
	}

	for i := 1; i < 100; i++ {
		if status, body := postPolicy(t, f, fmt.Sprintf("p%03d", i), "true"); status != http.StatusCreated {
			t.Fatalf("custom policy %d: %d %s", i, status, body)
		}
	}
	status, body := postPolicy(t, f, "one-too-many", "true")
	if status != http.StatusUnprocessableEntity || !strings.Contains(string(body), "at most 100 custom policies") {
		t.Fatalf("the 101st custom policy: %d %s; want 422 naming the cap", status, body)
	}
}

// Finding 5: 1M lines of "x" (2 MB) added 258 MB to the data directory.
// A quarantined record now costs at most about twice its text and a small
// constant, and a large text that compresses takes a fraction of its size.
func TestBoundsQuarantineStorage(t *testing.T) {
	const lines = 20_000
	grown := func(t *testing.T, input []byte) int64 {
		t.Helper()
		f := newFixture(t, server.Config{})
		dir := filepath.Dir(f.svc.Store().(*sqlite.Store).Path())
		push(t, f, strings.NewReader("")) // the schema, before measuring
		// Closing checkpoints SQLite's write-ahead log into the database.
		f.svc.Close()
		before := dirSize(t, dir)
		f = boundsFixture(t, service.Config{DataDir: dir}, server.Config{})
		if sum := push(t, f, bytes.NewReader(input)); sum["quarantined"] != float64(bytes.Count(input, []byte("\n"))) {
			t.Fatalf("summary %v", sum)
		}
		f.svc.Close()
		return dirSize(t, dir) - before
	}
	xs := bytes.Repeat([]byte("x\n"), lines)
	if g, limit := grown(t, xs), int64(2*len(xs)+100*lines); g > limit {
		t.Errorf("%d lines of x (%d bytes) grew the data directory by %d bytes, %.0f a line; the bound is %d",
			lines, len(xs), g, float64(g)/lines, limit)
	} else {
		t.Logf("%d lines of x (%d bytes) grew the data directory by %d bytes, %.0f a line", lines, len(xs), g, float64(g)/lines)
	}
	big := append(bytes.Repeat([]byte(`{"Key":"userAgent","Value":"Mozilla/5.0 (Windows NT 10.0)"},`), 8<<20/58), '\n') // 8 MB, one line
	if g := grown(t, big); g > int64(len(big)/4) {
		t.Errorf("a text of %d bytes that compresses well grew the data directory by %d bytes", len(big), g)
	}
}

// Finding 5 too: GET /v1/quarantine sent every text whole, 189 MB for 1M
// entries, and four listings with one 200 MB record took 1.85 GB. A
// listing now answers a page, with the start of each text; the whole text
// is streamed by ID.
func TestBoundsQuarantineListings(t *testing.T) {
	f := newFixture(t, server.Config{})
	const lines = api.MaxQuarantinePage + 20
	big := bytes.Repeat([]byte(`{"Key":"userAgent","Value":"Mozilla/5.0 (Windows NT 10.0)"},`), 8<<20/58) // 8 MB, one line
	push(t, f, strings.NewReader(strings.Repeat("x\n", lines)))
	push(t, f, bytes.NewReader(append(big, '\n')))

	var page quarantinePage
	if status := getJSON(t, f, "/v1/quarantine", &page); status != http.StatusOK || page.Total != lines+1 || len(page.Entries) != api.MaxQuarantinePage {
		t.Fatalf("the first page: status %d, %d entries of %d; want %d of %d", status, len(page.Entries), page.Total, api.MaxQuarantinePage, lines+1)
	}
	var last quarantinePage
	getJSON(t, f, fmt.Sprintf("/v1/quarantine?after=%d&limit=5", page.Entries[0].ID+lines-3), &last)
	if len(last.Entries) != 3 || last.Entries[2].Size != int64(len(big)) || !last.Entries[2].RawTruncated ||
		last.Entries[2].Raw != string(big[:api.MaxListedRawBytes]) {
		t.Fatalf("the last page: %d entries; want 3, the big one cut at %d bytes", len(last.Entries), api.MaxListedRawBytes)
	}
	bigID := last.Entries[2].ID

	// Four listings at once each answer a page, whatever the texts hold.
	var wg sync.WaitGroup
	sizes := make([]int, 4)
	for i := range sizes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, body := call(t, http.MethodGet, f.url+fmt.Sprintf("/v1/quarantine?after=%d", bigID-1), tokenA, nil)
			sizes[i] = len(body)
		}()
	}
	wg.Wait()
	for _, n := range sizes {
		if n == 0 || n > api.MaxListedRawBytes*2 {
			t.Fatalf("a listing of the big entry sent %d bytes; its text is cut at %d", n, api.MaxListedRawBytes)
		}
	}
	// Every byte is kept, and comes back streamed.
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/v1/quarantine/%d/raw", f.url, bigID), nil)
	req.Header.Set("Authorization", "Bearer "+tokenA)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || err != nil || n != int64(len(big)) || resp.ContentLength != n || [32]byte(h.Sum(nil)) != sha256.Sum256(big) {
		t.Fatalf("the whole text: status %d, %d bytes (%v); want all %d", resp.StatusCode, n, err, len(big))
	}
}

// Finding 5 too: quarantine entries had no retention. They follow
// retention_days now, as alerts do.
func TestBoundsQuarantineRetention(t *testing.T) {
	clock := &testClock{now: time.Date(2025, 6, 20, 12, 0, 0, 0, time.UTC)}
	f := boundsFixture(t, service.Config{Clock: clock}, server.Config{})
	body, _ := json.Marshal(map[string]any{"enabled": true, "retention_days": 1,
		"actions": map[string]bool{"reset_password": true, "require_mfa": true, "require_managed_device": true}})
	if status, _, answer := call(t, http.MethodPut, f.url+"/v1/integration", tokenA, bytes.NewReader(body)); status != http.StatusOK {
		t.Fatalf("integration: %d %s", status, answer)
	}
	push(t, f, strings.NewReader("old one\nold two\n"))
	clock.advance(36 * time.Hour)
	push(t, f, strings.NewReader("new\n")) // each ingest purges first
	var page quarantinePage
	if status := getJSON(t, f, "/v1/quarantine", &page); status != http.StatusOK || page.Total != 1 || len(page.Entries) != 1 || page.Entries[0].Raw != "new" {
		t.Fatalf("after the retention: status %d, %+v; want only the new entry", status, page)
	}
}

// Finding 6: times outside what 64-bit Unix nanoseconds hold wrapped:
// since=9999-12-31T23:59:59Z returned every alert, and a detection dated
// 9999-12-31 was stored as seen in 1816. Such query bounds are refused
// with 400 and such detections quarantined with the reason.
func TestBoundsOutOfRangeTimes(t *testing.T) {
	f := newFixture(t, server.Config{})
	push(t, f, strings.NewReader(record("ok", "u1")))
	for _, q := range []string{"since=9999-12-31T23:59:59Z", "until=9999-12-31T23:59:59Z", "since=1600-01-01T00:00:00Z", "until=0001-01-01T00:00:00Z"} {
		status, _, body := call(t, http.MethodGet, f.url+"/v1/alerts?"+q, tokenA, nil)
		if status != http.StatusBadRequest || !strings.Contains(string(body), "outside the years 1678 to 2261") {
			t.Fatalf("GET /v1/alerts?%s: %d %s; want 400 naming the range", q, status, body)
		}
	}
	far := strings.Replace(record("far", "u2"), "2025-06-10T08:00:00Z", "9999-12-31T00:00:00Z", 1)
	if sum := push(t, f, strings.NewReader(far)); sum["quarantined"] != 1 || sum["accepted"] != 0 {
		t.Fatalf("a detection dated 9999: %v; want it quarantined", sum)
	}
	var page quarantinePage
	getJSON(t, f, "/v1/quarantine", &page)
	if len(page.Entries) != 1 || !strings.Contains(page.Entries[0].Reason, `activityDateTime "9999-12-31T00:00:00Z" is outside the years 1678 to 2261`) {
		t.Fatalf("quarantine %+v: want the reason to name the time and the range", page)
	}
	var alerts struct {
		Total int `json:"total"`
	}
	if status := getJSON(t, f, "/v1/alerts", &alerts); status != http.StatusOK || alerts.Total != 1 {
		t.Fatalf("alerts: %d, total %d; want only the one in range", status, alerts.Total)
	}
}

// Finding 7: store files were created 0644 in a directory that already
// existed, readable by any local user. The data directory is made 0700 and
// every file in it 0600, the write-ahead log included.
func TestBoundsStoreFilesOwnerOnly(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f := boundsFixture(t, service.Config{DataDir: dir}, server.Config{})
	push(t, f, strings.NewReader(record("d1", "u1")+"not json\n"))
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o700 {
		t.Errorf("data directory mode %o, want 700", info.Mode().Perm())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		info, err := os.Stat(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %o: readable by others", e.Name(), info.Mode().Perm())
		}
	}
	if len(names) < 2 {
		t.Fatalf("the data directory holds %v: the database and its write-ahead log should be there", names)
	}
}

// Finding 9: a push spooled to a file named idp-push-* that a killed
// server left behind. The spool is unlinked as soon as it is created: while
// a large push arrives, the temporary directory holds nothing.
func TestBoundsPushSpoolUnlinked(t *testing.T) {
	tmp := t.TempDir()
	f := newFixture(t, server.Config{TempDir: tmp})
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, f.url+"/v1/detections", pr)
		req.Header.Set("Authorization", "Bearer "+tokenA)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	// More than the server keeps in memory: it spools the rest.
	line := []byte(strings.Repeat("x", 1023) + "\n")
	for i := 0; i < 4<<10; i++ {
		if _, err := pw.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	waitForOpenFileIn(t, tmp)
	if names := dirNames(t, tmp); len(names) != 0 {
		t.Errorf("while the push arrives, the temporary directory holds %v", names)
	}
	// The client goes away half-way: nothing is ingested, nothing is left.
	pw.CloseWithError(fmt.Errorf("the client was killed"))
	<-done
	if names := dirNames(t, tmp); len(names) != 0 {
		t.Errorf("after the push, the temporary directory holds %v", names)
	}
}

// waitForOpenFileIn waits until this process has a file of dir open: the
// server is spooling.
func waitForOpenFileIn(t *testing.T, dir string) {
	t.Helper()
	for start := time.Now(); time.Since(start) < time.Minute; time.Sleep(10 * time.Millisecond) {
		fds, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skipf("no /proc/self/fd to watch the server's files: %v", err)
		}
		for _, fd := range fds {
			target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
			if err == nil && strings.HasPrefix(target, dir+string(filepath.Separator)) {
				return
			}
		}
	}
	t.Fatalf("the server never opened a spool file in %s", dir)
}

// Finding 11: on SQLite the user filter ignored case for ASCII only
// (Åsa@contoso.com was not åsa@contoso.com), unlike PostgreSQL.
func TestBoundsUserFilterFoldsUnicode(t *testing.T) {
	f := newFixture(t, server.Config{})
	rec := strings.Replace(record("d1", "u1"), "u1@contoso.com", "Åsa@Contoso.com", 1)
	push(t, f, strings.NewReader(rec))
	for _, user := range []string{"Åsa@Contoso.com", "åsa@contoso.com", "ÅSA@CONTOSO.COM"} {
		var page struct {
			Total int `json:"total"`
		}
		if status := getJSON(t, f, "/v1/alerts?user_principal_name="+url.QueryEscape(user), &page); status != http.StatusOK || page.Total != 1 {
			t.Errorf("user %s: status %d, %d alerts; want the one of Åsa", user, status, page.Total)
		}
	}
}

// Listings were sent whole: alerts had a limit but no way to the next
// page, users and remediations neither. Each answers a page now, at most
// api.MaxPage rows, with the total.
func TestBoundsListingsPaged(t *testing.T) {
	f := newFixture(t, server.Config{})
	body, _ := json.Marshal(map[string]any{"type": "leaked_credentials", "enabled": true, "remediate_risky_users": true})
	if status, _, answer := call(t, http.MethodPut, f.url+"/v1/policies/leaked_credentials", tokenA, bytes.NewReader(body)); status != http.StatusOK {
		t.Fatalf("policy: %d %s", status, answer)
	}
	const n = api.MaxPage + 10
	input, _ := batch("pg", n)
	input = strings.ReplaceAll(input, `"userId":"user-`, `"userId":"`) // one user per detection
	var b strings.Builder
	for i, l := range strings.SplitAfter(input, "\n") {
		b.WriteString(strings.Replace(l, fmt.Sprintf(`"userId":"%d"`, i%50), fmt.Sprintf(`"userId":"user-%d"`, i), 1))
	}
	if sum := push(t, f, strings.NewReader(b.String())); sum["users_remediated"] != n {
		t.Fatalf("summary %v: want %d users remediated", sum, n)
	}
	for _, path := range []string{"/v1/alerts", "/v1/users", "/v1/remediations"} {
		var first, second map[string]json.RawMessage
		if status := getJSON(t, f, path, &first); status != http.StatusOK {
			t.Fatalf("GET %s: %d", path, status)
		}
		getJSON(t, f, path+fmt.Sprintf("?offset=%d&limit=20", api.MaxPage), &second)
		key := strings.TrimPrefix(path, "/v1/")
		var rows1, rows2 []json.RawMessage
		_ = json.Unmarshal(first[key], &rows1)
		_ = json.Unmarshal(second[key], &rows2)
		if string(first["total"]) != fmt.Sprint(n) || len(rows1) != api.MaxPage || len(rows2) != 10 {
			t.Errorf("GET %s: %d rows then %d of total %s; want %d then 10 of %d", path, len(rows1), len(rows2), first["total"], api.MaxPage, n)
		}
	}
	if status, _, body := call(t, http.MethodGet, f.url+fmt.Sprintf("/v1/users?limit=%d", api.MaxPage+1), tokenA, nil); status != http.StatusBadRequest {
		t.Errorf("a page over the limit: %d %s; want 400", status, body)
	}
}

func dirSize(t *testing.T, dir string) int64 {
	t.Helper()
	var total int64
	for _, name := range dirNames(t, dir) {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		total += info.Size()
	}
	return total
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// testClock is the engine clock, moved by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
