// Package generate writes deterministic, realistic Microsoft Graph
// riskDetection and managedDevice records: the inputs of benchmarks,
// multi-process tests and demos at any size. The same seed and options
// always give the same bytes.
package generate

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"
)

// Options shape the generated stream.
type Options struct {
	Records int
	Seed    uint64
	// Users is how many distinct users the detections belong to.
	Users int
	// Start is the activity time of the first detection; detections then
	// advance in time with small random gaps, as Graph returns them.
	Start time.Time
	// UpdateEvery makes every n-th record a newer version of an earlier
	// detection, and StaleEvery an older copy of one (0 disables each).
	UpdateEvery int
	StaleEvery  int
}

// Defaults are realistic for a mid-sized tenant.
func (o *Options) defaults() {
	if o.Users <= 0 {
		o.Users = 5000
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	}
}

// riskEventTypes are Graph's documented values, leaked credentials among
// them; weights give their rough frequency.
var riskEventTypes = []struct {
	name     string
	activity string
	weight   int
}{
	{"unfamiliarFeatures", "signin", 22}, {"anonymizedIPAddress", "signin", 14}, {"unlikelyTravel", "signin", 12},
	{"maliciousIPAddress", "signin", 6}, {"suspiciousBrowser", "signin", 4}, {"passwordSpray", "signin", 5},
	{"mcasImpossibleTravel", "signin", 4}, {"newCountry", "signin", 4}, {"tokenIssuerAnomaly", "signin", 2},
	{"generic", "signin", 3}, {"anomalousToken", "signin", 3}, {"suspiciousIPAddress", "signin", 2},
	{"riskyIPAddress", "signin", 2}, {"malwareInfectedIPAddress", "signin", 1}, {"leakedCredentials", "user", 8},
	{"investigationsThreatIntelligence", "user", 2}, {"adminConfirmedUserCompromised", "user", 1},
	{"anomalousUserActivity", "user", 2}, {"mcasSuspiciousInboxManipulationRules", "user", 1},
	{"suspiciousAPITraffic", "user", 1},
}

var levels = []struct {
	name   string
	weight int
}{{"low", 48}, {"medium", 30}, {"high", 17}, {"hidden", 3}, {"none", 2}}

var states = []struct {
	name   string
	weight int
}{{"atRisk", 80}, {"dismissed", 6}, {"remediated", 6}, {"confirmedSafe", 3}, {"confirmedCompromised", 5}}

var places = []struct{ city, state, country string }{
	{"Seattle", "Washington", "US"}, {"Denver", "Colorado", "US"}, {"London", "England", "GB"}, {"Berlin", "Berlin", "DE"},
	{"Lima", "Lima", "PE"}, {"Lagos", "Lagos", "NG"}, {"Mumbai", "Maharashtra", "IN"}, {"Tokyo", "Tokyo", "JP"},
	{"São Paulo", "São Paulo", "BR"}, {"Oslo", "Oslo", "NO"}, {"Sydney", "New South Wales", "AU"}, {"Toronto", "Ontario", "CA"},
}

var firstNames = []string{"Mei", "Kofi", "Åsa", "Inés", "Olu", "Yara", "Liam", "Noor", "Sven", "Priya", "Diego", "Hana"}
var lastNames = []string{"Lind", "Mensah", "García", "Okafor", "Haddad", "Nakamura", "Smith", "Kowalski", "Müller", "Rossi"}
var agents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36",
	"Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/131.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
}

type user struct{ id, name, upn string }

type generator struct {
	rng   *rand.Rand
	opts  Options
	users []user
	now   time.Time
	// recent keeps a window of emitted detections for updates and stale
	// copies, so memory stays flat whatever the size.
	recent []detection
}

type detection struct {
	id, request             string
	typ, activity           string
	level, state            string
	user                    int
	place                   int
	ip                      string
	activityAt, detectedAt  time.Time
	updatedAt               time.Time
	timing, agent, tokenIss string
}

