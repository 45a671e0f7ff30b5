package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// corrOpened completes a new contract's confirmation with findings on its
// first two items, as admin; it returns the two corrective actions, owned
// by the contract's owner.
func corrOpened(e *env, owner *domain.Person) (*domain.Confirmation, []*domain.CorrectiveAction) {
	t := e.t
	t.Helper()
	_, conf := confScheduled(e, owner)
	in := domain.ConfirmationCompletion{PerformedBy: e.admin.ID, PerformedOn: confDate(t, "2026-11-30")}
	for i, it := range conf.Checklist {
		r := domain.ItemResultInput{Code: it.Code, Result: domain.ItemOK}
		if i < 2 {
			r = domain.ItemResultInput{Code: it.Code, Result: domain.ItemFinding, Note: "記録なし " + it.Code, Evidence: []string{"報告書 R8-045"},
				Severity: domain.SeverityMedium, ActionDueDate: confDate(t, "2027-01-29")}
		}
		in.Results = append(in.Results, r)
	}
	done, err := e.db.CompleteConfirmation(e.asAdmin(), conf.ID, nil, in)
	require.NoError(t, err)
	var out []*domain.CorrectiveAction
	for _, it := range done.Checklist[:2] {
		a, err := e.db.FindCorrectiveAction(e.asAdmin(), it.CorrectiveActionID)
		require.NoError(t, err)
		require.Equal(t, owner.ID, a.OwnerID)
		out = append(out, a)
	}
	return done, out
}

// corrStatus is an action's status now.
func corrStatus(e *env, id string) domain.ActionStatus {
	e.t.Helper()
	a, err := e.db.FindCorrectiveAction(e.asAdmin(), id)
	require.NoError(e.t, err)
	return a.Status
}

func TestCorrectiveActionPagesAndCompletion(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner, b := confSignedIn(e, "措置 担当", "sochi@example.lg.jp", domain.RoleEditor)
		conf, actions := corrOpened(e, owner)
		a := actions[0]
		path := "/corrective-actions/" + a.ID

		list := b.get("/corrective-actions?status=open&owner=me")
		require.Equal(t, http.StatusOK, list.Status, list.Body)
		require.Contains(t, list.Body, `<a href="`+path+`">`+a.Description+`</a>`)
		require.Contains(t, list.Body, "粗大ごみ受付システム運用保守業務委託")
		require.NotContains(t, b.get("/corrective-actions?status=done").Body, path)

		p := b.get(path)
		require.Equal(t, http.StatusOK, p.Status, p.Body)
		require.Contains(t, p.Body, a.Description)
		require.Contains(t, p.Body, conf.Checklist[0].TitleJa)
		require.Contains(t, p.Body, "2027年1月29日")
		require.Contains(t, p.Body, "対応中")
		require.Contains(t, p.Body, `<a href="/confirmations/`+conf.ID+`">`)
		require.Contains(t, p.Body, `action="`+path+`/complete"`)
		require.NotContains(t, p.Body, `/accept-risk"`, "no security role, no risk form")
		require.Contains(t, p.Body, "リスクの受容は、統括情報セキュリティ責任者")

		_, viewer := confSignedIn(e, "閲覧 者", "etsuran@example.lg.jp", domain.RoleViewer)
		vp := viewer.get(path)
		require.Equal(t, http.StatusOK, vp.Status)
		require.NotContains(t, vp.Body, `/complete"`)
		refused := viewer.submit(path, path+"/complete", url.Values{"resolution": {"実施済み"}})
		require.Equal(t, http.StatusForbidden, refused.Status)
		require.Equal(t, domain.ActionOpen, corrStatus(e, a.ID))

		noToken := b.post(path+"/complete", url.Values{"resolution": {"実施済み"}})
		require.Equal(t, http.StatusForbidden, noToken.Status)
		require.Equal(t, domain.ActionOpen, corrStatus(e, a.ID))

		empty := b.submit(path, path+"/complete", url.Values{"resolution": {"  "}})
		require.Equal(t, http.StatusUnprocessableEntity, empty.Status)
		require.Regexp(t, regexp.MustCompile(`(?s)<p class="field-error" id="e-resolution">.*?</p>\s*<textarea id="f-resolution" name="resolution" rows="4" aria-describedby="h-resolution e-resolution" aria-invalid="true">`), empty.Body)
		require.Contains(t, empty.Body, `<a href="#f-resolution">`)
		require.Equal(t, domain.ActionOpen, corrStatus(e, a.ID))

		done := b.submit(path, path+"/complete", url.Values{"resolution": {"全作業者への研修を実施し、受講記録を受領した"}, "version": {"1"}})
		require.Equal(t, http.StatusSeeOther, done.Status, done.Body)
		require.Equal(t, path+"?done=corrective_completed", done.Location)
		got, err := e.db.FindCorrectiveAction(e.asAdmin(), a.ID)
		require.NoError(t, err)
		require.Equal(t, domain.ActionDone, got.Status)
		require.Equal(t, owner.ID, got.ClosedBy)
		audit, err := e.db.ListAuditEvents(e.asAdmin(), domain.AuditFilter{EntityType: "corrective_action", EntityID: a.ID}, domain.PageRequest{Limit: 10})
		require.NoError(t, err)
		var completion *domain.AuditEvent
		for _, ev := range audit.Items {
			if ev.Action == "complete" {
				completion = ev
			}
		}
		require.NotNil(t, completion)
		require.NotNil(t, completion.ActorID)
		require.Equal(t, owner.ID, *completion.ActorID)

		shown := b.get(done.Location)
		require.Contains(t, shown.Body, "是正措置を完了しました。")
		require.Contains(t, shown.Body, "全作業者への研修を実施し、受講記録を受領した")
		require.Contains(t, shown.Body, owner.Name)
		require.NotContains(t, shown.Body, `/complete"`, "a closed action has no form")

		stale := b.submit(path, path+"/complete", url.Values{"resolution": {"再度"}})
		require.Equal(t, http.StatusConflict, stale.Status, "closed once")
	})
}

