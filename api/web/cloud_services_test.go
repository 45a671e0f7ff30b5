package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// csRequestForm is a valid request form for the responsible person, with
// every item of the seeded terms checklist answered.
func csRequestForm(t *testing.T, e *env, responsible *domain.Person) url.Values {
	t.Helper()
	items, err := e.db.ListCatalogueItems(e.asAdmin(), domain.CatalogueTermsChecks, false)
	require.NoError(t, err)
	require.NotEmpty(t, items)
	f := url.Values{
		"name": {"ファイル転送サービス"}, "provider": {"Example Cloud株式会社"},
		"permitted_uses[0]": {"公開資料の外部への送付"}, "service_url": {"https://transfer.example.com"},
		"terms_url": {"https://transfer.example.com/terms"}, "terms_version": {"2026-04-01版"},
		"terms_reviewed_at":                                    {"2026-11-10"},
		"information_assets[0].name":                           {"公開済みの収集日程表"},
		"information_assets[0].classification.confidentiality": {"1"},
		"information_assets[0].classification.integrity":       {"1"},
		"information_assets[0].classification.availability":    {"1"},
		"responsible_person_id":                                {responsible.ID}, "department_id": {responsible.DepartmentID},
	}
	for i, it := range items {
		f.Set(fmt.Sprintf("terms_checks[%d].code", i), it.Code)
		f.Set(fmt.Sprintf("terms_checks[%d].answer", i), "ok")
		f.Set(fmt.Sprintf("terms_checks[%d].note", i), "約款で確認済み")
	}
	return f
}

func csServices(t *testing.T, e *env) []*domain.CloudService {
	t.Helper()
	page, err := e.db.ListCloudServices(e.asAdmin(), domain.CloudServiceFilter{}, domain.PageRequest{Limit: 50})
	require.NoError(t, err)
	return page.Items
}

// csSignIn signs a new browser in as p.
func csSignIn(e *env, p *domain.Person) *browser {
	b := e.browser()
	b.signIn(p.Email)
	return b
}

func TestCloudRequestFormExplainsTheCeiling(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		b := e.signedIn()
		p := b.get("/cloud-services/new")
		require.Equal(t, http.StatusOK, p.Status, p.Body)
		require.Contains(t, p.Body, "<h1>約款による外部サービスの利用申請</h1>")
		require.Contains(t, p.Body, "機密性2以上の情報を取り扱うことはできません")
		require.Contains(t, p.Body, `<label for="f-information_assets[0].classification.confidentiality">`)
		require.Contains(t, p.Body, `aria-describedby="h-ceiling"`, "the select is described by the ceiling")
		require.Contains(t, p.Body, "機密性2（取扱い不可）")
		items, err := e.db.ListCatalogueItems(e.asAdmin(), domain.CatalogueTermsChecks, false)
		require.NoError(t, err)
		for i, it := range items {
			require.Contains(t, p.Body, "<legend>"+html.EscapeString(it.TitleJa)+"</legend>")
			require.Contains(t, p.Body, fmt.Sprintf(`<label for="f-terms_checks[%d].answer">問題なし</label>`, i))
		}

		list := b.get("/cloud-services")
		require.Equal(t, http.StatusOK, list.Status)
		require.Contains(t, list.Body, `href="/cloud-services/new"`)
		require.Contains(t, list.Body, "該当するものはありません。")
	})
}

func TestCloudRequestRefusesConfidentialityTwo(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		b := e.signedIn()
		f := csRequestForm(t, e, e.admin)
		f.Set("information_assets[0].classification.confidentiality", "2")
		f.Set("information_assets[0].name", "粗大ごみ申込者の氏名と住所")
		p := b.submit("/cloud-services/new", "/cloud-services", f)
		require.Equal(t, http.StatusUnprocessableEntity, p.Status, p.Body)
		field := "information_assets[0].classification.confidentiality"
		require.Contains(t, p.Body, `id="e-`+field+`"`, "the refusal is next to the field")
		require.Contains(t, p.Body, `href="#f-information_assets%5b0%5d.classification.confidentiality"`, "and in the summary (a browser decodes the fragment)")
		require.Contains(t, p.Body, `aria-describedby="h-ceiling e-`+field+`" aria-invalid="true"`)
		require.Contains(t, p.Body, "「粗大ごみ申込者の氏名と住所」は機密性2です。")
		require.Contains(t, p.Body, `value="粗大ごみ申込者の氏名と住所"`, "what was typed is kept")
		require.Empty(t, csServices(t, e), "nothing is written")
	})
}

