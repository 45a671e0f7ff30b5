package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// osrcPeople are the people of the outsourcing page tests: a viewer, an
// editor holding the manager security role (who records and asks), and a
// second manager who approves.
type osrcPeople struct {
	viewer, editor, approver *domain.Person
}

func osrcCast(e *env) osrcPeople {
	return osrcPeople{
		viewer:   e.person("閲覧 花子", "viewer@example.lg.jp", domain.RoleViewer),
		editor:   e.person("編集 太郎", "editor@example.lg.jp", domain.RoleEditor, domain.SecurityRoleManager),
		approver: e.person("承認 課長", "approver@example.lg.jp", domain.RoleEditor, domain.SecurityRoleManager),
	}
}

// osrcAs is a context acting as p with role.
func osrcAs(p *domain.Person, role domain.Role) context.Context {
	return domain.WithActor(context.Background(), domain.Actor{PersonID: p.ID, Role: role, Name: p.Name})
}

// osrcBrowser is a browser signed in as p.
func osrcBrowser(e *env, p *domain.Person) *browser {
	b := e.browser()
	b.signIn(p.Email)
	return b
}

// osrcCandidate registers a candidate vendor whose selection the editor
// recorded, every criterion met.
func osrcCandidate(t *testing.T, e *env, cast osrcPeople, in domain.VendorInput) *domain.Vendor {
	t.Helper()
	ctx := osrcAs(cast.editor, domain.RoleEditor)
	if in.OwnerID == "" {
		in.OwnerID = cast.editor.ID
	}
	v, err := e.db.CreateVendor(ctx, in)
	require.NoError(t, err)
	criteria, err := e.db.ListCatalogueItems(ctx, domain.CatalogueSelectionCriteria, false)
	require.NoError(t, err)
	rec := domain.SelectionRecord{SelectedBy: cast.editor.ID, SelectedOn: domain.NewDate(2026, 10, 15)}
	for _, c := range criteria {
		rec.Results = append(rec.Results, domain.SelectionResult{Criterion: c.Code, Result: domain.SelectionMet, Note: "確認済み"})
	}
	v, err = e.db.RecordSelection(ctx, v.ID, nil, rec)
	require.NoError(t, err)
	return v
}

// osrcApproved registers a vendor and has the approver approve it.
func osrcApproved(t *testing.T, e *env, cast osrcPeople, in domain.VendorInput) *domain.Vendor {
	t.Helper()
	v := osrcCandidate(t, e, cast, in)
	v, err := e.db.ChangeVendorStatus(osrcAs(cast.approver, domain.RoleEditor), v.ID, nil, domain.VendorApproved, "")
	require.NoError(t, err)
	return v
}

// osrcDraft registers a draft contract with the vendor, owned by the editor.
func osrcDraft(t *testing.T, e *env, cast osrcPeople, vendorID, title string, assets ...domain.InformationAsset) *domain.Contract {
	t.Helper()
	c, err := e.db.CreateContract(osrcAs(cast.editor, domain.RoleEditor), domain.ContractInput{VendorID: vendorID, Title: title,
		StartDate: domain.NewDate(2026, 11, 1), EndDate: domain.NewDate(2027, 10, 31), NoticePeriodDays: 30,
		OwnerID: cast.editor.ID, InformationAssets: assets})
	require.NoError(t, err)
	return c
}

// osrcIncludeAll includes every mandatory clause but those in except.
func osrcIncludeAll(t *testing.T, e *env, contractID string, except ...string) {
	t.Helper()
	ctx := e.asAdmin()
	clauses, err := e.db.ListCatalogueItems(ctx, domain.CatalogueClauses, false)
	require.NoError(t, err)
next:
	for i, cl := range clauses {
		for _, x := range except {
			if x == cl.Code {
				continue next
			}
		}
		if cl.Mandatory {
			_, err := e.db.SetContractClause(ctx, contractID, cl.Code, domain.ClauseCoverageInput{Status: domain.ClauseIncluded, ArticleRef: "第" + strconv.Itoa(10+i) + "条"})
			require.NoError(t, err)
		}
	}
}

// osrcActive registers a contract, includes every mandatory clause and activates it.
func osrcActive(t *testing.T, e *env, cast osrcPeople, vendorID, title string, assets ...domain.InformationAsset) *domain.Contract {
	t.Helper()
	c := osrcDraft(t, e, cast, vendorID, title, assets...)
	osrcIncludeAll(t, e, c.ID)
	c, err := e.db.ActivateContract(e.asAdmin(), c.ID, nil)
	require.NoError(t, err)
	return c
}

func osrcAsset(conf domain.Confidentiality) domain.InformationAsset {
	return domain.InformationAsset{Name: "住民情報", Classification: domain.Classification{Confidentiality: conf, Integrity: 1, Availability: 1}}
}

