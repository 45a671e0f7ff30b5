package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// reviewSetup registers an active contract owned by the administrator,
// ending on 2027-03-31, and returns its id and the form's path.
func reviewSetup(t *testing.T, e *env) (string, string) {
	t.Helper()
	ctx := e.asAdmin()
	v := homeVendor(t, ctx, homeApprover(t, ctx, e.db, e.admin.DepartmentID), e.db, e.admin, "見直し株式会社")
	c := homeContract(t, ctx, e.db, v, e.admin, "窓口業務委託", "2027-03-31")
	return c.ID, "/reviews/new?subject_type=contract&subject_id=" + c.ID
}

// reviewCount is how many reviews the contract has.
func reviewCount(t *testing.T, e *env, contractID string) int {
	t.Helper()
	page, err := e.db.ListReviews(e.asAdmin(), domain.ReviewFilter{SubjectID: contractID}, domain.PageRequest{Limit: 10})
	require.NoError(t, err)
	return len(page.Items)
}

func TestReviewFormRecordsAContractReview(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		id, form := reviewSetup(t, e)
		b := e.signedIn()
		p := b.get(form)
		require.Equal(t, http.StatusOK, p.Status, p.Body)
		require.Contains(t, p.Body, "<h1>見直しの記録</h1>")
		require.Contains(t, p.Body, `<a href="/contracts/`+id+`">窓口業務委託</a>`)
		require.Contains(t, p.Body, `<label for="f-outcome">継続</label>`)
		require.Contains(t, p.Body, `<label for="f-outcome-terminate">終了</label>`)
		require.Contains(t, p.Body, `<textarea id="f-notes" name="notes"`)
		require.Contains(t, p.Body, `<option value="`+e.admin.ID+`" selected>`, "the signed-in person reviews by default")
		require.Contains(t, p.Body, `id="f-reviewed_on" name="reviewed_on" type="date" required value="2026-12-01"`, "today by default")
		require.Contains(t, p.Body, `id="f-new_end_date"`, "a contract takes a new end date")
		require.Contains(t, p.Body, "2027年3月31日（水）", "beside its current one")

		done := b.submit(form, "/reviews", url.Values{"subject_type": {"contract"}, "subject_id": {id}, "outcome": {"continue"},
			"notes": {"履行状況を確認し、1年延長する。"}, "reviewer_id": {e.admin.ID}, "reviewed_on": {"2026-12-01"}, "new_end_date": {"2028-03-31"}})
		require.Equal(t, http.StatusSeeOther, done.Status, done.Body)
		require.Equal(t, "/contracts/"+id+"?done=review_created", done.Location)

		page, err := e.db.ListReviews(e.asAdmin(), domain.ReviewFilter{SubjectID: id}, domain.PageRequest{Limit: 10})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		rv := page.Items[0]
		require.Equal(t, domain.OutcomeContinue, rv.Outcome)
		require.Equal(t, e.admin.ID, rv.ReviewerID)
		require.Equal(t, "2028-03-31", rv.NewEndDate.String())
		c, err := e.db.FindContract(e.asAdmin(), id)
		require.NoError(t, err)
		require.Equal(t, "2028-03-31", c.EndDate.String())
		events, err := e.db.ListAuditEvents(e.asAdmin(), domain.AuditFilter{EntityType: "review", EntityID: rv.ID}, domain.PageRequest{Limit: 10})
		require.NoError(t, err)
		require.Len(t, events.Items, 1)
		require.Equal(t, e.admin.ID, *events.Items[0].ActorID, "the signed-in person is the actor")

		list := b.get("/reviews")
		require.Equal(t, http.StatusOK, list.Status)
		require.Contains(t, list.Body, `<a href="/contracts/`+id+`">契約を開く</a>`)
		require.Contains(t, list.Body, "<td>継続<br>")
		require.Contains(t, list.Body, "履行状況を確認し、1年延長する。")
		require.NotContains(t, b.get("/reviews?subject_type=cloud_service").Body, "契約を開く", "the subject-type filter")
		require.NotContains(t, b.get("/reviews?fiscal_year=2025").Body, "契約を開く", "the fiscal-year filter")
		require.Contains(t, b.get("/reviews?fiscal_year=2026").Body, "契約を開く")
	})
}

func TestReviewFormRefusals(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		id, form := reviewSetup(t, e)
		valid := func() url.Values {
			return url.Values{"subject_type": {"contract"}, "subject_id": {id}, "outcome": {"continue"},
				"reviewer_id": {e.admin.ID}, "reviewed_on": {"2026-12-01"}}
		}

		viewer := e.person("閲覧 花子", "viewer@example.lg.jp", domain.RoleViewer)
		vb := e.browser()
		vb.signIn(viewer.Email)
		require.Equal(t, http.StatusForbidden, vb.get(form).Status, "a viewer gets no form")
		refused := vb.submit("/", "/reviews", valid())
		require.Equal(t, http.StatusForbidden, refused.Status)
		require.Zero(t, reviewCount(t, e, id), "nothing written")

		b := e.signedIn()
		noToken := b.post("/reviews", valid())
		require.Equal(t, http.StatusForbidden, noToken.Status, "no CSRF token")
		require.Zero(t, reviewCount(t, e, id), "nothing written")

		missing := valid()
		missing.Del("outcome")
		bad := b.submit(form, "/reviews", missing)
		require.Equal(t, http.StatusUnprocessableEntity, bad.Status)
		require.Contains(t, bad.Body, `id="e-outcome"`)
		require.Contains(t, bad.Body, `href="#f-outcome"`, "named in the summary")
		require.Contains(t, bad.Body, `aria-invalid="true"`)
		require.Contains(t, bad.Body, `<a href="/contracts/`+id+`">窓口業務委託</a>`, "the form is shown again")

		terminate := valid()
		terminate.Set("outcome", "terminate")
		bad = b.submit(form, "/reviews", terminate)
		require.Equal(t, http.StatusUnprocessableEntity, bad.Status)
		require.Contains(t, bad.Body, `id="e-notes"`, "terminate needs notes")
		require.Contains(t, bad.Body, `value="terminate" id="f-outcome-terminate" checked`, "what was chosen is kept")

		shorter := valid()
		shorter.Set("new_end_date", "2027-01-31")
		bad = b.submit(form, "/reviews", shorter)
		require.Equal(t, http.StatusUnprocessableEntity, bad.Status)
		require.Contains(t, bad.Body, `id="e-new_end_date"`)
		require.Contains(t, bad.Body, `value="2027-01-31"`)

		future := valid()
		future.Set("reviewed_on", "2027-01-05")
		bad = b.submit(form, "/reviews", future)
		require.Equal(t, http.StatusUnprocessableEntity, bad.Status)
		require.Contains(t, bad.Body, `id="e-reviewed_on"`)

		garbled := valid()
		garbled.Set("reviewed_on", "1 Dec")
		bad = b.submit(form, "/reviews", garbled)
		require.Equal(t, http.StatusUnprocessableEntity, bad.Status)
		require.Contains(t, bad.Body, `id="e-reviewed_on"`)
		require.Zero(t, reviewCount(t, e, id), "nothing written by a refused form")

		require.Equal(t, http.StatusNotFound, b.get("/reviews/new?subject_type=contract&subject_id=01900000-0000-7000-8000-000000000000").Status)
		require.Equal(t, http.StatusNotFound, b.get("/reviews/new?subject_type=vendor&subject_id="+id).Status)
	})
}
