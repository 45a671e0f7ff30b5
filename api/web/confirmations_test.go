package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// confDate reads a yyyy-mm-dd date.
func confDate(t *testing.T, s string) domain.Date {
	t.Helper()
	d, err := domain.ParseDate(s)
	require.NoError(t, err)
	return d
}

// confApprovedVendor registers a vendor, records a complete selection and
// has a second person (a manager) approve it.
func confApprovedVendor(e *env, owner *domain.Person, name string) *domain.Vendor {
	t := e.t
	t.Helper()
	ctx := e.asAdmin()
	v, err := e.db.CreateVendor(ctx, domain.VendorInput{Name: name, OwnerID: owner.ID})
	require.NoError(t, err)
	criteria, err := e.db.ListCatalogueItems(ctx, domain.CatalogueSelectionCriteria, false)
	require.NoError(t, err)
	rec := domain.SelectionRecord{SelectedBy: owner.ID, SelectedOn: confDate(t, "2026-01-15")}
	for _, c := range criteria {
		rec.Results = append(rec.Results, domain.SelectionResult{Criterion: c.Code, Result: domain.SelectionMet, Note: "確認済み"})
	}
	_, err = e.db.RecordSelection(ctx, v.ID, nil, rec)
	require.NoError(t, err)
	approver := e.person("承認 課長", "approver-"+v.ID[len(v.ID)-8:]+"@example.lg.jp", "", domain.SecurityRoleManager)
	v, err = e.db.ChangeVendorStatus(domain.WithActor(context.Background(), domain.Actor{PersonID: approver.ID, Role: domain.RoleEditor, Name: approver.Name}),
		v.ID, nil, domain.VendorApproved, "")
	require.NoError(t, err)
	require.Equal(t, domain.VendorApproved, v.Status)
	return v
}

// confActiveContract creates a contract of the vendor owned by owner,
// includes every mandatory clause and activates it.
func confActiveContract(e *env, v *domain.Vendor, owner *domain.Person, title string) *domain.Contract {
	t := e.t
	t.Helper()
	ctx := e.asAdmin()
	c, err := e.db.CreateContract(ctx, domain.ContractInput{VendorID: v.ID, Title: title, OwnerID: owner.ID, StartDate: confDate(t, "2026-04-01"),
		InformationAssets: []domain.InformationAsset{{Name: "住民情報", Classification: domain.Classification{Confidentiality: domain.Confidentiality2, Integrity: 1, Availability: 1}}}})
	require.NoError(t, err)
	clauses, err := e.db.ListCatalogueItems(ctx, domain.CatalogueClauses, false)
	require.NoError(t, err)
	for i, cl := range clauses {
		if !cl.Mandatory {
			continue
		}
		_, err := e.db.SetContractClause(ctx, c.ID, cl.Code, domain.ClauseCoverageInput{Status: domain.ClauseIncluded, ArticleRef: "第" + strconv.Itoa(10+i) + "条"})
		require.NoError(t, err)
	}
	c, err = e.db.ActivateContract(ctx, c.ID, nil)
	require.NoError(t, err)
	require.Equal(t, domain.ContractActive, c.Status)
	return c
}

// confScheduled is a scheduled confirmation of a new active contract owned
// by owner, due 2026-12-15.
func confScheduled(e *env, owner *domain.Person) (*domain.Contract, *domain.Confirmation) {
	e.t.Helper()
	v := confApprovedVendor(e, owner, "確認先株式会社")
	c := confActiveContract(e, v, owner, "粗大ごみ受付システム運用保守業務委託")
	conf, err := e.db.CreateConfirmation(e.asAdmin(), domain.ConfirmationInput{ContractID: c.ID, DueDate: confDate(e.t, "2026-12-15")})
	require.NoError(e.t, err)
	require.GreaterOrEqual(e.t, len(conf.Checklist), 2, "the tests need two checklist items")
	return c, conf
}

// confSignedIn is a browser signed in as a new person whose role on the
// pages is role.
func confSignedIn(e *env, name, email string, role domain.Role, roles ...domain.SecurityRole) (*domain.Person, *browser) {
	e.t.Helper()
	p := e.person(name, email, role, roles...)
	b := e.browser()
	b.signIn(email)
	return p, b
}

// confForm answers every item ok, on today, except those in findings
// (index → fields of the finding).
func confForm(conf *domain.Confirmation, findings map[int]url.Values) url.Values {
	f := url.Values{"performed_on": {"2026-11-30"}, "notes": {"全体として良好"}, "version": {strconv.Itoa(conf.Version)}}
	for i, it := range conf.Checklist {
		at := fmt.Sprintf("results[%d].", i)
		f.Set(at+"code", it.Code)
		f.Set(at+"result", "ok")
		f.Set(at+"evidence", "報告書 R8-045\n")
		for k, vs := range findings[i] {
			f[at+k] = vs
		}
	}
	return f
}