// osrcNoPostForms asserts a page offers no form that changes anything.
func osrcNoPostForms(t *testing.T, p page) {
	t.Helper()
	require.NotContains(t, p.Body, `method="post" action="/vendors`)
	require.NotContains(t, p.Body, `method="post" action="/contracts`)
}

func TestVendorPagesForAViewer(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		cast := osrcCast(e)
		today := domain.DateOf(e.db.Now(), e.db.Location())
		a := osrcApproved(t, e, cast, domain.VendorInput{Name: "株式会社クリーン環境サービス", CorporateNumber: "7000012050002",
			Certifications: []domain.Certification{
				{Kind: domain.CertISO27001, Number: "IS 1", ValidUntil: today.AddDays(-1)},
				{Kind: domain.CertPrivacyMark, Number: "PM 2", ValidUntil: today.AddDays(10)},
				{Kind: domain.CertISMAP, Number: "IS 3", ValidUntil: today.AddDays(400)},
			}})
		c := osrcActive(t, e, cast, a.ID, "粗大ごみ受付システム運用保守業務委託", osrcAsset(domain.Confidentiality2))
		b := osrcCandidate(t, e, cast, domain.VendorInput{Name: "候補システム株式会社"})

		viewer := osrcBrowser(e, cast.viewer)
		list := viewer.get("/vendors")
		require.Equal(t, http.StatusOK, list.Status, list.Body)
		require.Contains(t, list.Body, `<a href="/vendors/`+a.ID+`">株式会社クリーン環境サービス</a>`)
		require.Contains(t, list.Body, "7000012050002")
		require.Contains(t, list.Body, "<th scope=\"col\">法人番号</th>")
		require.Contains(t, list.Body, "候補システム株式会社")
		require.Contains(t, list.Body, "編集 太郎", "the owner")
		require.Contains(t, list.Body, `<span class="badge badge--medium">中</span>`)

		only := viewer.get("/vendors?status=candidate")
		require.Equal(t, http.StatusOK, only.Status)
		require.Contains(t, only.Body, b.ID)
		require.NotContains(t, only.Body, a.ID)
		tier := viewer.get("/vendors?risk_tier=medium&q=" + url.QueryEscape("クリーン"))
		require.Contains(t, tier.Body, a.ID)
		require.NotContains(t, tier.Body, b.ID)

		paged := viewer.get("/vendors?limit=1")
		require.Contains(t, paged.Body, `rel="next"`, "a page of one has a next page")

		p := viewer.get("/vendors/" + a.ID)
		require.Equal(t, http.StatusOK, p.Status, p.Body)
		require.Contains(t, p.Body, "<h1>株式会社クリーン環境サービス</h1>")
		require.Contains(t, p.Body, "承認済み")
		require.Contains(t, p.Body, "期限切れ")
		require.Contains(t, p.Body, "まもなく期限切れ")
		require.Contains(t, p.Body, "プライバシーマーク")
		require.Contains(t, p.Body, "機密性2の情報")
		require.Contains(t, p.Body, `<a href="/contracts/`+c.ID+`">粗大ごみ受付システム運用保守業務委託</a>`)
		require.Contains(t, p.Body, "承認 課長", "who approved")
		require.Contains(t, p.Body, "選定した人")
		require.Contains(t, p.Body, "2026年10月15日", "when selected")
		require.Contains(t, p.Body, "提供する情報の目的外利用の防止", "criteria by their titles")
		osrcNoPostForms(t, p)

		// A viewer's post is refused and writes nothing.
		form := viewer.submit("/vendors/"+b.ID, "/vendors/"+b.ID+"/approve", url.Values{})
		require.Equal(t, http.StatusForbidden, form.Status)
		got, err := e.db.FindVendor(e.asAdmin(), b.ID)
		require.NoError(t, err)
		require.Equal(t, domain.VendorCandidate, got.Status)

		require.Equal(t, http.StatusNotFound, viewer.get("/vendors/01900000-0000-7000-8000-000000000000").Status)
	})
}

func TestVendorAndContractPagesInEnglish(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		cast := osrcCast(e)
		v := osrcApproved(t, e, cast, domain.VendorInput{Name: "Example KK"})
		c := osrcDraft(t, e, cast, v.ID, "Helpdesk")
		p, err := e.db.FindPerson(e.asAdmin(), cast.viewer.ID)
		require.NoError(t, err)
		in := domain.PersonInput{Name: p.Name, Email: p.Email, DepartmentID: p.DepartmentID, Locale: domain.LocaleEn}
		_, err = e.db.ReplacePerson(e.asAdmin(), p.ID, nil, in)
		require.NoError(t, err)
		page := osrcBrowser(e, cast.viewer).get("/vendors/" + v.ID)
		require.Equal(t, http.StatusOK, page.Status, page.Body)
		require.Contains(t, page.Body, `<html lang="en">`)
		require.Contains(t, page.Body, "Approved")
		require.Contains(t, page.Body, "Prevention of use of our information beyond the purpose")
		cp := osrcBrowser(e, cast.viewer).get("/contracts/" + c.ID)
		require.Equal(t, http.StatusOK, cp.Status, cp.Body)
		require.Contains(t, cp.Body, "Security clause coverage")
		require.Contains(t, cp.Body, "<th scope=\"row\" id=\"f-clauses.confidentiality\">Confidentiality")
		require.NotContains(t, cp.Body, "業務上知り得た情報の守秘義務", "titles in the person's language")
	})
}