func TestCloudRequestAndApproval(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		requester := e.person("申請 花子", "requester@example.lg.jp", domain.RoleEditor, domain.SecurityRoleSupervisor)
		b := csSignIn(e, requester)
		p := b.submit("/cloud-services/new", "/cloud-services", csRequestForm(t, e, requester))
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		items := csServices(t, e)
		require.Len(t, items, 1)
		c := items[0]
		require.Equal(t, "/cloud-services/"+c.ID+"?done=cloud_requested", p.Location)
		require.Equal(t, domain.CloudRequested, c.Status)
		require.Equal(t, requester.ID, c.RequesterID)
		require.NotEmpty(t, c.TermsChecks)

		show := b.get(p.Location)
		require.Equal(t, http.StatusOK, show.Status)
		require.Contains(t, show.Body, "利用申請を登録しました。")
		require.Contains(t, show.Body, "申請中")
		require.Contains(t, show.Body, `href="/reviews/new?subject_type=cloud_service&amp;subject_id=`+c.ID+`"`)
		require.Contains(t, show.Body, "定期見直しを記録する")

		// The requester holds the supervisor role, but asked for it.
		own := b.submit("/cloud-services/"+c.ID, "/cloud-services/"+c.ID+"/approve", url.Values{"version": {fmt.Sprint(c.Version)}})
		require.Equal(t, http.StatusForbidden, own.Status, own.Body)
		require.Contains(t, own.Body, "職務の分離")
		require.Contains(t, own.Body, `id="error-summary"`)
		after, err := e.db.FindCloudService(e.asAdmin(), c.ID)
		require.NoError(t, err)
		require.Equal(t, domain.CloudRequested, after.Status)

		// An editor without the security role is refused too.
		plain := csSignIn(e, e.person("一般 職員", "plain@example.lg.jp", domain.RoleEditor))
		refused := plain.submit("/cloud-services/"+c.ID, "/cloud-services/"+c.ID+"/approve", url.Values{"version": {fmt.Sprint(c.Version)}})
		require.Equal(t, http.StatusForbidden, refused.Status)
		require.Contains(t, refused.Body, "統括情報セキュリティ責任者又は最高情報セキュリティ責任者の役割を持つ職員です。")

		supervisor := e.person("統括 太郎", "supervisor@example.lg.jp", domain.RoleEditor, domain.SecurityRoleSupervisor)
		other := csSignIn(e, supervisor)
		ok := other.submit("/cloud-services/"+c.ID, "/cloud-services/"+c.ID+"/approve", url.Values{"version": {fmt.Sprint(c.Version)}})
		require.Equal(t, http.StatusSeeOther, ok.Status, ok.Body)
		approved, err := e.db.FindCloudService(e.asAdmin(), c.ID)
		require.NoError(t, err)
		require.Equal(t, domain.CloudApproved, approved.Status)
		require.Equal(t, supervisor.ID, approved.ApproverID)
		page := other.get(ok.Location)
		require.Contains(t, page.Body, "承認済み")
		require.Contains(t, page.Body, "統括 太郎")
		require.NotContains(t, page.Body, `action="/cloud-services/`+c.ID+`/approve"`, "an approved service has no approval form")
		require.Contains(t, page.Body, `action="/cloud-services/`+c.ID+`/retire"`)

		events, err := e.db.ListAuditEvents(e.asAdmin(), domain.AuditFilter{EntityType: "cloud_service", EntityID: c.ID}, domain.PageRequest{Limit: 50})
		require.NoError(t, err)
		var approvals []string
		for _, ev := range events.Items {
			if ev.Action == "approve" {
				if ev.ActorID != nil {
					approvals = append(approvals, *ev.ActorID)
				}
			}
		}
		require.Equal(t, []string{supervisor.ID}, approvals, "the audit trail names the approver")
	})
}