// confUnchanged asserts the confirmation is still scheduled, unwritten.
func confUnchanged(e *env, conf *domain.Confirmation) {
	e.t.Helper()
	now, err := e.db.FindConfirmation(e.asAdmin(), conf.ID)
	require.NoError(e.t, err)
	require.Equal(e.t, domain.ConfirmationScheduled, now.Status)
	require.Equal(e.t, conf.Version, now.Version)
	actions, err := e.db.ListCorrectiveActions(e.asAdmin(), domain.CorrectiveActionFilter{ContractID: conf.ContractID}, domain.PageRequest{Limit: 10})
	require.NoError(e.t, err)
	require.Empty(e.t, actions.Items)
}

func TestConfirmationPageShowsTheChecklistToAnEditor(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner, b := confSignedIn(e, "確認 担当", "kakunin@example.lg.jp", domain.RoleEditor)
		c, conf := confScheduled(e, owner)

		p := b.get("/confirmations/" + conf.ID)
		require.Equal(t, http.StatusOK, p.Status, p.Body)
		require.Contains(t, p.Body, `<a href="/contracts/`+c.ID+`">`+c.Title+`</a>`)
		require.Contains(t, p.Body, "確認先株式会社")
		require.Contains(t, p.Body, "2026年12月15日")
		require.Contains(t, p.Body, "未実施")
		require.Contains(t, p.Body, `action="/confirmations/`+conf.ID+`/complete"`)
		for i, it := range conf.Checklist {
			require.Contains(t, p.Body, it.TitleJa)
			require.Contains(t, p.Body, fmt.Sprintf(`<input type="hidden" name="results[%d].code" value="%s">`, i, it.Code))
			require.Contains(t, p.Body, fmt.Sprintf(`id="f-results[%d].result"`, i))
			require.Contains(t, p.Body, fmt.Sprintf(`<select id="f-results[%d].severity" name="results[%d].severity">`, i, i))
			require.Contains(t, p.Body, fmt.Sprintf(`id="f-results[%d].action_due_date"`, i))
		}
		require.Contains(t, p.Body, ">遵守</label>")
		require.Contains(t, p.Body, ">不備あり</label>")
		require.Contains(t, p.Body, ">該当なし</label>")
		require.Contains(t, p.Body, `id="f-performed_on" name="performed_on" value="2026-12-01"`)

		require.Equal(t, http.StatusNotFound, b.get("/confirmations/not-a-confirmation").Status)
		require.Equal(t, http.StatusNotFound, b.get("/corrective-actions/00000000-0000-7000-8000-000000000000").Status)

		list := b.get("/confirmations?status=scheduled")
		require.Equal(t, http.StatusOK, list.Status, list.Body)
		require.Contains(t, list.Body, `<a href="/confirmations/`+conf.ID+`">`+c.Title+`</a>`)
		none := b.get("/confirmations?status=completed")
		require.NotContains(t, none.Body, conf.ID)
		byContract := b.get("/confirmations?contract_id=" + c.ID)
		require.Contains(t, byContract.Body, conf.ID)

		en := e.person("English Reader", "reader@example.lg.jp", domain.RoleViewer)
		_, err := e.db.ReplacePerson(e.asAdmin(), en.ID, nil, domain.PersonInput{Name: en.Name, Email: en.Email, DepartmentID: en.DepartmentID, Locale: domain.LocaleEn})
		require.NoError(t, err)
		eb := e.browser()
		eb.signIn(en.Email)
		ep := eb.get("/confirmations/" + conf.ID)
		require.Equal(t, http.StatusOK, ep.Status)
		require.Contains(t, ep.Body, `<html lang="en">`)
		require.Contains(t, ep.Body, conf.Checklist[0].TitleEn)
	})
}

func TestConfirmationViewerAndMissingCSRFWriteNothing(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner, editor := confSignedIn(e, "確認 担当", "kakunin@example.lg.jp", domain.RoleEditor)
		_, conf := confScheduled(e, owner)
		_, viewer := confSignedIn(e, "閲覧 者", "etsuran@example.lg.jp", domain.RoleViewer)

		p := viewer.get("/confirmations/" + conf.ID)
		require.Equal(t, http.StatusOK, p.Status)
		require.Contains(t, p.Body, conf.Checklist[0].TitleJa)
		require.NotContains(t, p.Body, "/complete")
		require.NotContains(t, p.Body, `name="results[0].result"`)

		refused := viewer.submit("/confirmations/"+conf.ID, "/confirmations/"+conf.ID+"/complete", confForm(conf, nil))
		require.Equal(t, http.StatusForbidden, refused.Status)
		confUnchanged(e, conf)

		noToken := editor.post("/confirmations/"+conf.ID+"/complete", confForm(conf, nil))
		require.Equal(t, http.StatusForbidden, noToken.Status)
		confUnchanged(e, conf)
	})
}

