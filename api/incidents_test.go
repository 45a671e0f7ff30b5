package api_test

import (
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func incBody(e *env, vendorID string, extra map[string]any) map[string]any {
	return outMerge(map[string]any{
		"title": "委託先からの情報漏えいの疑い", "description": "委託先の作業用端末からの不審な通信を検知した。",
		"detected_at": testEpoch.Add(-30 * time.Minute).Format(time.RFC3339), "reported_by": "staff", "reporter_id": e.person.ID,
		"severity": "high", "records": []map[string]any{{"type": "vendor", "id": vendorID}}, "owner_id": e.person.ID,
		"affected_assets":               []map[string]any{{"name": "住民情報", "classification": map[string]any{"confidentiality": "2", "integrity": 1, "availability": 1}}},
		"personal_information_involved": true,
	}, extra)
}

func TestIncidentsAPI(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		viewer, auditor, editor := e.token(domain.RoleViewer), e.token(domain.RoleAuditor), e.token(domain.RoleEditor)
		v := outCreateVendor(e, nil)

		// Refusals: every offending field at once.
		p := requireProblem(t, e.do("POST", "/v1/incidents", editor, incBody(e, v.ID, map[string]any{
			"severity": "critical", "records": []map[string]any{{"type": "contract", "id": "0190d7f0-0000-7000-8000-000000000001"}},
			"reported_by": "contractor", "reporter_id": nil,
		})), http.StatusUnprocessableEntity)
		locs := problemLocations(p)
		sort.Strings(locs)
		require.Equal(t, []string{"body.contractor_reported_at", "body.records[0].id", "body.reporting_contract_id", "body.severity"}, locs)
		requireProblem(t, e.do("POST", "/v1/incidents", viewer, incBody(e, v.ID, nil)), http.StatusForbidden)
		requireProblem(t, e.do("POST", "/v1/incidents", auditor, incBody(e, v.ID, nil)), http.StatusForbidden)

		var inc domain.Incident
		r := e.must(http.StatusCreated, "POST", "/v1/incidents", editor, incBody(e, v.ID, nil))
		r.Decode(t, &inc)
		require.Equal(t, `"1"`, r.Header.Get("ETag"))
		require.Equal(t, domain.StepDetected, inc.Status)
		require.Equal(t, domain.StepReportedToCISO, inc.NextStep)
		require.False(t, inc.PublicationDefault, "no contract involved")
		require.Len(t, inc.Timeline, 5)

		// Readers read.
		for _, tok := range []string{viewer, auditor} {
			e.must(http.StatusOK, "GET", "/v1/incidents/"+inc.ID, tok, nil)
			var page struct {
				Items []domain.Incident `json:"items"`
			}
			e.must(http.StatusOK, "GET", "/v1/incidents?record_id="+v.ID+"&severity=high&open=true&fiscal_year=2026&q=情報漏えい", tok, nil).Decode(t, &page)
			require.Len(t, page.Items, 1)
		}
		requireProblem(t, e.do("POST", "/v1/incidents/"+inc.ID+"/steps", viewer, map[string]any{"step": "reported_to_ciso"}), http.StatusForbidden)

		// Steps: out of order 409, stale 412, then in order.
		requireProblem(t, e.do("POST", "/v1/incidents/"+inc.ID+"/steps", editor, map[string]any{"step": "contained"}), http.StatusConflict)
		requireProblem(t, e.do("POST", "/v1/incidents/"+inc.ID+"/steps", editor, map[string]any{"step": "reported_to_ciso"}, "If-Match", `"7"`), http.StatusPreconditionFailed)
		r = e.must(http.StatusOK, "POST", "/v1/incidents/"+inc.ID+"/steps", editor, map[string]any{"step": "reported_to_ciso", "note": "電話で報告"}, "If-Match", `"1"`)
		r.Decode(t, &inc)
		require.Equal(t, `"2"`, r.Header.Get("ETag"))
		require.True(t, *inc.Step(domain.StepReportedToCISO).Met)

		// PUT with If-Match; publication override needs a reason.
		p = requireProblem(t, e.do("PUT", "/v1/incidents/"+inc.ID, editor, incBody(e, v.ID, map[string]any{"publication_required": true}), "If-Match", `"2"`), http.StatusUnprocessableEntity)
		require.Equal(t, []string{"body.publication_override_reason"}, problemLocations(p))
		e.must(http.StatusOK, "PUT", "/v1/incidents/"+inc.ID, editor, incBody(e, v.ID, map[string]any{"publication_required": true,
			"publication_override_reason": "個人情報を含むため公表する", "severity": "medium"}), "If-Match", `"2"`).Decode(t, &inc)
		require.True(t, inc.PublicationRequired)
		require.Equal(t, "medium", inc.Severity)

		// A corrective action and a suspension (a candidate vendor cannot be suspended: 409 from the vendor's rule).
		var res struct {
			Incident         domain.Incident         `json:"incident"`
			CorrectiveAction domain.CorrectiveAction `json:"corrective_action"`
		}
		e.must(http.StatusCreated, "POST", "/v1/incidents/"+inc.ID+"/corrective-actions", editor, map[string]any{
			"description": "作業端末の持ち出し管理の徹底", "severity": "medium", "due_date": "2027-01-29"}).Decode(t, &res)
		require.Equal(t, []string{res.CorrectiveAction.ID}, res.Incident.CorrectiveActionIDs)
		require.Equal(t, domain.SourceIncident, res.CorrectiveAction.Source)
		e.must(http.StatusOK, "GET", "/v1/corrective-actions/"+res.CorrectiveAction.ID, viewer, nil)
		requireProblem(t, e.do("POST", "/v1/incidents/"+inc.ID+"/suspensions", editor, map[string]any{"type": "vendor", "id": v.ID, "reason": "調査のため"}), http.StatusConflict)
		p = requireProblem(t, e.do("POST", "/v1/incidents/"+inc.ID+"/suspensions", editor, map[string]any{"type": "social_account", "id": v.ID, "reason": "調査のため"}), http.StatusUnprocessableEntity)
		require.Equal(t, []string{"body.id"}, problemLocations(p))

		// Close: lessons learned required.
		for _, s := range []string{"contained", "recovered"} {
			e.must(http.StatusOK, "POST", "/v1/incidents/"+inc.ID+"/steps", editor, map[string]any{"step": s})
		}
		p = requireProblem(t, e.do("POST", "/v1/incidents/"+inc.ID+"/steps", editor, map[string]any{"step": "closed"}), http.StatusUnprocessableEntity)
		require.Equal(t, []string{"body.lessons_learned"}, problemLocations(p))
		e.must(http.StatusOK, "POST", "/v1/incidents/"+inc.ID+"/steps", editor, map[string]any{"step": "closed", "lessons_learned": "端末の持ち出し申請を電子化する"}).Decode(t, &inc)
		require.Equal(t, domain.StepClosed, inc.Status)
		requireProblem(t, e.do("POST", "/v1/incidents/"+inc.ID+"/steps", editor, map[string]any{"step": "closed"}), http.StatusConflict)
		requireProblem(t, e.do("PUT", "/v1/incidents/"+inc.ID, editor, incBody(e, v.ID, nil)), http.StatusConflict)
		e.must(http.StatusOK, "POST", "/v1/incidents/"+inc.ID+"/publication", editor, map[string]any{"published_on": "2026-12-01", "note": "組合ホームページ"}).Decode(t, &inc)
		require.Equal(t, "2026-12-01", inc.PublishedOn.String())

		// The audit trail, and the ledger: the ciso notice went to nobody
		// (no ciso), so it holds only what the scan writes.
		var events struct {
			Items []domain.AuditEvent `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/audit-events?entity_type=incident&entity_id="+inc.ID, auditor, nil).Decode(t, &events)
		var actions []string
		for _, ev := range events.Items {
			actions = append(actions, ev.Action)
		}
		require.Equal(t, []string{"create", "record_step", "update", "open_corrective_action", "record_step", "record_step", "record_step", "publish"}, actions,
			"the refused suspension left nothing")
		e.must(http.StatusOK, "GET", "/v1/reminders?subject_type=incident_step&stage=notice", auditor, nil)
		requireProblem(t, e.do("GET", "/v1/incidents/"+v.ID, viewer, nil), http.StatusNotFound)
	})
}

func TestIncidentSeveritiesInSettings(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		var s map[string]any
		r := e.must(http.StatusOK, "GET", "/v1/settings", e.admin, nil)
		r.Decode(t, &s)
		levels := s["incident_severities"].([]any)
		require.Len(t, levels, 3)
		require.Equal(t, "high", levels[0].(map[string]any)["code"])
		require.Equal(t, true, levels[0].(map[string]any)["notify_ciso_at_once"])
		require.EqualValues(t, 60, levels[0].(map[string]any)["deadlines"].(map[string]any)["reported_to_ciso_minutes"])

		bad := map[string]any{}
		for k, v := range s {
			if k != "version" && k != "updated_at" {
				bad[k] = v
			}
		}
		bad["incident_severities"] = []map[string]any{
			{"code": "high", "title_ja": "高", "title_en": "High", "deadlines": map[string]any{"reported_to_ciso_minutes": 60, "contained_minutes": 30, "recovered_minutes": 90, "closed_minutes": 100}},
			{"code": "high", "title_ja": "高", "title_en": "High", "deadlines": map[string]any{"reported_to_ciso_minutes": 60, "contained_minutes": 70, "recovered_minutes": 90, "closed_minutes": 100}},
		}
		p := requireProblem(t, e.do("PUT", "/v1/settings", e.admin, bad, "If-Match", r.Header.Get("ETag")), http.StatusUnprocessableEntity)
		require.ElementsMatch(t, []string{"body.incident_severities[0].deadlines.contained_minutes", "body.incident_severities[1].code"}, problemLocations(p))
	})
}