func TestCloudChecklistAnswersAndRejection(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		b := e.signedIn()
		f := csRequestForm(t, e, e.admin)
		for k := range f {
			if strings.HasPrefix(k, "terms_checks[") {
				f.Del(k)
			}
		}
		p := b.submit("/cloud-services/new", "/cloud-services", f)
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		c := csServices(t, e)[0]
		require.Empty(t, c.TermsChecks, "unanswered items are not sent")

		// Answer the second item only, with a note over the limit: the
		// error is next to the second row, not the first.
		answer := url.Values{"version": {fmt.Sprint(c.Version)}, "terms_checks[1].answer": {"concern"},
			"terms_checks[1].note": {strings.Repeat("長", 2001)}}
		bad := b.submit("/cloud-services/"+c.ID, "/cloud-services/"+c.ID+"/terms-checks", answer)
		require.Equal(t, http.StatusUnprocessableEntity, bad.Status, bad.Body)
		require.Contains(t, bad.Body, `id="e-terms_checks[1].note"`)
		answer.Set("terms_checks[1].note", "バックアップは自前で取得するため許容")
		good := b.submit("/cloud-services/"+c.ID, "/cloud-services/"+c.ID+"/terms-checks", answer)
		require.Equal(t, http.StatusSeeOther, good.Status, good.Body)
		after, err := e.db.FindCloudService(e.asAdmin(), c.ID)
		require.NoError(t, err)
		require.Len(t, after.TermsChecks, 1)
		require.Equal(t, domain.TermsConcern, after.TermsChecks[0].Answer)
		require.Equal(t, "2026-04-01版", after.TermsChecks[0].TermsVersion)
		show := b.get("/cloud-services/" + c.ID)
		require.Contains(t, show.Body, `value="concern" checked`)

		stale := b.submit("/cloud-services/"+c.ID, "/cloud-services/"+c.ID+"/terms-checks", answer)
		require.Equal(t, http.StatusPreconditionFailed, stale.Status, "the form's version is stale")

		noReason := b.submit("/cloud-services/"+c.ID, "/cloud-services/"+c.ID+"/reject", url.Values{"version": {fmt.Sprint(after.Version)}})
		require.Equal(t, http.StatusUnprocessableEntity, noReason.Status)
		require.Contains(t, noReason.Body, `id="e-reason"`)
		rejected := b.submit("/cloud-services/"+c.ID, "/cloud-services/"+c.ID+"/reject", url.Values{"version": {fmt.Sprint(after.Version)}, "reason": {"契約で委託するため"}})
		require.Equal(t, http.StatusSeeOther, rejected.Status, rejected.Body)
		final, err := e.db.FindCloudService(e.asAdmin(), c.ID)
		require.NoError(t, err)
		require.Equal(t, domain.CloudRejected, final.Status)
		require.Equal(t, "契約で委託するため", final.StatusReason)
	})
}

func TestCloudViewerAndCSRF(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c, err := e.db.CreateCloudService(e.asAdmin(), domain.CloudServiceInput{Name: "議事録共有", Provider: "Example",
			TermsURL: "https://example.com/terms", TermsVersion: "1", ResponsiblePersonID: e.admin.ID, DepartmentID: e.admin.DepartmentID,
			InformationAssets: []domain.InformationAsset{{Name: "公開資料", Classification: domain.Classification{Confidentiality: domain.Confidentiality1, Integrity: 1, Availability: 1}}}})
		require.NoError(t, err)

		viewer := csSignIn(e, e.person("閲覧 者", "viewer@example.lg.jp", domain.RoleViewer))
		list := viewer.get("/cloud-services")
		require.Equal(t, http.StatusOK, list.Status)
		require.Contains(t, list.Body, "議事録共有")
		require.NotContains(t, list.Body, `href="/cloud-services/new"`)
		show := viewer.get("/cloud-services/" + c.ID)
		require.Equal(t, http.StatusOK, show.Status)
		require.NotContains(t, show.Body, `action="/cloud-services/`, "a viewer gets no form")
		require.NotContains(t, show.Body, "定期見直しを記録する")
		require.Equal(t, http.StatusForbidden, viewer.get("/cloud-services/new").Status)
		for _, action := range []string{"/cloud-services", "/cloud-services/" + c.ID + "/approve", "/cloud-services/" + c.ID + "/reject", "/cloud-services/" + c.ID + "/terms-checks"} {
			p := viewer.submit("/cloud-services/"+c.ID, action, url.Values{"version": {"1"}, "reason": {"x"}, "name": {"x"}})
			require.Equal(t, http.StatusForbidden, p.Status, action)
		}
		require.Len(t, csServices(t, e), 1)

		admin := e.signedIn()
		noToken := admin.post("/cloud-services/"+c.ID+"/reject", url.Values{"version": {"1"}, "reason": {"不要"}})
		require.Equal(t, http.StatusForbidden, noToken.Status)
		noToken = admin.post("/cloud-services", csRequestForm(t, e, e.admin))
		require.Equal(t, http.StatusForbidden, noToken.Status)
		after, err := e.db.FindCloudService(e.asAdmin(), c.ID)
		require.NoError(t, err)
		require.Equal(t, domain.CloudRequested, after.Status)
		require.Equal(t, 1, after.Version)
		require.Len(t, csServices(t, e), 1, "nothing is written")

		require.Equal(t, http.StatusNotFound, admin.get("/cloud-services/01900000-0000-7000-8000-000000000000").Status)
	})
}
