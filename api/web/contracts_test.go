package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// osrcCoverage returns a clause's coverage on a contract.
func osrcCoverage(t *testing.T, e *env, contractID, code string) domain.ClauseCoverage {
	t.Helper()
	items, err := e.db.ContractClauses(e.asAdmin(), contractID)
	require.NoError(t, err)
	for _, c := range items {
		if c.Code == code {
			return c
		}
	}
	t.Fatalf("no clause %s", code)
	return domain.ClauseCoverage{}
}

func TestContractPagesForAViewer(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		cast := osrcCast(e)
		v := osrcApproved(t, e, cast, domain.VendorInput{Name: "株式会社クリーン環境サービス"})
		active := osrcActive(t, e, cast, v.ID, "粗大ごみ受付システム運用保守業務委託", osrcAsset(domain.Confidentiality2))
		draft := osrcDraft(t, e, cast, v.ID, "窓口予約システム構築業務委託")
		other := osrcApproved(t, e, cast, domain.VendorInput{Name: "別会社株式会社"})
		osrcDraft(t, e, cast, other.ID, "別契約")

		viewer := osrcBrowser(e, cast.viewer)
		list := viewer.get("/contracts")
		require.Equal(t, http.StatusOK, list.Status, list.Body)
		require.Contains(t, list.Body, `<a href="/contracts/`+active.ID+`">粗大ごみ受付システム運用保守業務委託</a>`)
		require.Contains(t, list.Body, `<a href="/vendors/`+v.ID+`">株式会社クリーン環境サービス</a>`)
		require.Contains(t, list.Body, "2026年度")
		require.Contains(t, list.Body, "実施中")

		for _, tc := range []struct {
			query    string
			want     []string
			wantNone []string
		}{
			{"status=draft", []string{draft.ID}, []string{active.ID}},
			{"vendor_id=" + other.ID, []string{"別契約"}, []string{active.ID, draft.ID}},
			{"missing_clause=confidentiality", []string{draft.ID}, []string{active.ID}},
			{"fiscal_year=2026&q=" + url.QueryEscape("窓口"), []string{draft.ID}, []string{active.ID}},
			{"fiscal_year=2025", nil, []string{active.ID, draft.ID}},
		} {
			p := viewer.get("/contracts?" + tc.query)
			require.Equal(t, http.StatusOK, p.Status, tc.query)
			for _, s := range tc.want {
				require.Contains(t, p.Body, s, tc.query)
			}
			for _, s := range tc.wantNone {
				require.NotContains(t, p.Body, `href="/contracts/`+s+`"`, tc.query)
			}
		}
		paged := viewer.get("/contracts?limit=1")
		require.Contains(t, paged.Body, `rel="next"`)

		p := viewer.get("/contracts/" + active.ID)
		require.Equal(t, http.StatusOK, p.Status, p.Body)
		require.Contains(t, p.Body, "<h1>粗大ごみ受付システム運用保守業務委託</h1>")
		require.Contains(t, p.Body, "2026年11月1日", "start")
		require.Contains(t, p.Body, "2027年10月31日", "end")
		require.Contains(t, p.Body, "2027年10月1日", "notice deadline: 30 days before the end")
		require.Contains(t, p.Body, `<a href="/vendors/`+v.ID+`">株式会社クリーン環境サービス</a>`)
		require.Contains(t, p.Body, "業務上知り得た情報の守秘義務", "catalogue titles")
		require.Contains(t, p.Body, "記載あり")
		require.Contains(t, p.Body, "次回の遵守状況確認の期限")
		require.NotContains(t, p.Body, "更新の見直しを記録する", "a viewer records nothing")
		osrcNoPostForms(t, p)

		// Posts from a viewer, or without the CSRF token, change nothing.
		form := url.Values{"code": {"confidentiality"}, "status": {"included"}, "article_ref": {"第9条"}}
		refused := viewer.submit("/contracts/"+draft.ID, "/contracts/"+draft.ID+"/clauses", form)
		require.Equal(t, http.StatusForbidden, refused.Status)
		require.Equal(t, domain.ClauseMissing, osrcCoverage(t, e, draft.ID, "confidentiality").Status)
		require.Equal(t, http.StatusForbidden, viewer.submit("/contracts/"+draft.ID, "/contracts/"+draft.ID+"/activate", url.Values{}).Status)

		editor := osrcBrowser(e, cast.editor)
		require.Equal(t, http.StatusForbidden, editor.post("/contracts/"+draft.ID+"/clauses", form).Status, "no CSRF token")
		require.Equal(t, domain.ClauseMissing, osrcCoverage(t, e, draft.ID, "confidentiality").Status)

		ep := editor.get("/contracts/" + draft.ID)
		require.Contains(t, ep.Body, `href="/reviews/new?subject_type=contract&amp;subject_id=`+draft.ID+`">更新の見直しを記録する</a>`)
		require.Contains(t, ep.Body, `action="/contracts/`+draft.ID+`/activate"`)
	})
}