func TestVendorApprovalNeedsASecondPerson(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		cast := osrcCast(e)
		v := osrcCandidate(t, e, cast, domain.VendorInput{Name: "候補システム株式会社"})
		path := "/vendors/" + v.ID

		editor := osrcBrowser(e, cast.editor)
		p := editor.get(path)
		require.Contains(t, p.Body, `action="/vendors/`+v.ID+`/approve"`)

		require.Equal(t, http.StatusForbidden, editor.post(path+"/approve", url.Values{}).Status, "no CSRF token")

		own := editor.submit(path, path+"/approve", url.Values{"version": {strconv.Itoa(v.Version)}})
		require.Equal(t, http.StatusForbidden, own.Status, own.Body)
		require.Contains(t, own.Body, "編集 太郎さんは選定を記録した本人のため、この委託事業者を承認することはできません。", "the store's refusal, in Japanese")
		require.Contains(t, own.Body, `id="error-summary"`)
		got, err := e.db.FindVendor(e.asAdmin(), v.ID)
		require.NoError(t, err)
		require.Equal(t, domain.VendorCandidate, got.Status)

		ok := osrcBrowser(e, cast.approver).submit(path, path+"/approve", url.Values{"version": {strconv.Itoa(v.Version)}})
		require.Equal(t, http.StatusSeeOther, ok.Status, ok.Body)
		require.Equal(t, path+"?done=vendors_approved", ok.Location)
		got, err = e.db.FindVendor(e.asAdmin(), v.ID)
		require.NoError(t, err)
		require.Equal(t, domain.VendorApproved, got.Status)
		require.Equal(t, cast.approver.ID, got.ApprovedBy)
		events, err := e.db.ListAuditEvents(e.asAdmin(), domain.AuditFilter{EntityID: v.ID}, domain.PageRequest{Limit: 50})
		require.NoError(t, err)
		last := events.Items[len(events.Items)-1]
		require.Equal(t, "approve", last.Action)
		require.Equal(t, cast.approver.ID, *last.ActorID)

		shown := editor.get(ok.Location)
		require.Contains(t, shown.Body, "事業者を承認しました。")
		require.NotContains(t, shown.Body, `action="/vendors/`+v.ID+`/approve"`, "approved: nothing to approve")
	})
}

func TestVendorSuspendAndReinstate(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		cast := osrcCast(e)
		v := osrcApproved(t, e, cast, domain.VendorInput{Name: "株式会社クリーン環境サービス"})
		path := "/vendors/" + v.ID
		editor := osrcBrowser(e, cast.editor)

		bad := editor.submit(path, path+"/status", url.Values{"to": {"suspended"}, "version": {strconv.Itoa(v.Version)}})
		require.Equal(t, http.StatusUnprocessableEntity, bad.Status, bad.Body)
		require.Contains(t, bad.Body, `id="e-reason"`)
		require.Contains(t, bad.Body, `href="#f-reason"`, "in the summary")
		require.Contains(t, bad.Body, `aria-invalid="true"`)

		ok := editor.submit(path, path+"/status", url.Values{"to": {"suspended"}, "reason": {"情報漏えいの疑いがあるため"}, "version": {strconv.Itoa(v.Version)}})
		require.Equal(t, http.StatusSeeOther, ok.Status, ok.Body)
		got, err := e.db.FindVendor(e.asAdmin(), v.ID)
		require.NoError(t, err)
		require.Equal(t, domain.VendorSuspended, got.Status)
		require.Equal(t, "情報漏えいの疑いがあるため", got.StatusReason)

		stale := editor.submit(path, path+"/status", url.Values{"to": {"terminated"}, "reason": {"x"}, "version": {strconv.Itoa(v.Version)}})
		require.Equal(t, http.StatusPreconditionFailed, stale.Status, "an old version is refused, not lost")

		p := editor.get(path)
		require.Contains(t, p.Body, "一時停止を解除して再開する")
		back := osrcBrowser(e, cast.approver).submit(path, path+"/status", url.Values{"to": {"approved"}, "reason": {"調査の結果、漏えいはなかった"}, "version": {strconv.Itoa(got.Version)}})
		require.Equal(t, http.StatusSeeOther, back.Status, back.Body)
		got, err = e.db.FindVendor(e.asAdmin(), v.ID)
		require.NoError(t, err)
		require.Equal(t, domain.VendorApproved, got.Status)
		require.True(t, strings.Contains(got.StatusReason, "漏えいはなかった"))
	})
}
