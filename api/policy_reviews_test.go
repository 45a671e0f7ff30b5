package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// A review of the policy through the API: roles, the candidates to link,
// 422 at changes[i], ETags and If-Match, and the CISO's approval.
func TestPolicyReviewsThroughTheAPI(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		viewer := e.token(domain.RoleViewer)
		auditor := e.token(domain.RoleAuditor)
		drafter := newDutyPerson(e, "見直し 担当", "pr-drafter@example.lg.jp")
		sup := newDutyPerson(e, "統括 責任者", "pr-sup@example.lg.jp", "supervisor")
		ciso := newDutyPerson(e, "最高 責任者", "pr-ciso@example.lg.jp", "ciso")

		// An admin shortens the interval: the change the review records.
		var settings map[string]any
		e.must(http.StatusOK, "GET", "/v1/settings", e.admin, nil).Decode(t, &settings)
		require.EqualValues(t, 12, settings["policy_review_interval_months"])
		settings["policy_review_interval_months"] = 6
		delete(settings, "version")
		delete(settings, "updated_at")
		e.must(http.StatusOK, "PUT", "/v1/settings", e.admin, settings)

		var cands struct {
			Items []domain.PolicyChange `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/policy-reviews/candidate-changes", viewer, nil).Decode(t, &cands)
		require.Len(t, cands.Items, 1)
		change := cands.Items[0]
		require.Equal(t, "settings", change.EntityType)
		require.Equal(t, "settings changed: policy_review_interval_months 12 → 6", change.Summary)

		var personEvents struct {
			Items []domain.AuditEvent `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/audit-events?entity_type=person", auditor, nil).Decode(t, &personEvents)
		personEvent := personEvents.Items[len(personEvents.Items)-1].ID

		body := map[string]any{"trigger": "circumstances", "trigger_description": "国のガイドラインの改定",
			"changes": []string{change.AuditEventID, personEvent, "01900000-0000-7000-8000-00000000dead"}}
		requireProblem(t, e.do("POST", "/v1/policy-reviews", viewer, body), http.StatusForbidden)
		requireProblem(t, e.do("POST", "/v1/policy-reviews", auditor, body), http.StatusForbidden)
		p := requireProblem(t, e.do("POST", "/v1/policy-reviews", drafter.token, body), http.StatusUnprocessableEntity)
		require.Equal(t, []string{"body.changes[1]", "body.changes[2]"}, problemLocations(p))
		p = requireProblem(t, e.do("POST", "/v1/policy-reviews", drafter.token, map[string]any{"trigger": "audit_result",
			"trigger_description": "監査の指摘"}), http.StatusUnprocessableEntity)
		require.Equal(t, []string{"body.trigger_id"}, problemLocations(p))
		requireProblem(t, e.do("POST", "/v1/policy-reviews", drafter.token, map[string]any{"trigger": "rumour",
			"trigger_description": "x"}), http.StatusUnprocessableEntity)

		body["changes"] = []string{change.AuditEventID}
		res := e.must(http.StatusCreated, "POST", "/v1/policy-reviews", drafter.token, body)
		require.Equal(t, `"1"`, res.Header.Get("ETag"))
		var r domain.PolicyReview
		res.Decode(t, &r)
		require.Equal(t, domain.PolicyReviewDraft, r.Status)
		require.Equal(t, drafter.ID, r.OwnerID)
		require.Len(t, r.Changes, 1)
		require.Equal(t, change.Summary, r.Changes[0].Summary)

		// Everyone reads; the list filters.
		path := "/v1/policy-reviews/" + r.ID
		require.Equal(t, `"1"`, e.must(http.StatusOK, "GET", path, viewer, nil).Header.Get("ETag"))
		require.Equal(t, []string{r.ID}, outListIDs(e, "/v1/policy-reviews?status=draft"))
		require.Empty(t, outListIDs(e, "/v1/policy-reviews?status=approved"))
		require.Empty(t, outListIDs(e, "/v1/policy-reviews?trigger=incident"))
		requireProblem(t, e.do("GET", "/v1/policy-reviews/01900000-0000-7000-8000-00000000dead", viewer, nil), http.StatusNotFound)

		// The decision is written with If-Match; a stale tag is 412.
		body["decision"] = "クラウドサービスの見直し間隔を6か月とする"
		requireProblem(t, e.do("PUT", path, drafter.token, body, "If-Match", `"7"`), http.StatusPreconditionFailed)
		res = e.must(http.StatusOK, "PUT", path, drafter.token, body, "If-Match", `"1"`)
		require.Equal(t, `"2"`, res.Header.Get("ETag"))

		// Approval: not the drafter (no role), not a supervisor; the CISO.
		requireProblem(t, e.do("POST", path+"/approve", viewer, nil), http.StatusForbidden)
		p = requireProblem(t, e.do("POST", path+"/approve", drafter.token, nil), http.StatusForbidden)
		require.Contains(t, outProblemText(p), "ciso")
		requireProblem(t, e.do("POST", path+"/approve", sup.token, nil), http.StatusForbidden)
		requireProblem(t, e.do("POST", path+"/approve", ciso.token, nil, "If-Match", `"1"`), http.StatusPreconditionFailed)
		res = e.must(http.StatusOK, "POST", path+"/approve", ciso.token, nil, "If-Match", `"2"`)
		require.Equal(t, `"3"`, res.Header.Get("ETag"))
		res.Decode(t, &r)
		require.Equal(t, domain.PolicyReviewApproved, r.Status)
		require.Equal(t, ciso.ID, r.ApproverID)
		require.Equal(t, outAddMonths(t, outDaysAgo(0), 6), r.NextReviewNominal.String(), "today plus policy_review_interval_months")
		requireProblem(t, e.do("POST", path+"/approve", ciso.token, nil), http.StatusConflict)
		requireProblem(t, e.do("PUT", path, drafter.token, body), http.StatusConflict)

		requireProblem(t, e.do("DELETE", path, drafter.token, nil), http.StatusConflict)

		// A draft is deleted with If-Match; a viewer cannot.
		e.must(http.StatusCreated, "POST", "/v1/policy-reviews", drafter.token, map[string]any{"trigger": "circumstances",
			"trigger_description": "誤り"}).Decode(t, &r)
		requireProblem(t, e.do("DELETE", "/v1/policy-reviews/"+r.ID, viewer, nil), http.StatusForbidden)
		requireProblem(t, e.do("DELETE", "/v1/policy-reviews/"+r.ID, drafter.token, nil, "If-Match", `"2"`), http.StatusPreconditionFailed)
		e.must(http.StatusNoContent, "DELETE", "/v1/policy-reviews/"+r.ID, drafter.token, nil, "If-Match", `"1"`)
		requireProblem(t, e.do("GET", "/v1/policy-reviews/"+r.ID, viewer, nil), http.StatusNotFound)

		// Approved, the candidates start afresh; the audit trail has it all.
		e.must(http.StatusOK, "GET", "/v1/policy-reviews/candidate-changes", viewer, nil).Decode(t, &cands)
		require.Empty(t, cands.Items)
		require.Equal(t, []string{"create", "delete"}, outActions(e, r.ID))
		require.Equal(t, []string{"create", "update", "approve"}, outActions(e, path[len("/v1/policy-reviews/"):]))
	})
}
