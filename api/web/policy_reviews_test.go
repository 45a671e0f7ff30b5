package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// prSettingsEvent shortens the policy review interval as the admin and
// returns the audit event of the change.
func prSettingsEvent(e *env, months int) *domain.AuditEvent {
	e.t.Helper()
	ctx := e.asAdmin()
	s, err := e.db.GetSettings(ctx)
	require.NoError(e.t, err)
	p := s.PolicySettings
	p.PolicyReviewIntervalMonths = months
	_, err = e.db.ReplaceSettings(ctx, nil, p)
	require.NoError(e.t, err)
	evs, err := e.db.ListAuditEvents(ctx, domain.AuditFilter{EntityType: "settings"}, domain.PageRequest{Limit: domain.MaxPageSize})
	require.NoError(e.t, err)
	return evs.Items[len(evs.Items)-1]
}

var prReviewPath = regexp.MustCompile(`^/policy-reviews/([0-9a-f-]{36})\?done=policy_review_created$`)

func TestPolicyReviewPagesDraftLinkAndApprove(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		_, drafter := confSignedIn(e, "見直し 担当", "pr-drafter@example.lg.jp", domain.RoleEditor)
		_, ciso := confSignedIn(e, "最高 責任者", "pr-ciso@example.lg.jp", domain.RoleEditor, domain.SecurityRoleCISO)
		_, viewer := confSignedIn(e, "閲覧 者", "pr-viewer@example.lg.jp", domain.RoleViewer)
		ev := prSettingsEvent(e, 6)

		// The nav entry, and the list everyone reads.
		list := viewer.get("/policy-reviews")
		require.Equal(t, http.StatusOK, list.Status, list.Body)
		require.Contains(t, list.Body, `<a href="/policy-reviews" aria-current="page">ポリシー見直し</a>`)
		require.NotContains(t, list.Body, `href="/policy-reviews/new"`, "a viewer drafts nothing")
		require.Equal(t, http.StatusForbidden, viewer.get("/policy-reviews/new").Status)

		// The form offers the settings change as a checkbox, with its summary.
		form := drafter.get("/policy-reviews/new")
		require.Equal(t, http.StatusOK, form.Status, form.Body)
		require.Contains(t, form.Body, `name="changes" value="`+ev.ID+`"`)
		require.Contains(t, form.Body, html.EscapeString("設定を変更：policy_review_interval_months 12 → 6"))
		require.Contains(t, form.Body, "承認日から6か月後")

		// An id that is no policy change is refused at its checkbox.
		bad := url.Values{"trigger": {"circumstances"}, "trigger_description": {"ガイドラインの改定"},
			"changes": {ev.ID, "01900000-0000-7000-8000-00000000dead"}}
		refused := drafter.submit("/policy-reviews/new", "/policy-reviews", bad)
		require.Equal(t, http.StatusUnprocessableEntity, refused.Status, refused.Body)
		require.Contains(t, refused.Body, `href="#f-changes%5b1%5d"`)
		require.Contains(t, refused.Body, `id="f-changes[1]" name="changes" value="01900000-0000-7000-8000-00000000dead" checked aria-invalid="true" aria-describedby="e-changes[1]"`)
		require.Contains(t, refused.Body, "この監査記録は見つかりません。")
		require.Contains(t, refused.Body, `id="f-changes[0]" name="changes" value="`+ev.ID+`" checked`, "the ticked box stays ticked")
		require.Contains(t, refused.Body, "ガイドラインの改定")

		ok := url.Values{"trigger": {"circumstances"}, "trigger_description": {"ガイドラインの改定"}, "changes": {ev.ID}}
		created := drafter.submit("/policy-reviews/new", "/policy-reviews", ok)
		require.Equal(t, http.StatusSeeOther, created.Status, created.Body)
		m := prReviewPath.FindStringSubmatch(created.Location)
		require.NotNil(t, m, created.Location)
		id := m[1]
		path := "/policy-reviews/" + id

		// The drafter sees the draft but cannot approve it.
		show := drafter.get(path)
		require.Equal(t, http.StatusOK, show.Status, show.Body)
		require.Contains(t, show.Body, "起案中")
		require.Contains(t, show.Body, html.EscapeString("設定を変更：policy_review_interval_months 12 → 6"))
		require.NotContains(t, show.Body, `action="`+path+`/approve"`)
		require.Contains(t, show.Body, "最高情報セキュリティ責任者の役割を持つ在職中の職員だけです")
		require.NotContains(t, show.Body, "/audit?", "an editor has no audit trail to link to")
		require.Contains(t, e.signedIn().get(path).Body, `href="/audit?entity_type=settings&amp;entity_id=1"`)

		// The CISO's home page shows it waiting; approval without a decision is refused.
		home := ciso.get("/")
		require.Contains(t, home.Body, "情報セキュリティポリシーの見直しの承認")
		require.Contains(t, home.Body, path)
		cshow := ciso.get(path)
		require.Contains(t, cshow.Body, `action="`+path+`/approve"`)
		noDecision := ciso.submit(path, path+"/approve", url.Values{"version": {"1"}})
		require.Equal(t, http.StatusUnprocessableEntity, noDecision.Status, noDecision.Body)
		require.Contains(t, noDecision.Body, "承認の前に、決定した内容を記入してください。")

		// The drafter writes the decision; a stale form is refused.
		edit := drafter.get(path + "/edit")
		require.Equal(t, http.StatusOK, edit.Status, edit.Body)
		require.Contains(t, edit.Body, `value="`+ev.ID+`" checked`)
		ok.Set("decision", "見直し間隔を6か月に短縮する")
		ok.Set("version", "1")
		saved := drafter.submit(path+"/edit", path, ok)
		require.Equal(t, http.StatusSeeOther, saved.Status, saved.Body)
		stale := drafter.submit(path+"/edit", path, ok)
		require.Equal(t, http.StatusPreconditionFailed, stale.Status)

		// The viewer may not approve; the CISO does.
		require.Equal(t, http.StatusForbidden, viewer.submit(path, path+"/approve", url.Values{"version": {"2"}}).Status)
		approved := ciso.submit(path, path+"/approve", url.Values{"version": {"2"}})
		require.Equal(t, http.StatusSeeOther, approved.Status, approved.Body)
		r, err := e.db.FindPolicyReview(e.asAdmin(), id)
		require.NoError(t, err)
		require.Equal(t, domain.PolicyReviewApproved, r.Status)
		after := ciso.get(approved.Location)
		require.Contains(t, after.Body, "見直しを承認しました。")
		require.Contains(t, after.Body, "承認済み")
		require.Contains(t, after.Body, r.NextReviewDue.FormatFor(domain.LocaleJa, false))
		require.NotContains(t, after.Body, "/edit\"", "an approved review is not edited")

		// A draft is withdrawn from its page.
		created = drafter.submit("/policy-reviews/new", "/policy-reviews", url.Values{"trigger": {"circumstances"}, "trigger_description": {"誤り"}})
		require.Equal(t, http.StatusSeeOther, created.Status, created.Body)
		draftPath := prReviewPath.FindStringSubmatch(created.Location)[0]
		draftPath = draftPath[:len("/policy-reviews/")+36]
		require.Contains(t, drafter.get(draftPath).Body, `action="`+draftPath+`/delete"`)
		require.NotContains(t, after.Body, `action="`+path+`/delete"`, "an approved review stays")
		deleted := drafter.submit(draftPath, draftPath+"/delete", url.Values{"version": {"1"}})
		require.Equal(t, http.StatusSeeOther, deleted.Status, deleted.Body)
		require.Equal(t, "/policy-reviews?done=policy_review_deleted", deleted.Location)
		require.Equal(t, http.StatusNotFound, drafter.get(draftPath).Status)

		list = viewer.get("/policy-reviews?status=approved")
		require.Contains(t, list.Body, `href="`+path+`"`)
		require.Contains(t, list.Body, "見直し間隔を6か月に短縮する")
		require.NotContains(t, viewer.get("/policy-reviews?status=draft").Body, `href="`+path+`"`)
	})
}

