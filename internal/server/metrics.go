package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// metrics are the server's Prometheus series, on a registry of its own so
// that several servers (in tests) never collide.
type metrics struct {
	registry        *prometheus.Registry
	records         *prometheus.CounterVec // by type and outcome
	alerts          *prometheus.CounterVec // by change: created, updated
	usersRemediated prometheus.Counter
	ingestSeconds   *prometheus.HistogramVec // by type and origin: push, sync
	ingestErrors    *prometheus.CounterVec   // by type and origin
	requests        *prometheus.CounterVec   // by route and code
	requestSeconds  *prometheus.HistogramVec // by route
	authFailures    prometheus.Counter
}

func newMetrics() *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{
		registry: reg,
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "idp", Name: "ingest_records_total",
			Help: "Records read by ingests, by type (detections, devices, source: a sync of the configured source) and outcome (read, accepted, updated, duplicate, quarantined).",
		}, []string{"type", "outcome"}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "idp", Name: "alerts_total",
			Help: "Alerts created or updated by ingests.",
		}, []string{"change"}),
		usersRemediated: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "idp", Name: "users_remediated_total",
			Help: "Users set to high risk by remediating policies (one audit log entry each).",
		}),
		ingestSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "idp", Name: "ingest_duration_seconds",
			Help:    "Time an ingest took, from the first record read to the last commit.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 12),
		}, []string{"type", "origin"}),
		ingestErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "idp", Name: "ingest_errors_total",
			Help: "Ingests that failed (a disabled integration included).",
		}, []string{"type", "origin"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "idp", Name: "http_requests_total",
			Help: "API requests by route and status code.",
		}, []string{"route", "code"}),
		requestSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "idp", Name: "http_request_duration_seconds",
			Help:    "API request latency by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		authFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "idp", Name: "http_auth_failures_total",
			Help: "API requests refused for a missing or invalid bearer token.",
		}),
	}
	reg.MustRegister(m.records, m.alerts, m.usersRemediated, m.ingestSeconds, m.ingestErrors, m.requests, m.requestSeconds,
		m.authFailures, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, typ := range []string{"detections", "devices", "source"} {
		for _, outcome := range []string{"read", "accepted", "updated", "duplicate", "quarantined"} {
			m.records.WithLabelValues(typ, outcome)
		}
	}
	m.alerts.WithLabelValues("created")
	m.alerts.WithLabelValues("updated")
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// ingested records one ingest's outcome.
func (m *metrics) ingested(typ, origin string, sum engine.IngestSummary, elapsed time.Duration, err error) {
	m.records.WithLabelValues(typ, "read").Add(float64(sum.Read))
	m.records.WithLabelValues(typ, "accepted").Add(float64(sum.Accepted))
	m.records.WithLabelValues(typ, "updated").Add(float64(sum.Updated))
	m.records.WithLabelValues(typ, "duplicate").Add(float64(sum.Duplicates))
	m.records.WithLabelValues(typ, "quarantined").Add(float64(sum.Quarantined))
	m.alerts.WithLabelValues("created").Add(float64(sum.AlertsCreated))
	m.alerts.WithLabelValues("updated").Add(float64(sum.AlertsUpdated))
	m.usersRemediated.Add(float64(sum.UsersRemediated))
	m.ingestSeconds.WithLabelValues(typ, origin).Observe(elapsed.Seconds())
	if err != nil {
		m.ingestErrors.WithLabelValues(typ, origin).Inc()
	}
}

func (m *metrics) request(route string, code int, elapsed time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.requestSeconds.WithLabelValues(route).Observe(elapsed.Seconds())
}