func TestConfirmationFindingWithoutSeverityIsShownAtItsControl(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner, b := confSignedIn(e, "確認 担当", "kakunin@example.lg.jp", domain.RoleEditor)
		_, conf := confScheduled(e, owner)
		form := confForm(conf, map[int]url.Values{1: {"result": {"finding"}, "note": {"年次研修が未実施"}, "action_due_date": {"2027-01-29"}}})
		p := b.submit("/confirmations/"+conf.ID, "/confirmations/"+conf.ID+"/complete", form)
		require.Equal(t, http.StatusUnprocessableEntity, p.Status, p.Body)
		next := regexp.MustCompile(`(?s)<label for="f-results\[1\]\.severity">[^<]*</label>\s*<p class="field-error" id="e-results\[1\]\.severity">.*?</p>\s*<select id="f-results\[1\]\.severity" name="results\[1\]\.severity" aria-invalid="true" aria-describedby="e-results\[1\]\.severity">`)
		require.Regexp(t, next, p.Body, "the error sits next to the row's severity control")
		require.Contains(t, p.Body, `<a href="#f-results%5b1%5d.severity">`, "and in the summary")
		require.NotContains(t, p.Body, `id="e-results[0].severity"`)
		require.Contains(t, p.Body, "年次研修が未実施", "what was typed is kept")
		require.Regexp(t, `name="results\[1\]\.result" value="finding" checked`, p.Body)
		confUnchanged(e, conf)

		unanswered := confForm(conf, nil)
		unanswered.Del("results[0].result")
		q := b.submit("/confirmations/"+conf.ID, "/confirmations/"+conf.ID+"/complete", unanswered)
		require.Equal(t, http.StatusUnprocessableEntity, q.Status)
		require.Contains(t, q.Body, `id="e-results[0].result"`)
		require.Contains(t, q.Body, `<a href="#f-results%5b0%5d.result">`)
		confUnchanged(e, conf)

		badDate := confForm(conf, map[int]url.Values{0: {"result": {"finding"}, "note": {"記録なし"}, "action_due_date": {"来月"}}})
		r := b.submit("/confirmations/"+conf.ID, "/confirmations/"+conf.ID+"/complete", badDate)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status)
		require.Contains(t, r.Body, `id="e-results[0].action_due_date"`)
		require.Contains(t, r.Body, `id="e-results[0].severity"`, "the domain's checks are shown in the same round")
		confUnchanged(e, conf)
	})
}

func TestConfirmationCompletedOpensCorrectiveActions(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner, b := confSignedIn(e, "確認 担当", "kakunin@example.lg.jp", domain.RoleEditor)
		c, conf := confScheduled(e, owner)
		form := confForm(conf, map[int]url.Values{1: {"result": {"finding"}, "note": {"年次研修が未実施"}, "severity": {"high"}, "action_due_date": {"2027-01-29"}}})
		done := b.submit("/confirmations/"+conf.ID, "/confirmations/"+conf.ID+"/complete", form)
		require.Equal(t, http.StatusSeeOther, done.Status, done.Body)
		require.Equal(t, "/confirmations/"+conf.ID+"?done=confirmation_completed", done.Location)

		ctx := e.asAdmin()
		got, err := e.db.FindConfirmation(ctx, conf.ID)
		require.NoError(t, err)
		require.Equal(t, domain.ConfirmationCompleted, got.Status)
		require.Equal(t, domain.ResultFindings, got.Result)
		require.Equal(t, owner.ID, got.PerformedBy)
		require.Equal(t, "2026-11-30", got.PerformedOn.String())
		require.Equal(t, []string{"報告書 R8-045"}, got.Checklist[0].Evidence)
		actionID := got.Checklist[1].CorrectiveActionID
		require.NotEmpty(t, actionID)
		actions, err := e.db.ListCorrectiveActions(ctx, domain.CorrectiveActionFilter{ContractID: c.ID}, domain.PageRequest{Limit: 10})
		require.NoError(t, err)
		require.Len(t, actions.Items, 1)
		require.Equal(t, actionID, actions.Items[0].ID)
		require.Equal(t, domain.SeverityHigh, actions.Items[0].Severity)
		require.Equal(t, "年次研修が未実施", actions.Items[0].Description)

		audit, err := e.db.ListAuditEvents(ctx, domain.AuditFilter{EntityType: "confirmation", EntityID: conf.ID}, domain.PageRequest{Limit: 10})
		require.NoError(t, err)
		var completion *domain.AuditEvent
		for _, ev := range audit.Items {
			if ev.Action == "complete" {
				completion = ev
			}
		}
		require.NotNil(t, completion, "the audit trail records the completion")
		require.NotNil(t, completion.ActorID)
		require.Equal(t, owner.ID, *completion.ActorID)
		require.Equal(t, owner.Name, completion.ActorName)

		p := b.get(done.Location)
		require.Equal(t, http.StatusOK, p.Status)
		require.Contains(t, p.Body, "確認結果を記録しました。")
		require.Contains(t, p.Body, "実施済み")
		require.Contains(t, p.Body, "不備あり")
		require.Contains(t, p.Body, owner.Name)
		require.Contains(t, p.Body, `<a href="/corrective-actions/`+actionID+`">是正措置：`+conf.Checklist[1].TitleJa+`</a>`)
		require.NotContains(t, p.Body, `/complete"`, "a completed confirmation has no form")

		again := b.submit("/confirmations/"+conf.ID, "/confirmations/"+conf.ID+"/complete", confForm(got, nil))
		require.Equal(t, http.StatusConflict, again.Status, "completed once")
	})
}