// Users returns the users the options generate, for device files.
func newGenerator(opts Options) *generator {
	opts.defaults()
	g := &generator{rng: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)), opts: opts, now: opts.Start}
	for i := 0; i < opts.Users; i++ {
		first, last := firstNames[g.rng.IntN(len(firstNames))], lastNames[g.rng.IntN(len(lastNames))]
		g.users = append(g.users, user{id: g.uuid(), name: first + " " + last, upn: fmt.Sprintf("u%d.%s@contoso.example", i, lower(first))})
	}
	return g
}

// Detections writes opts.Records riskDetection records as NDJSON.
func Detections(w io.Writer, opts Options) error {
	g := newGenerator(opts)
	bw := bufio.NewWriterSize(w, 1<<20)
	buf := make([]byte, 0, 2048)
	for i := 1; i <= opts.Records; i++ {
		var d detection
		switch {
		case opts.UpdateEvery > 0 && i%opts.UpdateEvery == 0 && len(g.recent) > 0:
			d = g.update()
		case opts.StaleEvery > 0 && i%opts.StaleEvery == 0 && len(g.recent) > 0:
			d = g.recent[g.rng.IntN(len(g.recent))]
		default:
			d = g.next()
		}
		buf = g.appendDetection(buf[:0], &d)
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func (g *generator) next() detection {
	g.now = g.now.Add(time.Duration(g.rng.IntN(16000)) * time.Millisecond)
	t := riskEventTypes[pick(g.rng, len(riskEventTypes), func(i int) int { return riskEventTypes[i].weight })]
	d := detection{
		id: g.hex(32), request: g.uuid(), typ: t.name, activity: t.activity,
		level:  levels[pick(g.rng, len(levels), func(i int) int { return levels[i].weight })].name,
		state:  "atRisk",
		user:   g.userIndex(),
		place:  g.rng.IntN(len(places)),
		ip:     fmt.Sprintf("%d.%d.%d.%d", 1+g.rng.IntN(223), g.rng.IntN(256), g.rng.IntN(256), 1+g.rng.IntN(254)),
		timing: []string{"realtime", "nearRealtime", "offline"}[g.rng.IntN(3)],
		agent:  agents[g.rng.IntN(len(agents))], tokenIss: "AzureAD",
	}
	d.activityAt = g.now.Add(time.Duration(g.rng.IntN(1e7)) * 100) // sub-second precision, as Graph writes it
	d.detectedAt = d.activityAt.Add(time.Duration(1+g.rng.IntN(900)) * time.Second)
	d.updatedAt = d.detectedAt
	if len(g.recent) < 4096 {
		g.recent = append(g.recent, d)
	} else {
		g.recent[g.rng.IntN(len(g.recent))] = d
	}
	return d
}

// userIndex is skewed: a few users draw most detections, as in real tenants.
func (g *generator) userIndex() int {
	if g.rng.IntN(4) == 0 {
		return g.rng.IntN(max(1, len(g.users)/50))
	}
	return g.rng.IntN(len(g.users))
}

// update returns a later version of a recent detection: its state or level
// changed, as Identity Protection revises detections.
func (g *generator) update() detection {
	i := g.rng.IntN(len(g.recent))
	d := g.recent[i]
	d.state = states[pick(g.rng, len(states), func(i int) int { return states[i].weight })].name
	if g.rng.IntN(3) == 0 {
		d.level = levels[pick(g.rng, len(levels), func(i int) int { return levels[i].weight })].name
	}
	d.updatedAt = d.updatedAt.Add(time.Duration(1+g.rng.IntN(36000)) * time.Second)
	g.recent[i] = d
	return d
}

func (g *generator) appendDetection(b []byte, d *detection) []byte {
	u := g.users[d.user]
	p := places[d.place]
	b = append(b, `{"id": `...)
	b = strconv.AppendQuote(b, d.id)
	b = append(b, `, "requestId": `...)
	b = strconv.AppendQuote(b, d.request)
	b = append(b, `, "correlationId": null, "riskEventType": `...)
	b = strconv.AppendQuote(b, d.typ)
	b = append(b, `, "riskState": `...)
	b = strconv.AppendQuote(b, d.state)
	b = append(b, `, "riskLevel": `...)
	b = strconv.AppendQuote(b, d.level)
	b = append(b, `, "riskDetail": "none", "source": "IdentityProtection", "detectionTimingType": `...)
	b = strconv.AppendQuote(b, d.timing)
	b = append(b, `, "activity": `...)
	b = strconv.AppendQuote(b, d.activity)
	b = append(b, `, "tokenIssuerType": `...)
	b = strconv.AppendQuote(b, d.tokenIss)
	b = append(b, `, "ipAddress": `...)
	b = strconv.AppendQuote(b, d.ip)
	b = append(b, `, "location": {"city": `...)
	b = strconv.AppendQuote(b, p.city)
	b = append(b, `, "state": `...)
	b = strconv.AppendQuote(b, p.state)
	b = append(b, `, "countryOrRegion": `...)
	b = strconv.AppendQuote(b, p.country)
	b = append(b, `, "geoCoordinates": {"latitude": `...)
	b = strconv.AppendFloat(b, float64(d.place*7%180)-89.5+float64(d.user%100)/100, 'f', 4, 64)
	b = append(b, `, "longitude": `...)
	b = strconv.AppendFloat(b, float64(d.place*29%360)-179.5+float64(d.user%100)/100, 'f', 4, 64)
	b = append(b, `}}, "activityDateTime": "`...)
	b = d.activityAt.AppendFormat(b, "2006-01-02T15:04:05.0000000Z")
	b = append(b, `", "detectedDateTime": "`...)
	b = d.detectedAt.AppendFormat(b, "2006-01-02T15:04:05.000Z")
	b = append(b, `", "lastUpdatedDateTime": "`...)
	b = d.updatedAt.AppendFormat(b, "2006-01-02T15:04:05.000Z")
	b = append(b, `", "userId": `...)
	b = strconv.AppendQuote(b, u.id)
	b = append(b, `, "userDisplayName": `...)
	b = strconv.AppendQuote(b, u.name)
	b = append(b, `, "userPrincipalName": `...)
	b = strconv.AppendQuote(b, u.upn)
	b = append(b, `, "additionalInfo": `...)
	b = strconv.AppendQuote(b, `[{"Key": "userAgent", "Value": "`+d.agent+`"}, {"Key": "mitreTechniques", "Value": "T1078,T1078.004"}]`)
	return append(b, "}\n"...)
}

// Devices writes managedDevice records for the users the same options
// generate: some users have a managed, compliant device, some a device in
// another state, some none.
func Devices(w io.Writer, opts Options) error {
	g := newGenerator(opts)
	bw := bufio.NewWriterSize(w, 1<<20)
	for i, u := range g.users {
		n := g.rng.IntN(3)
		for j := 0; j < n; j++ {
			mgmt := []string{"managed", "managed", "managed", "retirePending"}[g.rng.IntN(4)]
			comp := []string{"compliant", "compliant", "noncompliant", "inGracePeriod"}[g.rng.IntN(4)]
			os := []string{"Windows", "macOS", "iOS", "Android"}[g.rng.IntN(4)]
			fmt.Fprintf(bw, `{"id": %q, "userId": %q, "userPrincipalName": %q, "deviceName": "DEV-%d-%d", "managementState": %q, "complianceState": %q, "operatingSystem": %q, "lastSyncDateTime": %q}`+"\n",
				g.hex(32), u.id, u.upn, i, j, mgmt, comp, os, g.opts.Start.Format(time.RFC3339))
		}
	}
	return bw.Flush()
}

func pick(r *rand.Rand, n int, weight func(int) int) int {
	total := 0
	for i := 0; i < n; i++ {
		total += weight(i)
	}
	x := r.IntN(total)
	for i := 0; i < n; i++ {
		if x -= weight(i); x < 0 {
			return i
		}
	}
	return n - 1
}

func (g *generator) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.rng.IntN(16)]
	}
	return string(b)
}

func (g *generator) uuid() string {
	h := g.hex(32)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-" + h[16:20] + "-" + h[20:32]
}

func lower(s string) string {
	out := []rune(s)
	for i, r := range out {
		if r >= 'A' && r <= 'Z' {
			out[i] = r + 32
		}
	}
	return string(out)
}