func TestContractClausesWaiverAndActivation(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		cast := osrcCast(e)
		v := osrcApproved(t, e, cast, domain.VendorInput{Name: "株式会社クリーン環境サービス"})
		c := osrcDraft(t, e, cast, v.ID, "窓口予約システム構築業務委託")
		path := "/contracts/" + c.ID
		editor := osrcBrowser(e, cast.editor)

		// Setting a clause: covered needs its article.
		bad := editor.submit(path, path+"/clauses", url.Values{"code": {"confidentiality"}, "status": {"included"}})
		require.Equal(t, http.StatusUnprocessableEntity, bad.Status, bad.Body)
		require.Contains(t, bad.Body, `id="e-article_ref"`)
		require.Contains(t, bad.Body, `href="#f-article_ref"`)
		ok := editor.submit(path, path+"/clauses", url.Values{"code": {"confidentiality"}, "status": {"included"}, "article_ref": {"第12条"}})
		require.Equal(t, http.StatusSeeOther, ok.Status, ok.Body)
		require.Equal(t, path+"?done=contracts_clause_set", ok.Location)
		cov := osrcCoverage(t, e, c.ID, "confidentiality")
		require.Equal(t, domain.ClauseIncluded, cov.Status)
		require.Equal(t, "第12条", cov.ArticleRef)
		require.Contains(t, editor.get(ok.Location).Body, "第12条")

		// Activation refused: the missing clauses are listed by title.
		osrcIncludeAll(t, e, c.ID, "breach_remedies", "staff_training")
		c, err := e.db.FindContract(e.asAdmin(), c.ID)
		require.NoError(t, err)
		refused := editor.submit(path, path+"/activate", url.Values{"version": {strconv.Itoa(c.Version)}})
		require.Equal(t, http.StatusUnprocessableEntity, refused.Status, refused.Body)
		require.Contains(t, refused.Body, "次の必須条項（2件）が満たされていないため、契約を実施にできません。")
		require.Contains(t, refused.Body, "「情報セキュリティポリシーが遵守されなかった場合の規定（損害賠償等）」が未記載です。")
		require.Contains(t, refused.Body, "「従業員に対する教育の実施」が未記載です。")
		require.Contains(t, refused.Body, `id="e-clauses.staff_training"`)
		require.Contains(t, refused.Body, `href="#f-clauses.staff_training"`)
		require.Contains(t, refused.Body, `id="f-clauses.staff_training"`)
		got, err := e.db.FindContract(e.asAdmin(), c.ID)
		require.NoError(t, err)
		require.Equal(t, domain.ContractDraft, got.Status)

		// A waiver is asked for; the one who asked cannot approve it.
		noReason := editor.submit(path, path+"/waivers", url.Values{"waiver_code": {"staff_training"}})
		require.Equal(t, http.StatusUnprocessableEntity, noReason.Status)
		require.Contains(t, noReason.Body, `id="e-waiver_reason"`)
		asked := editor.submit(path, path+"/waivers", url.Values{"waiver_code": {"staff_training"}, "waiver_reason": {"作業者が委託先に常駐せず、教育は当組合が実施するため"}})
		require.Equal(t, http.StatusSeeOther, asked.Status, asked.Body)
		cov = osrcCoverage(t, e, c.ID, "staff_training")
		require.Equal(t, domain.ClauseWaived, cov.Status)
		require.NotNil(t, cov.Waiver)
		require.True(t, cov.Waiver.Pending)
		require.Equal(t, cast.editor.ID, cov.Waiver.RequestedBy)

		shown := editor.get(path)
		require.Contains(t, shown.Body, "適用除外の承認待ち")
		require.Contains(t, shown.Body, "編集 太郎（", "who asked, and when")
		approveAction := path + "/clauses/staff_training/approve-waiver"
		require.Contains(t, shown.Body, `action="`+approveAction+`"`, "the editor holds a security role")

		c, err = e.db.FindContract(e.asAdmin(), c.ID)
		require.NoError(t, err)
		pending := editor.submit(path, path+"/activate", url.Values{"version": {strconv.Itoa(c.Version)}})
		require.Equal(t, http.StatusUnprocessableEntity, pending.Status)
		require.Contains(t, pending.Body, "「従業員に対する教育の実施」の適用除外が承認待ちです。")

		own := editor.submit(path, approveAction, url.Values{})
		require.Equal(t, http.StatusForbidden, own.Status, own.Body)
		require.Contains(t, own.Body, "編集 太郎さんはこの適用除外を申請した本人のため、承認することはできません。", "the store's refusal, in Japanese")
		require.True(t, osrcCoverage(t, e, c.ID, "staff_training").Waiver.Pending)

		require.Equal(t, http.StatusForbidden, osrcBrowser(e, cast.viewer).submit(path, approveAction, url.Values{}).Status)

		approver := osrcBrowser(e, cast.approver)
		done := approver.submit(path, approveAction, url.Values{})
		require.Equal(t, http.StatusSeeOther, done.Status, done.Body)
		cov = osrcCoverage(t, e, c.ID, "staff_training")
		require.False(t, cov.Waiver.Pending)
		require.Equal(t, cast.approver.ID, cov.Waiver.ApprovedBy)
		events, err := e.db.ListAuditEvents(e.asAdmin(), domain.AuditFilter{EntityID: c.ID, ActorID: cast.approver.ID}, domain.PageRequest{Limit: 50})
		require.NoError(t, err)
		require.Len(t, events.Items, 1)
		require.Equal(t, "approve_waiver", events.Items[0].Action)
		after := approver.get(done.Location)
		require.Contains(t, after.Body, "適用除外を承認しました。")
		require.Contains(t, after.Body, "適用除外（承認済み）")
		require.Contains(t, after.Body, "承認 課長（")

		// Once every mandatory clause is covered, activation succeeds.
		osrcIncludeAll(t, e, c.ID, "staff_training")
		c, err = e.db.FindContract(e.asAdmin(), c.ID)
		require.NoError(t, err)
		active := editor.submit(path, path+"/activate", url.Values{"version": {strconv.Itoa(c.Version)}})
		require.Equal(t, http.StatusSeeOther, active.Status, active.Body)
		got, err = e.db.FindContract(e.asAdmin(), c.ID)
		require.NoError(t, err)
		require.Equal(t, domain.ContractActive, got.Status)
		require.False(t, got.NextConfirmationDue.IsZero())
		shownActive := editor.get(active.Location)
		require.Contains(t, shownActive.Body, "契約を実施にしました。")
		require.NotContains(t, shownActive.Body, `action="`+path+`/activate"`)
	})
}
