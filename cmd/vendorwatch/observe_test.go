package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

var metricsAddr = regexp.MustCompile(`msg="metrics serving" addr=(\S+)`)

// scrape reads the metrics listener's families.
func scrape(t *testing.T, addr string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get("http://" + addr + "/metrics")
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(res.Body)
	require.NoError(t, err)
	return families
}

// value is the sum of a family's samples whose labels include want
// (counter, gauge, or a histogram's count).
func value(families map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f, ok := families[name]
	if !ok {
		return -1
	}
	sum := 0.0
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

func TestMetricsAfterAStory(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			if tg.Schema != "" {
				t.Setenv("PGOPTIONS", "-c search_path="+tg.Schema)
				t.Setenv("VENDORWATCH_AUDIT_KEY", testAuditKey) // PostgreSQL needs one, shared by the replicas
			}
			dir := t.TempDir()
			r := startServe(t, "--database-url", tg.URL, "--outbox-dir", filepath.Join(dir, "outbox"), "--metrics-addr", "127.0.0.1:0")
			m := metricsAddr.FindStringSubmatch(r.stderr.String())
			require.NotNil(t, m, "the metrics listener's log line: %s", r.stderr.String())
			addr := m[1]

			// Not on the public listener (the staff pages answer there).
			res, err := http.Get("http://" + r.addr + "/metrics")
			require.NoError(t, err)
			body, _ := io.ReadAll(res.Body)
			_ = res.Body.Close()
			require.NotContains(t, string(body), "vendorwatch_http_requests_total")

			// The story: a contract falls due, a scan queues its reminder,
			// the digest job sends it to the outbox.
			c := client{T: t, Base: "http://" + r.addr, Token: firstToken(t, r.stdout)}
			contractDueInFiveDays(c)
			c.Call("GET", "/v1/vendors/0190c0de-0000-7000-8000-000000000000", nil, 404)
			rep := c.Call("POST", "/v1/jobs/due-scan", nil, 200)
			require.EqualValues(t, 1, rep["digests"])
			var families map[string]*dto.MetricFamily
			waitFor(t, "the digest sent and counted", func() bool {
				families = scrape(t, addr)
				return value(families, "vendorwatch_mail_sends_total", map[string]string{"result": "sent"}) >= 1 &&
					value(families, "vendorwatch_jobs_total", map[string]string{"kind": "reminder_digest", "state": "completed"}) >= 1 &&
					value(families, "vendorwatch_reminders", map[string]string{"status": string(domain.ReminderSent)}) == 1 &&
					// River records completions a moment after the work.
					value(families, "vendorwatch_river_jobs", map[string]string{"state": "completed"}) >= 2 &&
					value(families, "vendorwatch_due_scan_duration_seconds", nil) >= 2 &&
					// The verification on start, wired into the gauges.
					value(families, "vendorwatch_audit_chain_verified_timestamp_seconds", nil) > 0
			})
			require.EqualValues(t, 1, value(families, "vendorwatch_audit_chain_ok", nil), "the chain verified intact on start")

			// The staff pages by their route pattern.
			res, err = http.Get("http://" + r.addr + "/sign-in")
			require.NoError(t, err)
			_ = res.Body.Close()
			families = scrape(t, addr)
			require.GreaterOrEqual(t, value(families, "vendorwatch_http_requests_total", map[string]string{"operation": "/sign-in", "status_class": "2xx"}), 1.0)
			// Requests by operation id, method and status class.
			ok := map[string]string{"operation": "create-vendor", "method": "POST", "status_class": "2xx"}
			require.EqualValues(t, 1, value(families, "vendorwatch_http_requests_total", ok))
			require.GreaterOrEqual(t, value(families, "vendorwatch_http_requests_total", map[string]string{"operation": "get-vendor", "status_class": "4xx"}), 1.0)
			require.GreaterOrEqual(t, value(families, "vendorwatch_http_requests_total", map[string]string{"operation": "run-due-scan"}), 1.0)
			require.GreaterOrEqual(t, value(families, "vendorwatch_http_request_duration_seconds", map[string]string{"operation": "create-contract"}), 1.0)
			for _, m := range families["vendorwatch_http_requests_total"].GetMetric() {
				for _, l := range m.GetLabel() {
					require.NotContains(t, l.GetValue(), "0190c0de", "no raw path in a label")
				}
			}
			// Jobs: outcomes, queue lag, the scans (start-up and on demand),
			// what they queued, and River's table by state.
			require.GreaterOrEqual(t, value(families, "vendorwatch_jobs_total", map[string]string{"kind": "due_scan", "state": "completed"}), 1.0)
			require.GreaterOrEqual(t, value(families, "vendorwatch_job_queue_lag_seconds", map[string]string{"kind": "reminder_digest"}), 1.0)
			require.GreaterOrEqual(t, value(families, "vendorwatch_job_duration_seconds", nil), 2.0)
			require.GreaterOrEqual(t, value(families, "vendorwatch_due_scan_items_total", map[string]string{"kind": "reminders_queued"}), 1.0)
			require.GreaterOrEqual(t, value(families, "vendorwatch_due_scan_items_total", map[string]string{"kind": "digests"}), 1.0)
			require.Contains(t, families, "vendorwatch_webhook_deliveries_total")
			require.EqualValues(t, 0, value(families, "vendorwatch_mail_sends_total", map[string]string{"result": "permanent_failure"}))
			// The ledger by every status, zeros included.
			for _, s := range []domain.ReminderStatus{domain.ReminderQueued, domain.ReminderSending, domain.ReminderFailed, domain.ReminderCancelled} {
				require.EqualValues(t, 0, value(families, "vendorwatch_reminders", map[string]string{"status": string(s)}), s)
			}
			require.EqualValues(t, 0, value(families, "vendorwatch_store_scrape_error", nil))
			// The pool, the build, the runtime.
			require.Contains(t, families, "go_sql_open_connections")
			if tg.Schema == "" {
				require.EqualValues(t, 1, value(families, "go_sql_max_open_connections", nil), "SQLite's one connection")
			}
			require.EqualValues(t, 1, value(families, "vendorwatch_build_info", nil))
			require.Contains(t, families, "go_build_info")
			require.Contains(t, families, "go_goroutines")
			require.Contains(t, families, "process_resident_memory_bytes")
			if tg.Schema != "" {
				require.Positive(t, value(families, "vendorwatch_pgxpool_max_conns", nil))
				require.Positive(t, value(families, "vendorwatch_pgxpool_acquires_total", nil))
			}
			// Access log lines, none with the token (printed once at the
			// first start, before them).
			lines := r.stderr.Lines(`msg=request`)
			require.NotEmpty(t, lines)
			for _, l := range lines {
				require.False(t, strings.Contains(l, c.Token), "no token secret in the access log: %s", l)
				require.Contains(t, l, "request_id=")
			}
		})
	}
}

func TestAuditVerifiedSetsTheGauges(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		obs, err := newObservability(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
		require.NoError(t, err)
		obs.AuditVerified(context.Background(), domain.AuditVerification{OK: true, Checked: 3})
		obs.AuditVerified(context.Background(), domain.AuditVerification{OK: false, Checked: 3})
		families, err := obs.registry.Gather()
		require.NoError(t, err)
		got := map[string]float64{}
		for _, f := range families {
			if len(f.GetMetric()) == 1 && f.GetMetric()[0].Gauge != nil {
				got[f.GetName()] = f.GetMetric()[0].GetGauge().GetValue()
			}
		}
		require.EqualValues(t, 0, got["vendorwatch_audit_chain_ok"])
		require.Positive(t, got["vendorwatch_audit_chain_verified_timestamp_seconds"])
	})
}