func TestCorrectiveActionRiskAcceptanceNeedsASupervisor(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner, b := confSignedIn(e, "措置 担当", "sochi@example.lg.jp", domain.RoleEditor)
		_, actions := corrOpened(e, owner)
		a := actions[1]
		path := "/corrective-actions/" + a.ID
		form := url.Values{"risk_resolution": {"代替の監視策を講じており、次期契約更新時に是正させる"}, "accepted_until": {"2027-03-31"}}

		plain := b.submit(path, path+"/accept-risk", form)
		require.Equal(t, http.StatusForbidden, plain.Status)
		require.Contains(t, plain.Body, "リスク受容ができるのは、統括情報セキュリティ責任者又は最高情報セキュリティ責任者の役割を持つ職員だけです。", "the store's refusal is shown in Japanese")
		require.Equal(t, domain.ActionOpen, corrStatus(e, a.ID))

		_, manager := confSignedIn(e, "情報 責任者", "manager@example.lg.jp", domain.RoleEditor, domain.SecurityRoleManager)
		require.NotContains(t, manager.get(path).Body, `/accept-risk"`)
		refused := manager.submit(path, path+"/accept-risk", form)
		require.Equal(t, http.StatusForbidden, refused.Status, "a manager (情報セキュリティ責任者) may not accept a risk")
		require.Equal(t, domain.ActionOpen, corrStatus(e, a.ID))

		supervisor, sb := confSignedIn(e, "統括 責任者", "supervisor@example.lg.jp", domain.RoleEditor, domain.SecurityRoleSupervisor)
		p := sb.get(path)
		require.Contains(t, p.Body, `action="`+path+`/accept-risk"`)
		require.Contains(t, p.Body, `<textarea id="f-risk_resolution" name="risk_resolution"`)

		tooLong := url.Values{"risk_resolution": form["risk_resolution"], "accepted_until": {"2035-01-01"}}
		long := sb.submit(path, path+"/accept-risk", tooLong)
		require.Equal(t, http.StatusUnprocessableEntity, long.Status)
		require.Contains(t, long.Body, `id="e-accepted_until"`)
		require.Contains(t, long.Body, `<a href="#f-accepted_until">`)
		require.Equal(t, domain.ActionOpen, corrStatus(e, a.ID))

		noReason := sb.submit(path, path+"/accept-risk", url.Values{"accepted_until": {"2027-03-31"}})
		require.Equal(t, http.StatusUnprocessableEntity, noReason.Status)
		require.Contains(t, noReason.Body, `id="e-risk_resolution"`, "the reason's error sits at the risk form's box")
		require.NotContains(t, noReason.Body, `id="e-resolution"`)

		ok := sb.submit(path, path+"/accept-risk", form)
		require.Equal(t, http.StatusSeeOther, ok.Status, ok.Body)
		got, err := e.db.FindCorrectiveAction(e.asAdmin(), a.ID)
		require.NoError(t, err)
		require.Equal(t, domain.ActionRiskAccepted, got.Status)
		require.Equal(t, "2027-03-31", got.AcceptedUntil.String())
		require.Equal(t, supervisor.ID, got.ClosedBy)
		shown := sb.get(ok.Location)
		require.Contains(t, shown.Body, "リスクを受容しました。")
		require.Contains(t, shown.Body, "2027年3月31日")
		require.Contains(t, shown.Body, "統括 責任者")
	})
}
