package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// saAccount registers an active account on X run by the responsible person.
func saAccount(t *testing.T, e *env, responsible *domain.Person) *domain.SocialAccount {
	t.Helper()
	approved, err := domain.ParseDate("2026-04-01")
	require.NoError(t, err)
	a, err := e.db.CreateSocialAccount(e.asAdmin(), domain.SocialAccountInput{
		Platform: domain.PlatformX, Handle: "@clean_kumiai", Purpose: "ごみ収集日程と災害時の収集情報の発信",
		DepartmentID: responsible.DepartmentID, ResponsiblePersonID: responsible.ID,
		OperatingProcedure: domain.OperatingProcedure{DocumentRef: "広報-SNS-001", Version: "1.2", ApprovedOn: approved},
		PublishingRules: domain.PublishingRulesInput{AllowedCategories: []string{"お知らせ", "収集日程"}, ProhibitedTerms: []string{"未発表", "kumiai"},
			PublicContacts: domain.PublicContactsInput{PhoneNumbers: []string{"03-1234-5678"}}},
	})
	require.NoError(t, err)
	return a
}

func TestSocialAccountPages(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		a := saAccount(t, e, e.admin)
		b := e.signedIn()
		list := b.get("/social-accounts?platform=x")
		require.Equal(t, http.StatusOK, list.Status)
		require.Contains(t, list.Body, `<a href="/social-accounts/`+a.ID+`">clean_kumiai</a>`)
		require.Contains(t, list.Body, "<td>X</td>", "the platform's own name")
		require.Contains(t, list.Body, "運用中")
		require.NotContains(t, b.get("/social-accounts?platform=line").Body, "clean_kumiai")

		show := b.get("/social-accounts/" + a.ID)
		require.Equal(t, http.StatusOK, show.Status, show.Body)
		require.Contains(t, show.Body, "<h1>X clean_kumiai</h1>")
		require.Contains(t, show.Body, "お知らせ、収集日程")
		require.Contains(t, show.Body, "広報-SNS-001")
		require.Contains(t, show.Body, "vendorwatch 管理者")
		require.Contains(t, show.Body, `href="/reviews/new?subject_type=social_account&amp;subject_id=`+a.ID+`"`)
		require.Contains(t, show.Body, `action="/social-accounts/`+a.ID+`/responsible-person"`)
		require.Contains(t, show.Body, `href="/social-accounts/`+a.ID+`/post-check"`)
	})
}

func TestSocialHandOverAndStatus(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		a := saAccount(t, e, e.admin)
		next := e.person("後任 次郎", "next@example.lg.jp", "")
		b := e.signedIn()
		page := "/social-accounts/" + a.ID

		same := b.submit(page, page+"/responsible-person", url.Values{"version": {fmt.Sprint(a.Version)}, "person_id": {e.admin.ID}})
		require.Equal(t, http.StatusUnprocessableEntity, same.Status, same.Body)
		require.Contains(t, same.Body, `id="e-person_id"`)
		require.Contains(t, same.Body, `href="#f-person_id"`)

		done := b.submit(page, page+"/responsible-person", url.Values{"version": {fmt.Sprint(a.Version)}, "person_id": {next.ID}, "handover_reason": {"人事異動のため"}})
		require.Equal(t, http.StatusSeeOther, done.Status, done.Body)
		after, err := e.db.FindSocialAccount(e.asAdmin(), a.ID)
		require.NoError(t, err)
		require.Equal(t, next.ID, after.ResponsiblePersonID)
		require.Contains(t, b.get(done.Location).Body, "責任者を引き継ぎました。")
		events, err := e.db.ListAuditEvents(e.asAdmin(), domain.AuditFilter{EntityType: "social_account", EntityID: a.ID}, domain.PageRequest{Limit: 50})
		require.NoError(t, err)
		last := events.Items[len(events.Items)-1]
		require.NotNil(t, last.ActorID)
		require.Equal(t, e.admin.ID, *last.ActorID, "the audit trail names the person")

		stale := b.submit(page, page+"/responsible-person", url.Values{"version": {fmt.Sprint(a.Version)}, "person_id": {e.admin.ID}})
		require.Equal(t, http.StatusPreconditionFailed, stale.Status)

		noReason := b.submit(page, page+"/status", url.Values{"version": {fmt.Sprint(after.Version)}, "to": {"suspended"}})
		require.Equal(t, http.StatusUnprocessableEntity, noReason.Status)
		require.Contains(t, noReason.Body, `id="e-reason"`)
		suspended := b.submit(page, page+"/status", url.Values{"version": {fmt.Sprint(after.Version)}, "to": {"suspended"}, "reason": {"災害対応の訓練期間のため"}})
		require.Equal(t, http.StatusSeeOther, suspended.Status, suspended.Body)
		final, err := e.db.FindSocialAccount(e.asAdmin(), a.ID)
		require.NoError(t, err)
		require.Equal(t, domain.SocialSuspended, final.Status)
		require.Contains(t, b.get(page).Body, "休止中")
	})
}