func TestPolicyReviewSettingOnTheSettingsPage(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		b := e.signedIn()
		p := b.get("/settings")
		require.Equal(t, http.StatusOK, p.Status)
		require.Contains(t, p.Body, `name="policy_review_interval_months"`)
		require.Contains(t, p.Body, "ポリシーの見直しの間隔")
	})
}

// The next review date, once approved and within the reminder lead, is on
// its owner's home page (私の対応事項) like every other date.
func TestPolicyReviewDueOnTheOwnersHomePage(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner, b := confSignedIn(e, "見直し 担当", "pr-owner@example.lg.jp", domain.RoleEditor)
		ciso := e.person("最高 責任者", "pr-ciso2@example.lg.jp", domain.RoleEditor, domain.SecurityRoleCISO)
		asOwner := domain.WithActor(context.Background(), domain.Actor{PersonID: owner.ID, Role: domain.RoleEditor, Name: owner.Name})
		asCISO := domain.WithActor(context.Background(), domain.Actor{PersonID: ciso.ID, Role: domain.RoleEditor, Name: ciso.Name})
		today := domain.DateOf(e.db.Now(), e.db.Location())
		r, err := e.db.CreatePolicyReview(asOwner, domain.PolicyReviewInput{Trigger: domain.TriggerCircumstances,
			TriggerDescription: "臨時の見直し", Decision: "翌月に再度見直す", NextReviewDue: today.AddDays(10)})
		require.NoError(t, err)
		_, err = e.db.ApprovePolicyReview(asCISO, r.ID, nil)
		require.NoError(t, err)

		home := b.get("/")
		require.Equal(t, http.StatusOK, home.Status, home.Body)
		require.Contains(t, home.Body, "情報セキュリティポリシーの次回の見直し")
		require.Contains(t, home.Body, `href="/policy-reviews/`+r.ID+`"`)
	})
}
