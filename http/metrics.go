package http

import (
	"cmp"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, in a registry of its own so
// that several servers (in tests) do not collide.
type metrics struct {
	reg         *prometheus.Registry
	latency     *prometheus.HistogramVec
	queries     *prometheus.CounterVec
	matches     *prometheus.CounterVec
	refreshes   *prometheus.CounterVec
	swaps       prometheus.Counter
	auditErrors prometheus.Counter
	shed        *prometheus.CounterVec
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vigil_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"method", "route", "code"}),
		queries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_screen_queries_total",
			Help: "Queries screened, by screening path.",
		}, []string{"path"}),
		matches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_matches_total",
			Help: "Matches returned, by screening path.",
		}, []string{"path"}),
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_list_refreshes_total",
			Help: "List refreshes, by outcome.",
		}, []string{"outcome"}),
		swaps: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigil_index_swaps_total",
			Help: "Index snapshots swapped into service.",
		}),
		auditErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigil_audit_errors_total",
			Help: "Audit records that could not be written.",
		}),
		shed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_http_shed_total",
			Help: "Load shed: requests refused with 503 (in_flight), connections closed at the cap (connections), idle connections closed to make room (idle_connection), requests refused after failed sign-ins (failed_auth).",
		}, []string{"reason"}),
	}
	m.reg.MustRegister(m.latency, m.queries, m.matches, m.refreshes, m.swaps, m.auditErrors, m.shed,
		listCollector{s}, watchCollector{s}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	m.latency.WithLabelValues(method, route, strconv.Itoa(status)).Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

var (
	listEntitiesDesc = prometheus.NewDesc("vigil_list_entities", "Entities in the served version of each list.", []string{"list"}, nil)
	listAgeDesc      = prometheus.NewDesc("vigil_list_age_seconds", "Age of the served version of each list (since publication, else import).", []string{"list"}, nil)
	listVersionDesc  = prometheus.NewDesc("vigil_list_version", "Served version number of each list.", []string{"list"}, nil)
	listProblemDesc  = prometheus.NewDesc("vigil_list_problem",
		"Files or downloads of each list not used at the last refresh, by kind: error (the last good version stays in force), "+
			"refused (refused by design), missing (a configured list with no complete version).", []string{"list", "kind"}, nil)
)

// listCollector reports the served snapshot's lists at scrape time.
type listCollector struct{ s *Server }

func (c listCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- listEntitiesDesc
	ch <- listAgeDesc
	ch <- listVersionDesc
	ch <- listProblemDesc
}

func (c listCollector) Collect(ch chan<- prometheus.Metric) {
	snap := c.s.Snapshot()
	if snap == nil {
		return
	}
	now := time.Now()
	type key struct{ list, kind string }
	problems := map[key]int{}
	for _, v := range snap.Versions {
		ch <- prometheus.MustNewConstMetric(listEntitiesDesc, prometheus.GaugeValue, float64(v.Entities), v.List)
		ch <- prometheus.MustNewConstMetric(listAgeDesc, prometheus.GaugeValue, listAge(v, now).Seconds(), v.List)
		ch <- prometheus.MustNewConstMetric(listVersionDesc, prometheus.GaugeValue, float64(v.Version), v.List)
		problems[key{v.List, ProblemError}] += 0
		problems[key{v.List, ProblemRefused}] += 0
		problems[key{v.List, "missing"}] += 0
	}
	for _, p := range snap.Problems {
		problems[key{cmp.Or(p.List, "unknown"), p.Kind}]++
	}
	for _, l := range snap.Missing {
		problems[key{l, "missing"}] = 1
	}
	for k, n := range problems {
		ch <- prometheus.MustNewConstMetric(listProblemDesc, prometheus.GaugeValue, float64(n), k.list, k.kind)
	}
}