func TestSocialPostCheckMarksFindings(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		a := saAccount(t, e, e.admin)
		b := e.signedIn()
		form := "/social-accounts/" + a.ID + "/post-check"
		p := b.get(form)
		require.Equal(t, http.StatusOK, p.Status)
		require.Contains(t, p.Body, `<label for="f-text">投稿する文章</label>`)

		draft := "<b>お知らせ</b>\r\nお問い合わせは 090-1234-5678 まで（代表 03-1234-5678）。未発表の計画です。"
		res := b.submit(form, form, url.Values{"category": {"お知らせ"}, "text": {draft}})
		require.Equal(t, http.StatusOK, res.Status, res.Body)
		require.Contains(t, res.Body, "指摘事項が2件あります。")
		require.Contains(t, res.Body, `<mark class="finding">090-1234-5678</mark>`, "the mark wraps exactly the number")
		require.Contains(t, res.Body, `<mark class="finding">未発表</mark>`)
		require.Equal(t, 2, strings.Count(res.Body, `<mark class="finding">`), "the public number is not marked")
		require.Contains(t, res.Body, "電話番号（090-1234-5678）が含まれています。")
		require.Contains(t, res.Body, `<li id="finding-1">`)
		require.Contains(t, res.Body, `<div class="post-draft">&lt;b&gt;お知らせ&lt;/b&gt;`, "HTML in the draft is text")
		require.NotContains(t, res.Body, "<b>お知らせ</b>")
		require.Contains(t, res.Body, "&lt;b&gt;お知らせ&lt;/b&gt;\r\nお問い合わせは", "the textarea keeps the draft")

		// Overlapping findings share one mark, with both notes.
		overlap := b.submit(form, form, url.Values{"category": {"お知らせ"}, "text": {"連絡先 info@kumiai.example.jp へ"}})
		require.Equal(t, http.StatusOK, overlap.Status)
		require.Contains(t, overlap.Body, `<mark class="finding">info@kumiai.example.jp</mark><span class="finding-note">［<a href="#finding-1">指摘1</a>：使用禁止の語句「kumiai」が含まれています。］［<a href="#finding-2">指摘2</a>：`)

		ok := b.submit(form, form, url.Values{"category": {"お知らせ"}, "text": {"12月1日(月)は燃えるごみの収集日です。"}})
		require.Equal(t, http.StatusOK, ok.Status)
		require.Contains(t, ok.Body, "指摘事項はありません。")
		require.NotContains(t, ok.Body, `<mark class="finding">`)

		empty := b.submit(form, form, url.Values{"category": {"お知らせ"}, "text": {""}})
		require.Equal(t, http.StatusUnprocessableEntity, empty.Status)
		require.Contains(t, empty.Body, `id="e-text"`)
	})
}

func TestSocialViewerAndCSRF(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		a := saAccount(t, e, e.admin)
		other := e.person("後任 次郎", "next@example.lg.jp", "")
		viewer := csSignIn(e, e.person("閲覧 者", "viewer@example.lg.jp", domain.RoleViewer))
		page := "/social-accounts/" + a.ID
		show := viewer.get(page)
		require.Equal(t, http.StatusOK, show.Status)
		require.NotContains(t, show.Body, `action="/social-accounts/`, "a viewer gets no form")
		require.NotContains(t, show.Body, "/post-check")
		require.Equal(t, http.StatusForbidden, viewer.get(page+"/post-check").Status)
		for _, action := range []string{page + "/responsible-person", page + "/status", page + "/post-check"} {
			p := viewer.submit(page, action, url.Values{"version": {"1"}, "person_id": {other.ID}, "to": {"retired"}, "reason": {"x"}, "text": {"x"}, "category": {"お知らせ"}})
			require.Equal(t, http.StatusForbidden, p.Status, action)
		}

		admin := e.signedIn()
		p := admin.post(page+"/responsible-person", url.Values{"version": {"1"}, "person_id": {other.ID}})
		require.Equal(t, http.StatusForbidden, p.Status)
		p = admin.post(page+"/status", url.Values{"version": {"1"}, "to": {"retired"}, "reason": {"x"}})
		require.Equal(t, http.StatusForbidden, p.Status)
		after, err := e.db.FindSocialAccount(e.asAdmin(), a.ID)
		require.NoError(t, err)
		require.Equal(t, a.Version, after.Version, "nothing is written")
		require.Equal(t, e.admin.ID, after.ResponsiblePersonID)
		require.Equal(t, domain.SocialActive, after.Status)
	})
}
