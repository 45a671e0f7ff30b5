package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// The outsourcing register (issue 3) through the real endpoints, on every
// test database. Helpers of this file are prefixed with out.

// outValidCorporateNumber is a 法人番号 with a correct check digit;
// outMistypedCorporateNumber differs in its last digit, so its check digit
// no longer fits.
const (
	outValidCorporateNumber    = "7000012050002"
	outMistypedCorporateNumber = "7000012050003"
)

// outTokyo is the body's time zone, in which the API computes "today".
var outTokyo = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		panic(err)
	}
	return loc
}()

// outDaysAgo returns the calendar date n days before today in Tokyo.
func outDaysAgo(n int) string {
	return testNow().In(outTokyo).AddDate(0, 0, -n).Format(time.DateOnly)
}

// outAddDays adds days to a YYYY-MM-DD date.
func outAddDays(t *testing.T, date string, days int) string {
	t.Helper()
	d, err := time.Parse(time.DateOnly, date)
	require.NoError(t, err, "date %q", date)
	return d.AddDate(0, 0, days).Format(time.DateOnly)
}

// outAddMonths adds months to a YYYY-MM-DD date, clamped to the month's end.
func outAddMonths(t *testing.T, date string, months int) string {
	t.Helper()
	d, err := time.Parse(time.DateOnly, date)
	require.NoError(t, err, "date %q", date)
	first := time.Date(d.Year(), d.Month()+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	last := time.Date(first.Year(), first.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return time.Date(first.Year(), first.Month(), min(d.Day(), last), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

// outAsset is an information asset in the request's JSON shape.
func outAsset(name, confidentiality string) map[string]any {
	return map[string]any{"name": name, "classification": map[string]any{"confidentiality": confidentiality, "integrity": 1, "availability": 1}}
}

// outMerge returns base with extra's keys replaced; a nil value removes the key.
func outMerge(base, extra map[string]any) map[string]any {
	for k, v := range extra {
		if v == nil {
			delete(base, k)
			continue
		}
		base[k] = v
	}
	return base
}

// outProblemText joins a problem's title, detail, and its errors' messages
// and values, for "the refusal mentions X" checks.
func outProblemText(p map[string]any) string {
	parts := []string{fmt.Sprint(p["title"]), fmt.Sprint(p["detail"])}
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		m := e.(map[string]any)
		parts = append(parts, fmt.Sprint(m["message"]), fmt.Sprint(m["value"]))
	}
	return strings.Join(parts, " | ")
}

// outProblemValues returns the values of a problem's field errors that are strings.
func outProblemValues(p map[string]any) []string {
	var out []string
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		if s, ok := e.(map[string]any)["value"].(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// outTokenFor creates a token with a role for an existing person.
func outTokenFor(e *env, personID string, role domain.Role) string {
	e.t.Helper()
	var tok struct {
		Secret string `json:"secret"`
	}
	e.must(http.StatusCreated, "POST", "/v1/tokens", e.admin, map[string]any{"person_id": personID, "role": role}).Decode(e.t, &tok)
	require.NotEmpty(e.t, tok.Secret)
	return tok.Secret
}

// outCatalogueCodes returns the codes of a catalogue's unretired items;
// mandatoryOnly keeps the mandatory ones.
func outCatalogueCodes(e *env, path string, mandatoryOnly bool) []string {
	e.t.Helper()
	var list struct {
		Items []domain.CatalogueItem `json:"items"`
	}
	e.must(http.StatusOK, "GET", path, e.admin, nil).Decode(e.t, &list)
	var codes []string
	for _, it := range list.Items {
		if it.RetiredAt == nil && (!mandatoryOnly || it.Mandatory) {
			codes = append(codes, it.Code)
		}
	}
	require.NotEmpty(e.t, codes, "catalogue %s", path)
	return codes
}

// outVendorBody is a valid vendor request owned by ownerID; extra replaces fields.
func outVendorBody(ownerID string, extra map[string]any) map[string]any {
	return outMerge(map[string]any{
		"name": "株式会社クリーン環境サービス", "kana": "カブシキガイシャクリーンカンキョウサービス",
		"address": "東京都千代田区霞が関1-1-1", "website": "https://clean.example.co.jp",
		"contact":  map[string]any{"name": "田中 三郎", "email": "tanaka@example.co.jp", "phone": "03-1234-5678"},
		"owner_id": ownerID,
	}, extra)
}

// outCreateVendor registers a candidate vendor owned by the first administrator.
func outCreateVendor(e *env, extra map[string]any) domain.Vendor {
	e.t.Helper()
	var v domain.Vendor
	e.must(http.StatusCreated, "POST", "/v1/vendors", e.admin, outVendorBody(e.person.ID, extra)).Decode(e.t, &v)
	return v
}

// outSelection is a selection record answering every criterion met, except
// those in notMet, which are not_met with the given note.
func outSelection(selectedBy string, criteria []string, notMet map[string]string) map[string]any {
	results := []map[string]any{}
	for _, c := range criteria {
		r := map[string]any{"criterion": c, "result": "met", "note": "提案書及びヒアリングで確認"}
		if note, ok := notMet[c]; ok {
			r = map[string]any{"criterion": c, "result": "not_met", "note": note}
		}
		results = append(results, r)
	}
	return map[string]any{"selected_by": selectedBy, "selected_on": "2026-03-01", "results": results}
}

// outApprovedVendor registers a vendor, records a complete selection and approves it.
func outApprovedVendor(e *env, extra map[string]any) domain.Vendor {
	e.t.Helper()
	v := outCreateVendor(e, extra)
	e.must(http.StatusOK, "PUT", "/v1/vendors/"+v.ID+"/selection", e.admin,
		outSelection(e.person.ID, outCatalogueCodes(e, "/v1/selection-criteria", false), nil))
	e.must(http.StatusOK, "POST", "/v1/vendors/"+v.ID+"/approve", e.approver(), nil).Decode(e.t, &v)
	require.Equal(e.t, domain.VendorApproved, v.Status)
	return v
}

// outContractBody is a valid contract request: 2026-04-01 to 2027-03-31,
// 30 days' notice, handling confidentiality-1 information, no subcontracting.
func outContractBody(vendorID, ownerID string, extra map[string]any) map[string]any {
	return outMerge(map[string]any{
		"vendor_id": vendorID, "title": "粗大ごみ受付システム運用保守業務委託", "scope": "運用保守及び障害対応",
		"start_date": "2026-04-01", "end_date": "2027-03-31", "notice_period_days": 30,
		"work_location": "受託者本社（東京都千代田区）", "vendor_manager_name": "管理 花子",
		"owner_id": ownerID, "information_assets": []any{outAsset("公開済みの収集日程表", "1")},
	}, extra)
}

// outCreateContract registers a draft contract owned by the first administrator.
func outCreateContract(e *env, vendorID string, extra map[string]any) domain.Contract {
	e.t.Helper()
	var c domain.Contract
	e.must(http.StatusCreated, "POST", "/v1/contracts", e.admin, outContractBody(vendorID, e.person.ID, extra)).Decode(e.t, &c)
	require.Equal(e.t, domain.ContractDraft, c.Status)
	return c
}

// outIncludeAll includes every mandatory clause on a contract.
func outIncludeAll(e *env, contractID string) {
	e.t.Helper()
	for i, code := range outCatalogueCodes(e, "/v1/clauses", true) {
		e.must(http.StatusOK, "PUT", "/v1/contracts/"+contractID+"/clauses/"+code, e.admin,
			map[string]any{"status": "included", "article_ref": fmt.Sprintf("第%d条", 10+i)})
	}
}

// outActiveContract registers a contract, includes every mandatory clause and activates it.
func outActiveContract(e *env, vendorID string, extra map[string]any) domain.Contract {
	e.t.Helper()
	c := outCreateContract(e, vendorID, extra)
	outIncludeAll(e, c.ID)
	e.must(http.StatusOK, "POST", "/v1/contracts/"+c.ID+"/activate", e.admin, nil).Decode(e.t, &c)
	require.Equal(e.t, domain.ContractActive, c.Status)
	return c
}

func outGetVendor(e *env, id string) domain.Vendor {
	e.t.Helper()
	var v domain.Vendor
	e.must(http.StatusOK, "GET", "/v1/vendors/"+id, e.admin, nil).Decode(e.t, &v)
	return v
}

func outGetContract(e *env, id string) domain.Contract {
	e.t.Helper()
	var c domain.Contract
	e.must(http.StatusOK, "GET", "/v1/contracts/"+id, e.admin, nil).Decode(e.t, &c)
	return c
}

func outGetConfirmation(e *env, id string) domain.Confirmation {
	e.t.Helper()
	var c domain.Confirmation
	e.must(http.StatusOK, "GET", "/v1/confirmations/"+id, e.admin, nil).Decode(e.t, &c)
	return c
}

// outETag returns the current ETag of a resource.
func outETag(e *env, path string) string {
	e.t.Helper()
	tag := e.must(http.StatusOK, "GET", path, e.admin, nil).Header.Get("ETag")
	require.NotEmpty(e.t, tag, "ETag of %s", path)
	return tag
}

// outCoverage is a contract's clause coverage.
type outCoverage struct {
	Items            []domain.ClauseCoverage `json:"items"`
	MissingMandatory []string                `json:"missing_mandatory"`
}

func outGetCoverage(e *env, contractID string) outCoverage {
	e.t.Helper()
	var cov outCoverage
	e.must(http.StatusOK, "GET", "/v1/contracts/"+contractID+"/clauses", e.admin, nil).Decode(e.t, &cov)
	return cov
}

func (c outCoverage) item(t *testing.T, code string) domain.ClauseCoverage {
	t.Helper()
	for _, it := range c.Items {
		if it.Code == code {
			return it
		}
	}
	require.Failf(t, "clause not in coverage", "%s not in %+v", code, c.Items)
	return domain.ClauseCoverage{}
}

// outListIDs returns the ids of the items of a list; the lists of these
// tests fit in one page of 200.
func outListIDs(e *env, path string) []string {
	e.t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	e.must(http.StatusOK, "GET", path+sep+"limit=200", e.admin, nil).Decode(e.t, &page)
	require.Empty(e.t, page.NextCursor, "%s has more than one page", path)
	ids := []string{}
	for _, it := range page.Items {
		ids = append(ids, it.ID)
	}
	return ids
}

// outActions returns the actions of the audit events about one entity, oldest first.
func outActions(e *env, entityID string) []string {
	e.t.Helper()
	return outActionsWhere(e, "entity_id="+url.QueryEscape(entityID), entityID)
}

// outActionsWhere returns the actions of the audit events a query selects,
// oldest first; every event must be about entityID.
func outActionsWhere(e *env, query, entityID string) []string {
	e.t.Helper()
	var page struct {
		Items []domain.AuditEvent `json:"items"`
	}
	e.must(http.StatusOK, "GET", "/v1/audit-events?limit=200&"+query, e.admin, nil).Decode(e.t, &page)
	actions := []string{}
	for _, ev := range page.Items {
		require.Equal(e.t, entityID, ev.EntityID)
		actions = append(actions, ev.Action)
	}
	return actions
}

// outAnswers answers every checklist item ok, except the items in special,
// whose answers replace the default.
func outAnswers(checklist []domain.ChecklistItem, special map[string]map[string]any) []map[string]any {
	out := []map[string]any{}
	for _, it := range checklist {
		a := map[string]any{"code": it.Code, "result": "ok", "note": "報告書で確認", "evidence": []string{"報告書 R8-001"}}
		if s, ok := special[it.Code]; ok {
			a = outMerge(map[string]any{"code": it.Code}, s)
		}
		out = append(out, a)
	}
	return out
}

func outChecklistCodes(items []domain.ChecklistItem) []string {
	codes := []string{}
	for _, it := range items {
		codes = append(codes, it.Code)
	}
	return codes
}

func TestOutsourcingNewUserStory(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		editorPerson := e.createPerson("調達 担当", "procurement@example.lg.jp", nil)
		editor := outTokenFor(e, editorPerson.ID, domain.RoleEditor)

		// 1. Register the vendor; a mistyped 法人番号 is refused and says why.
		p := requireProblem(t, e.do("POST", "/v1/vendors", editor,
			outVendorBody(e.person.ID, map[string]any{"corporate_number": outMistypedCorporateNumber})), http.StatusUnprocessableEntity)
		require.Equal(t, []string{"body.corporate_number"}, problemLocations(p))
		require.Contains(t, outProblemText(p), "check digit")

		var v domain.Vendor
		r := e.must(http.StatusCreated, "POST", "/v1/vendors", editor,
			outVendorBody(e.person.ID, map[string]any{"corporate_number": outValidCorporateNumber}))
		r.Decode(t, &v)
		require.Equal(t, `"1"`, r.Header.Get("ETag"))
		require.Equal(t, domain.VendorCandidate, v.Status)
		require.Equal(t, domain.RiskUnassessed, v.RiskTier, "no active contract yet")
		require.Equal(t, outValidCorporateNumber, v.CorporateNumber)
		require.Nil(t, v.Selection)

		// 2. Approval needs a selection record.
		p = requireProblem(t, e.do("POST", "/v1/vendors/"+v.ID+"/approve", editor, nil), http.StatusUnprocessableEntity)
		require.Equal(t, []string{"body.selection"}, problemLocations(p))

		// 3. A not_met without a written justification keeps the vendor unapproved.
		criteria := outCatalogueCodes(e, "/v1/selection-criteria", false)
		require.Len(t, criteria, 10, "the seeded selection criteria")
		unmet := criteria[3]
		e.must(http.StatusOK, "PUT", "/v1/vendors/"+v.ID+"/selection", editor,
			outSelection(editorPerson.ID, criteria, map[string]string{unmet: ""}))
		p = requireProblem(t, e.do("POST", "/v1/vendors/"+v.ID+"/approve", editor, nil), http.StatusUnprocessableEntity)
		require.Equal(t, []string{"body.selection.results"}, problemLocations(p))
		require.Equal(t, []string{unmet}, outProblemValues(p), "the refusal names exactly the unjustified criterion")
		require.Contains(t, outProblemText(p), unmet)
		require.Equal(t, domain.VendorCandidate, outGetVendor(e, v.ID).Status)

		e.must(http.StatusOK, "PUT", "/v1/vendors/"+v.ID+"/selection", editor,
			outSelection(editorPerson.ID, criteria, map[string]string{unmet: "実績は少ないが、再委託を禁止し月次報告を課すことで補う"}))
		// Separation of duties: the person who recorded the selection does
		// not approve, even with a security role; a second person with one does.
		p = requireProblem(t, e.do("POST", "/v1/vendors/"+v.ID+"/approve", editor, nil), http.StatusForbidden)
		require.Contains(t, outProblemText(p), "security role")
		e.must(http.StatusOK, "PUT", "/v1/people/"+editorPerson.ID, e.admin, map[string]any{"name": editorPerson.Name, "email": editorPerson.Email,
			"department_id": editorPerson.DepartmentID, "security_roles": []string{"manager"}})
		p = requireProblem(t, e.do("POST", "/v1/vendors/"+v.ID+"/approve", editor, nil), http.StatusForbidden)
		require.Contains(t, outProblemText(p), "separation of duties")
		require.Equal(t, domain.VendorCandidate, outGetVendor(e, v.ID).Status)
		e.must(http.StatusOK, "POST", "/v1/vendors/"+v.ID+"/approve", e.approver(), nil).Decode(t, &v)
		require.Equal(t, domain.VendorApproved, v.Status)
		require.NotEmpty(t, v.ApprovedBy)
		require.NotEqual(t, editorPerson.ID, v.ApprovedBy)
		require.NotNil(t, v.Selection)
		require.Len(t, v.Selection.Results, len(criteria))
		require.Equal(t, editorPerson.ID, v.Selection.SelectedBy)

		// 4. A draft contract handling confidentiality-2 information.
		var c domain.Contract
		e.must(http.StatusCreated, "POST", "/v1/contracts", editor, outContractBody(v.ID, e.person.ID, map[string]any{
			"information_assets": []any{outAsset("住民からの粗大ごみ収集申込情報", "2")},
		})).Decode(t, &c)
		require.Equal(t, domain.ContractDraft, c.Status)
		require.True(t, c.NextConfirmationDue.IsZero(), "a draft has no confirmation due")
		require.True(t, c.RenewalReviewDue.IsZero(), "a draft has no renewal review due")

		// 5. Activation is refused, naming every missing mandatory clause.
		mandatory := outCatalogueCodes(e, "/v1/clauses", true)
		require.Len(t, mandatory, 13, "the seeded clauses are all mandatory")
		p = requireProblem(t, e.do("POST", "/v1/contracts/"+c.ID+"/activate", editor, nil), http.StatusUnprocessableEntity)
		var want []string
		for _, code := range mandatory {
			want = append(want, "body.clauses."+code)
		}
		require.ElementsMatch(t, want, problemLocations(p))
		require.ElementsMatch(t, mandatory, outGetCoverage(e, c.ID).MissingMandatory)

		// 6. included needs the article, waived needs a reason.
		p = requireProblem(t, e.do("PUT", "/v1/contracts/"+c.ID+"/clauses/confidentiality", editor,
			map[string]any{"status": "included"}), http.StatusUnprocessableEntity)
		require.Equal(t, []string{"body.article_ref"}, problemLocations(p))
		const waived = "service_level_guarantee"
		p = requireProblem(t, e.do("PUT", "/v1/contracts/"+c.ID+"/clauses/"+waived, editor,
			map[string]any{"status": "waived"}), http.StatusUnprocessableEntity)
		require.Equal(t, []string{"body.waiver_reason"}, problemLocations(p))

		// 7. Cover the clauses one by one; the missing list shrinks with each.
		missing := len(mandatory)
		for i, code := range mandatory {
			body := map[string]any{"status": "included", "article_ref": fmt.Sprintf("第%d条", 10+i)}
			if code == waived {
				body = map[string]any{"status": "waived", "waiver_reason": "SLA は別途の保守契約で定めるため"}
			}
			var got domain.ClauseCoverage
			e.must(http.StatusOK, "PUT", "/v1/contracts/"+c.ID+"/clauses/"+code, editor, body).Decode(t, &got)
			require.Equal(t, code, got.Code)
			if code == waived {
				// A waiver is a request: it counts once a second person approves it.
				require.NotNil(t, got.Waiver)
				require.True(t, got.Waiver.Pending)
				require.Equal(t, editorPerson.ID, got.Waiver.RequestedBy)
				require.Contains(t, outGetCoverage(e, c.ID).MissingMandatory, code, "a pending waiver counts as missing")
				p := requireProblem(t, e.do("POST", "/v1/contracts/"+c.ID+"/clauses/"+code+"/approve-waiver", editor, nil), http.StatusForbidden)
				require.Contains(t, outProblemText(p), "separation of duties", "who asked cannot approve")
				e.must(http.StatusOK, "POST", "/v1/contracts/"+c.ID+"/clauses/"+code+"/approve-waiver", e.approver(), nil).Decode(t, &got)
				require.False(t, got.Waiver.Pending)
				require.NotEmpty(t, got.Waiver.ApprovedBy)
				require.NotNil(t, got.Waiver.ApprovedAt)
				require.Equal(t, editorPerson.ID, got.Waiver.RequestedBy)
			}
			missing--
			cov := outGetCoverage(e, c.ID)
			require.Len(t, cov.MissingMandatory, missing, "after covering %s: %v", code, cov.MissingMandatory)
			require.NotContains(t, cov.MissingMandatory, code)
		}
		cov := outGetCoverage(e, c.ID)
		require.Empty(t, cov.MissingMandatory)
		require.NotNil(t, cov.MissingMandatory, "missing_mandatory is [] rather than null")
		require.Equal(t, domain.ClauseWaived, cov.item(t, waived).Status)
		require.Equal(t, "SLA は別途の保守契約で定めるため", cov.item(t, waived).WaiverReason)
		require.Equal(t, domain.ClauseIncluded, cov.item(t, "confidentiality").Status)
		require.Equal(t, fmt.Sprintf("第%d条", 10+slices.Index(mandatory, "confidentiality")), cov.item(t, "confidentiality").ArticleRef)

		// 8. Activation now succeeds and derives the due dates: confidentiality 2
		// without subcontracting makes the vendor medium (12 months, which
		// would land after this one-year contract ends, so 30 days before the
		// end), and the renewal review is 2027-03-31 − 30 days' notice − 60
		// days' lead.
		tag := outETag(e, "/v1/contracts/"+c.ID)
		e.must(http.StatusOK, "POST", "/v1/contracts/"+c.ID+"/activate", editor, nil, "If-Match", tag).Decode(t, &c)
		require.Equal(t, domain.ContractActive, c.Status)
		require.Equal(t, "2027-03-01", c.NextConfirmationDue.String())
		require.Equal(t, "2026-12-31", c.RenewalReviewDueNominal.String())
		require.Equal(t, "2026-12-28", c.RenewalReviewDue.String(), "31 December is in the year-end closure: the business day before")
		require.Equal(t, domain.RiskMedium, outGetVendor(e, v.ID).RiskTier)

		// 9. Schedule a confirmation: its checklist is the included clauses only.
		due := outAddDays(t, outDaysAgo(0), 30)
		var conf domain.Confirmation
		e.must(http.StatusCreated, "POST", "/v1/confirmations", editor, map[string]any{"contract_id": c.ID, "due_date": due}).Decode(t, &conf)
		require.Equal(t, domain.ConfirmationScheduled, conf.Status)
		require.Equal(t, due, conf.DueDateNominal.String())
		dueDay, err := domain.ParseDate(due)
		require.NoError(t, err)
		require.Equal(t, domain.NewBusinessCalendar(domain.DefaultPolicySettings).BusinessDueDate(dueDay), conf.DueDate, "due on a business day")
		require.Equal(t, v.ID, conf.VendorID)
		included := slices.DeleteFunc(slices.Clone(mandatory), func(code string) bool { return code == waived })
		require.Equal(t, included, outChecklistCodes(conf.Checklist), "checklist = included clauses, in catalogue order")
		for _, it := range conf.Checklist {
			require.NotEmpty(t, it.TitleJa, it.Code)
			require.NotEmpty(t, it.ArticleRef, it.Code)
			require.Empty(t, it.Result, it.Code)
		}

		// 10. Completing with an unanswered item is refused, naming it.
		firstPerformed := outDaysAgo(2)
		const findingCode = "staff_training"
		unanswered := conf.Checklist[0].Code
		answers := outAnswers(conf.Checklist, nil)[1:]
		p = requireProblem(t, e.do("POST", "/v1/confirmations/"+conf.ID+"/complete", editor, map[string]any{
			"performed_by": editorPerson.ID, "performed_on": firstPerformed, "results": answers,
		}), http.StatusUnprocessableEntity)
		require.Equal(t, []string{"body.results"}, problemLocations(p))
		require.Equal(t, []string{unanswered}, outProblemValues(p))
		require.Contains(t, outProblemText(p), unanswered)

		// A finding without its note, severity and action due date is refused too.
		findingAt := slices.Index(included, findingCode)
		require.GreaterOrEqual(t, findingAt, 0)
		p = requireProblem(t, e.do("POST", "/v1/confirmations/"+conf.ID+"/complete", editor, map[string]any{
			"performed_by": editorPerson.ID, "performed_on": firstPerformed,
			"results": outAnswers(conf.Checklist, map[string]map[string]any{findingCode: {"result": "finding"}}),
		}), http.StatusUnprocessableEntity)
		at := fmt.Sprintf("body.results[%d].", findingAt)
		require.ElementsMatch(t, []string{at + "note", at + "severity", at + "action_due_date"}, problemLocations(p))

		// 11. Complete with one finding.
		actionDue := outAddDays(t, firstPerformed, 60)
		confTag := outETag(e, "/v1/confirmations/"+conf.ID)
		var done domain.Confirmation
		e.must(http.StatusOK, "POST", "/v1/confirmations/"+conf.ID+"/complete", editor, map[string]any{
			"performed_by": editorPerson.ID, "performed_on": firstPerformed, "notes": "年次確認",
			"results": outAnswers(conf.Checklist, map[string]map[string]any{findingCode: {
				"result": "finding", "note": "委託先従業員への年次研修が未実施", "evidence": []string{"報告書 R8-045"},
				"severity": "medium", "action_due_date": actionDue,
			}}),
		}, "If-Match", confTag).Decode(t, &done)
		require.Equal(t, domain.ConfirmationCompleted, done.Status)
		require.Equal(t, domain.ResultFindings, done.Result)
		require.Equal(t, firstPerformed, done.PerformedOn.String())
		require.Equal(t, editorPerson.ID, done.PerformedBy)
		require.Equal(t, included, outChecklistCodes(done.Checklist))
		var findingItem domain.ChecklistItem
		for _, it := range done.Checklist {
			if it.Code == findingCode {
				findingItem = it
				continue
			}
			require.Equal(t, domain.ItemOK, it.Result, it.Code)
			require.Empty(t, it.CorrectiveActionID, it.Code)
		}
		require.Equal(t, domain.ItemFinding, findingItem.Result)
		require.Equal(t, []string{"報告書 R8-045"}, findingItem.Evidence)
		require.NotEmpty(t, findingItem.CorrectiveActionID)

		var actions struct {
			Items []domain.CorrectiveAction `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/corrective-actions?contract_id="+c.ID, editor, nil).Decode(t, &actions)
		require.Len(t, actions.Items, 1)
		first := actions.Items[0]
		require.Equal(t, findingItem.CorrectiveActionID, first.ID)
		require.Equal(t, conf.ID, first.ConfirmationID)
		require.Equal(t, v.ID, first.VendorID)
		require.Equal(t, findingCode, first.ClauseCode)
		require.Equal(t, "委託先従業員への年次研修が未実施", first.Description)
		require.Equal(t, domain.SeverityMedium, first.Severity)
		require.Equal(t, actionDue, first.DueDate.String())
		require.Equal(t, e.person.ID, first.OwnerID, "the action's owner defaults to the contract's")
		require.Equal(t, domain.ActionOpen, first.Status)

		c = outGetContract(e, c.ID)
		require.Equal(t, firstPerformed, c.LastConfirmedOn.String())
		require.Equal(t, "2027-03-01", c.NextConfirmationDue.String(), "12 months on would be after the end: 30 days before it")
		require.Equal(t, "2026-12-28", c.RenewalReviewDue.String(), "a confirmation does not move the renewal review")

		// 12. A second confirmation (due date defaulting to the contract's)
		// with a finding gives a second action.
		var conf2 domain.Confirmation
		e.must(http.StatusCreated, "POST", "/v1/confirmations", editor, map[string]any{"contract_id": c.ID}).Decode(t, &conf2)
		require.Equal(t, c.NextConfirmationDue, conf2.DueDate)
		secondPerformed := outDaysAgo(1)
		e.must(http.StatusOK, "POST", "/v1/confirmations/"+conf2.ID+"/complete", editor, map[string]any{
			"performed_by": editorPerson.ID, "performed_on": secondPerformed,
			"results": outAnswers(conf2.Checklist, map[string]map[string]any{"confidentiality": {
				"result": "finding", "note": "秘密保持誓約書の一部が未提出", "severity": "low", "action_due_date": outAddDays(t, secondPerformed, 30),
			}}),
		}).Decode(t, &conf2)
		require.Equal(t, domain.ResultFindings, conf2.Result)
		c = outGetContract(e, c.ID)
		require.Equal(t, secondPerformed, c.LastConfirmedOn.String())
		require.True(t, c.NextConfirmationDue.IsZero(),
			"the confirmation due before the one-year contract ends is done: nothing more is due in the term (%s)", c.NextConfirmationDue)
		e.must(http.StatusOK, "GET", "/v1/corrective-actions?contract_id="+c.ID, editor, nil).Decode(t, &actions)
		require.Len(t, actions.Items, 2)
		second := actions.Items[1]
		if second.ID == first.ID {
			second = actions.Items[0]
		}
		require.Equal(t, conf2.ID, second.ConfirmationID)
		require.Equal(t, "confidentiality", second.ClauseCode)

		// 13. Accepting a risk needs the supervisor or ciso security role: not
		// the admin role.
		p = requireProblem(t, e.do("POST", "/v1/corrective-actions/"+first.ID+"/accept-risk", e.admin,
			map[string]any{"resolution": "影響が軽微なため"}), http.StatusForbidden)
		require.Contains(t, outProblemText(p), "supervisor")
		require.Equal(t, domain.ActionOpen, outGetAction(e, first.ID).Status)

		supervisor := e.createPerson("統括 責任者", "supervisor@example.lg.jp", map[string]any{"security_roles": []string{"supervisor"}})
		supervisorToken := outTokenFor(e, supervisor.ID, domain.RoleEditor)
		var accepted domain.CorrectiveAction
		e.must(http.StatusOK, "POST", "/v1/corrective-actions/"+second.ID+"/accept-risk", supervisorToken,
			map[string]any{"resolution": "誓約書は次回更新時に徴収する。それまでのリスクは軽微"}).Decode(t, &accepted)
		require.Equal(t, domain.ActionRiskAccepted, accepted.Status)
		require.Equal(t, "誓約書は次回更新時に徴収する。それまでのリスクは軽微", accepted.Resolution)
		require.Equal(t, supervisor.ID, accepted.ClosedBy)
		require.NotNil(t, accepted.ClosedAt)

		// 14. The first action is corrected, and cannot be closed twice.
		var closed domain.CorrectiveAction
		e.must(http.StatusOK, "POST", "/v1/corrective-actions/"+first.ID+"/complete", editor,
			map[string]any{"resolution": "委託先にて全作業者への研修を実施し、受講記録を受領した"}, "If-Match", outETag(e, "/v1/corrective-actions/"+first.ID)).Decode(t, &closed)
		require.Equal(t, domain.ActionDone, closed.Status)
		require.Equal(t, "委託先にて全作業者への研修を実施し、受講記録を受領した", closed.Resolution)
		require.Equal(t, editorPerson.ID, closed.ClosedBy)
		requireProblem(t, e.do("POST", "/v1/corrective-actions/"+first.ID+"/complete", editor,
			map[string]any{"resolution": "再度"}), http.StatusConflict)
		requireProblem(t, e.do("POST", "/v1/corrective-actions/"+first.ID+"/accept-risk", supervisorToken,
			map[string]any{"resolution": "再度"}), http.StatusConflict)
		// Completing a completed confirmation is a conflict as well.
		requireProblem(t, e.do("POST", "/v1/confirmations/"+conf.ID+"/complete", editor, map[string]any{
			"performed_by": editorPerson.ID, "performed_on": firstPerformed, "results": outAnswers(conf.Checklist, nil),
		}), http.StatusConflict)

		// 15. Every step left an audit event, and no refusal left one.
		require.Equal(t, []string{"create", "record_selection", "record_selection", "approve", "derive_risk_tier"}, outActions(e, v.ID))
		wantContract := []string{"create"}
		for _, code := range mandatory {
			wantContract = append(wantContract, "set_clause")
			if code == waived {
				wantContract = append(wantContract, "approve_waiver")
			}
		}
		wantContract = append(wantContract, "activate", "record_confirmation", "record_confirmation")
		require.Equal(t, wantContract, outActions(e, c.ID))
		require.Equal(t, []string{"create", "complete"}, outActions(e, conf.ID))
		require.Equal(t, []string{"create", "complete"}, outActions(e, conf2.ID))
		require.Equal(t, []string{"create", "complete"}, outActions(e, first.ID))
		require.Equal(t, []string{"create", "accept_risk"}, outActions(e, second.ID))

		verify := e.must(http.StatusOK, "GET", "/v1/audit-events/verify", e.admin, nil).JSON(t)
		require.Equal(t, true, verify["ok"], "%v", verify)
	})
}

func outGetAction(e *env, id string) domain.CorrectiveAction {
	e.t.Helper()
	var a domain.CorrectiveAction
	e.must(http.StatusOK, "GET", "/v1/corrective-actions/"+id, e.admin, nil).Decode(e.t, &a)
	return a
}

func TestOutsourcingChecklistIsASnapshot(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		v := outApprovedVendor(e, nil)
		c := outActiveContract(e, v.ID, nil)
		var conf domain.Confirmation
		e.must(http.StatusCreated, "POST", "/v1/confirmations", e.admin,
			map[string]any{"contract_id": c.ID, "due_date": outAddDays(t, outDaysAgo(0), 14)}).Decode(t, &conf)
		require.Contains(t, outChecklistCodes(conf.Checklist), "confidentiality")
		var oldTitle string
		for _, it := range conf.Checklist {
			if it.Code == "confidentiality" {
				oldTitle = it.TitleJa
			}
		}
		require.Equal(t, "業務上知り得た情報の守秘義務", oldTitle)

		// The catalogue retitles the clause and the contract drops it.
		e.must(http.StatusOK, "PUT", "/v1/clauses/confidentiality", e.admin,
			map[string]any{"title_ja": "秘密保持（改訂）", "title_en": "Confidentiality (revised)"}, "If-Match", outETag(e, "/v1/clauses/confidentiality"))
		// Dropping it from the active contract outright would fall below the
		// activation gate; an amendment waives it through a second person,
		// and the clause stays included until then.
		p := requireProblem(t, e.do("PUT", "/v1/contracts/"+c.ID+"/clauses/confidentiality", e.admin, map[string]any{"status": "missing"}), http.StatusConflict)
		require.Contains(t, outProblemText(p), "amend")
		require.Contains(t, outProblemText(p), "terminate")
		var amended domain.ClauseCoverage
		e.must(http.StatusOK, "PUT", "/v1/contracts/"+c.ID+"/clauses/confidentiality", e.admin,
			map[string]any{"status": "waived", "waiver_reason": "守秘義務は別途の覚書で定める"}).Decode(t, &amended)
		require.Equal(t, domain.ClauseIncluded, amended.Status, "an amendment waits beside the clause's status")
		require.True(t, amended.Amendment.Pending)
		require.Empty(t, outGetCoverage(e, c.ID).MissingMandatory, "the active contract stays above the gate")
		e.must(http.StatusOK, "POST", "/v1/contracts/"+c.ID+"/clauses/confidentiality/approve-waiver", e.approver(), nil).Decode(t, &amended)
		require.Equal(t, domain.ClauseWaived, amended.Status)
		require.Equal(t, "守秘義務は別途の覚書で定める", amended.WaiverReason)
		p = requireProblem(t, e.do("PUT", "/v1/contracts/"+c.ID+"/clauses/confidentiality", e.admin, map[string]any{"status": "missing"}), http.StatusConflict)
		require.Contains(t, outProblemText(p), "activation gate", "withdrawing an approved waiver is refused too")
		cov := outGetCoverage(e, c.ID)
		require.Equal(t, domain.ClauseWaived, cov.item(t, "confidentiality").Status)
		require.Equal(t, "秘密保持（改訂）", cov.item(t, "confidentiality").TitleJa)

		// The existing checklist is unchanged.
		got := outGetConfirmation(e, conf.ID)
		require.Equal(t, conf.Checklist, got.Checklist)
		require.Equal(t, conf.Version, got.Version, "nothing about the confirmation changed")

		// It still asks about the dropped clause when completed.
		p = requireProblem(t, e.do("POST", "/v1/confirmations/"+conf.ID+"/complete", e.admin, map[string]any{
			"performed_by": e.person.ID, "performed_on": outDaysAgo(0),
			"results": slices.DeleteFunc(outAnswers(conf.Checklist, nil), func(a map[string]any) bool { return a["code"] == "confidentiality" }),
		}), http.StatusUnprocessableEntity)
		require.Equal(t, []string{"confidentiality"}, outProblemValues(p))
		e.must(http.StatusOK, "POST", "/v1/confirmations/"+conf.ID+"/complete", e.admin, map[string]any{
			"performed_by": e.person.ID, "performed_on": outDaysAgo(0), "results": outAnswers(conf.Checklist, nil),
		}).Decode(t, &got)
		require.Equal(t, domain.ResultSatisfactory, got.Result)
		for _, it := range got.Checklist {
			if it.Code == "confidentiality" {
				require.Equal(t, oldTitle, it.TitleJa, "completing keeps the snapshot's title")
			}
		}

		// A new confirmation snapshots the contract as it is now.
		var next domain.Confirmation
		e.must(http.StatusCreated, "POST", "/v1/confirmations", e.admin, map[string]any{"contract_id": c.ID}).Decode(t, &next)
		require.NotContains(t, outChecklistCodes(next.Checklist), "confidentiality")
		require.Len(t, next.Checklist, len(conf.Checklist)-1)
	})
}

func TestOutsourcingRiskTierFollowsActiveContracts(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		// Low: confidentiality 1 only; 24 months, which the one-year term
		// cuts to 30 days before its end (単年度契約).
		a := outApprovedVendor(e, map[string]any{"name": "A 株式会社"})
		low := outActiveContract(e, a.ID, nil)
		require.Equal(t, domain.RiskLow, outGetVendor(e, a.ID).RiskTier)
		require.Equal(t, "2027-03-01", low.NextConfirmationDue.String())

		// A draft does not count, however sensitive.
		outCreateContract(e, a.ID, map[string]any{"information_assets": []any{outAsset("住民基本台帳", "3A")}})
		require.Equal(t, domain.RiskLow, outGetVendor(e, a.ID).RiskTier)

		// High: an active contract handling 3B; 6 months, also for the vendor's other contract.
		high := outActiveContract(e, a.ID, map[string]any{"title": "税務システム保守",
			"information_assets": []any{outAsset("公開情報", "1"), outAsset("課税情報", "3B")}})
		require.Equal(t, domain.RiskHigh, outGetVendor(e, a.ID).RiskTier)
		require.Equal(t, "2026-10-01", high.NextConfirmationDue.String())
		require.Equal(t, "2026-10-01", outGetContract(e, low.ID).NextConfirmationDue.String(), "the tier is the vendor's: its other contract follows")
		require.Equal(t, "derive_due_dates", outActions(e, low.ID)[len(outActions(e, low.ID))-1],
			"the other contract's moved dates are audited on it")
		var moved struct {
			Items []domain.AuditEvent `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/audit-events?entity_type=contract&entity_id="+low.ID, e.admin, nil).Decode(t, &moved)
		last := moved.Items[len(moved.Items)-1]
		require.Equal(t, "the vendor's risk tier is now high", last.Reason)
		require.Contains(t, string(last.Before), `"next_confirmation_due":"2027-03-01"`)
		require.Contains(t, string(last.After), `"next_confirmation_due":"2026-10-01"`)
		require.NotContains(t, outActions(e, high.ID), "derive_due_dates", "the activated contract's own event records its dates")

		// Terminating it brings the tier and the dates back, and drops its
		// scheduled confirmation.
		var dropped domain.Confirmation
		e.must(http.StatusCreated, "POST", "/v1/confirmations", e.admin, map[string]any{"contract_id": high.ID}).Decode(t, &dropped)
		var ended domain.Contract
		e.must(http.StatusOK, "POST", "/v1/contracts/"+high.ID+"/terminate", e.admin, map[string]any{"reason": "業務を内製化するため"}).Decode(t, &ended)
		require.Equal(t, domain.ContractTerminated, ended.Status)
		require.Equal(t, "業務を内製化するため", ended.TerminationReason)
		require.True(t, ended.NextConfirmationDue.IsZero(), "an ended contract has no confirmation due")
		require.True(t, ended.RenewalReviewDue.IsZero(), "an ended contract has no renewal review due")
		requireProblem(t, e.do("GET", "/v1/confirmations/"+dropped.ID, e.admin, nil), http.StatusNotFound)
		require.Equal(t, domain.RiskLow, outGetVendor(e, a.ID).RiskTier)
		require.Equal(t, "2027-03-01", outGetContract(e, low.ID).NextConfirmationDue.String())

		// Medium: confidentiality 2 without subcontracting; 12 months, past
		// the end of the one-year term: 30 days before the end.
		b := outApprovedVendor(e, map[string]any{"name": "B 株式会社"})
		medium := outActiveContract(e, b.ID, map[string]any{"information_assets": []any{outAsset("申込情報", "2")}})
		require.Equal(t, domain.RiskMedium, outGetVendor(e, b.ID).RiskTier)
		require.Equal(t, "2027-03-01", medium.NextConfirmationDue.String())

		// High: confidentiality 2 with subcontracting; the only active contract.
		c := outApprovedVendor(e, map[string]any{"name": "C 株式会社"})
		sub := outActiveContract(e, c.ID, map[string]any{"start_date": "2026-01-31", "subcontracting_allowed": true,
			"subcontractors": []string{"下請システム株式会社"}, "information_assets": []any{outAsset("申込情報", "2")}})
		require.Equal(t, domain.RiskHigh, outGetVendor(e, c.ID).RiskTier)
		require.Equal(t, "2026-07-31", sub.NextConfirmationDue.String())
		require.Equal(t, []string{"下請システム株式会社"}, sub.Subcontractors)
		e.must(http.StatusOK, "POST", "/v1/contracts/"+sub.ID+"/terminate", e.admin, map[string]any{"reason": "契約解除"})
		require.Equal(t, domain.RiskUnassessed, outGetVendor(e, c.ID).RiskTier, "no active contract: unassessed, not low")
		require.Equal(t, []string{"create", "record_selection", "approve", "derive_risk_tier", "derive_risk_tier"}, outActions(e, c.ID))

		// Clients cannot write the tier.
		p := requireProblem(t, e.do("PUT", "/v1/vendors/"+b.ID, e.admin,
			outVendorBody(e.person.ID, map[string]any{"name": "B 株式会社", "risk_tier": "low"})), http.StatusUnprocessableEntity)
		require.Equal(t, []string{"body.risk_tier"}, problemLocations(p))
		require.Equal(t, domain.RiskMedium, outGetVendor(e, b.ID).RiskTier)
	})
}

func TestOutsourcingSettings(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		viewer := e.token(domain.RoleViewer)
		editor := e.token(domain.RoleEditor)

		r := e.must(http.StatusOK, "GET", "/v1/settings", viewer, nil)
		var st domain.Settings
		r.Decode(t, &st)
		require.Equal(t, domain.TierIntervals{High: 6, Medium: 12, Low: 24}, st.ConfirmationIntervalMonths)
		require.Equal(t, 60, st.RenewalReviewLeadDays)
		tag := r.Header.Get("ETag")
		require.NotEmpty(t, tag)

		medium := outActiveContract(e, outApprovedVendor(e, map[string]any{"name": "中リスク株式会社"}).ID,
			map[string]any{"information_assets": []any{outAsset("申込情報", "2")}})
		low := outActiveContract(e, outApprovedVendor(e, map[string]any{"name": "低リスク株式会社"}).ID, nil)
		require.Equal(t, "2027-03-01", medium.NextConfirmationDue.String())
		require.Equal(t, "2027-03-01", low.NextConfirmationDue.String())

		changed := st.PolicySettings
		changed.ConfirmationIntervalMonths.Medium = 3
		requireProblem(t, e.do("PUT", "/v1/settings", editor, changed, "If-Match", tag), http.StatusForbidden)
		requireProblem(t, e.do("PUT", "/v1/settings", viewer, changed, "If-Match", tag), http.StatusForbidden)

		r = e.must(http.StatusOK, "PUT", "/v1/settings", e.admin, changed, "If-Match", tag)
		var after domain.Settings
		r.Decode(t, &after)
		require.Equal(t, 3, after.ConfirmationIntervalMonths.Medium)
		require.NotEqual(t, tag, r.Header.Get("ETag"))
		require.Equal(t, "2026-07-01", outGetContract(e, medium.ID).NextConfirmationDue.String(), "recomputed by the settings change")
		require.Equal(t, "2027-03-01", outGetContract(e, low.ID).NextConfirmationDue.String(), "another tier's interval did not change")
		require.Equal(t, "2026-12-28", outGetContract(e, medium.ID).RenewalReviewDue.String())

		// The old ETag is stale now.
		changed.ConfirmationIntervalMonths.Medium = 9
		requireProblem(t, e.do("PUT", "/v1/settings", e.admin, changed, "If-Match", tag), http.StatusPreconditionFailed)
		require.Equal(t, "2026-07-01", outGetContract(e, medium.ID).NextConfirmationDue.String())

		// The review lead moves the renewal review dates the same way.
		lead := after.PolicySettings
		lead.RenewalReviewLeadDays = 30
		e.must(http.StatusOK, "PUT", "/v1/settings", e.admin, lead, "If-Match", r.Header.Get("ETag"))
		require.Equal(t, "2027-01-30", outGetContract(e, medium.ID).RenewalReviewDueNominal.String())
		require.Equal(t, "2027-01-29", outGetContract(e, medium.ID).RenewalReviewDue.String(), "a Saturday: the Friday before")

		// Invalid values: every offending field is listed.
		bad := map[string]any{
			"confirmation_interval_months":   map[string]any{"high": 6, "medium": 0, "low": 24},
			"renewal_review_lead_days":       -1,
			"reminder_lead_days":             []int{30, 7, 1},
			"escalation_delay_days":          7,
			"default_review_interval_months": 12,
		}
		p := requireProblem(t, e.do("PUT", "/v1/settings", e.admin, bad), http.StatusUnprocessableEntity)
		require.ElementsMatch(t, []string{"body.confirmation_interval_months.medium", "body.renewal_review_lead_days"}, problemLocations(p))
		e.must(http.StatusOK, "GET", "/v1/settings", viewer, nil).Decode(t, &st)
		require.Equal(t, 3, st.ConfirmationIntervalMonths.Medium)
		require.Equal(t, 30, st.RenewalReviewLeadDays)

		require.Equal(t, []string{"update", "update"},
			slices.DeleteFunc(outActionsWhere(e, "entity_type=settings", "1"), func(a string) bool { return a != "update" }),
			"one audit event per accepted change, none for the refused ones")
		var events struct {
			Items []domain.AuditEvent `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/audit-events?entity_type=settings&entity_id=1", e.admin, nil).Decode(t, &events)
		var reasons []string
		for _, ev := range events.Items {
			reasons = append(reasons, ev.Reason)
		}
		require.Contains(t, reasons, "due dates of 1 active contracts re-derived; 0 other due dates moved to another business day", "the interval change moved the medium contract only")
	})
}

func TestOutsourcingClauseCatalogue(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		editor := e.token(domain.RoleEditor)
		v := outApprovedVendor(e, nil)
		draft := outCreateContract(e, v.ID, nil)
		outIncludeAll(e, draft.ID)

		const code = "data_kept_in_japan"
		body := map[string]any{"code": code, "title_ja": "データ保管場所の国内限定", "title_en": "Data kept in Japan", "mandatory": true}
		requireProblem(t, e.do("POST", "/v1/clauses", editor, body), http.StatusForbidden)

		var item domain.CatalogueItem
		e.must(http.StatusCreated, "POST", "/v1/clauses", e.admin, body).Decode(t, &item)
		require.Equal(t, code, item.Code)
		require.True(t, item.Mandatory)
		require.Nil(t, item.RetiredAt)

		p := requireProblem(t, e.do("POST", "/v1/clauses", e.admin, body), http.StatusConflict)
		require.Contains(t, outProblemText(p), code)
		p = requireProblem(t, e.do("POST", "/v1/clauses", e.admin, map[string]any{
			"code": "Data-Kept", "title_ja": "x", "title_en": "x", "mandatory": true}), http.StatusUnprocessableEntity)
		require.Equal(t, []string{"body.code"}, problemLocations(p))

		// The existing draft now misses it.
		p = requireProblem(t, e.do("POST", "/v1/contracts/"+draft.ID+"/activate", editor, nil), http.StatusUnprocessableEntity)
		require.Equal(t, []string{"body.clauses." + code}, problemLocations(p))
		require.Equal(t, []string{code}, outGetCoverage(e, draft.ID).MissingMandatory)
		require.Equal(t, []string{draft.ID}, outListIDs(e, "/v1/contracts?missing_clause="+code))

		// Retired, it blocks nothing and leaves the default list.
		requireProblem(t, e.do("POST", "/v1/clauses/"+code+"/retire", editor, nil), http.StatusForbidden)
		e.must(http.StatusOK, "POST", "/v1/clauses/"+code+"/retire", e.admin, nil).Decode(t, &item)
		require.NotNil(t, item.RetiredAt)
		require.NotContains(t, outCatalogueCodes(e, "/v1/clauses", false), code)
		var all struct {
			Items []domain.CatalogueItem `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/clauses?include_retired=true", e.admin, nil).Decode(t, &all)
		require.Equal(t, code, all.Items[len(all.Items)-1].Code, "listed with include_retired=true, at the end")
		require.NotNil(t, all.Items[len(all.Items)-1].RetiredAt)
		requireProblem(t, e.do("POST", "/v1/clauses/"+code+"/retire", e.admin, nil), http.StatusConflict)
		require.Empty(t, outGetCoverage(e, draft.ID).MissingMandatory)
		requireProblem(t, e.do("PUT", "/v1/contracts/"+draft.ID+"/clauses/"+code, editor,
			map[string]any{"status": "included", "article_ref": "第30条"}), http.StatusConflict)

		var active domain.Contract
		e.must(http.StatusOK, "POST", "/v1/contracts/"+draft.ID+"/activate", editor, nil).Decode(t, &active)
		require.Equal(t, domain.ContractActive, active.Status)

		require.Equal(t, []string{"create", "retire"}, outActions(e, "clauses/"+code))
	})
}

func TestOutsourcingFilters(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		// Vendors: A approved and medium, with a certification expiring this
		// year; B a candidate; C approved and high.
		a := outApprovedVendor(e, map[string]any{"name": "株式会社みどり清掃", "kana": "カブシキガイシャミドリセイソウ",
			"certifications": []any{map[string]any{"kind": "iso27001", "number": "IS 123456", "valid_until": "2026-12-31"}}})
		b := outCreateVendor(e, map[string]any{"name": "北部運輸株式会社", "kana": "ホクブウンユカブシキガイシャ",
			"certifications": []any{map[string]any{"kind": "privacy_mark", "number": "10820001", "valid_until": "2099-03-31"}}})
		c := outApprovedVendor(e, map[string]any{"name": "中央データ株式会社", "kana": "チュウオウデータカブシキガイシャ",
			"certifications": []any{map[string]any{"kind": "soc2", "number": "SOC2-2024", "valid_until": "2025-03-31"}}})

		a1 := outActiveContract(e, a.ID, map[string]any{"information_assets": []any{outAsset("申込情報", "2")}})
		a2 := outCreateContract(e, a.ID, map[string]any{"title": "未締結の契約"})
		c1 := outActiveContract(e, c.ID, map[string]any{"end_date": nil, "information_assets": []any{outAsset("課税情報", "3")}})
		require.Equal(t, "2027-03-01", a1.NextConfirmationDue.String())
		require.Equal(t, "2026-12-28", a1.RenewalReviewDue.String())
		require.Equal(t, "2026-10-01", c1.NextConfirmationDue.String())
		require.True(t, c1.RenewalReviewDue.IsZero(), "open-ended: no renewal review")

		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"status=candidate", []string{b.ID}},
			{"status=approved", []string{a.ID, c.ID}},
			{"risk_tier=high", []string{c.ID}},
			{"risk_tier=medium", []string{a.ID}},
			{"risk_tier=low", []string{}},
			{"risk_tier=unassessed", []string{b.ID}},
			{"q=" + url.QueryEscape("ミドリ"), []string{a.ID}},
			{"q=" + url.QueryEscape("ホクブ"), []string{b.ID}},
			{"q=" + url.QueryEscape("中央"), []string{c.ID}},
			{"certification_expiring_before=2027-01-01", []string{a.ID, c.ID}},
			{"certification_expiring_before=2025-03-31", []string{}},
			{"certification_expiring_before=2100-01-01", []string{a.ID, b.ID, c.ID}},
			{"status=approved&risk_tier=medium", []string{a.ID}},
		} {
			require.ElementsMatch(t, tc.want, outListIDs(e, "/v1/vendors?"+tc.query), "vendors?%s", tc.query)
		}
		// An expired certification is shown as expired.
		require.True(t, outGetVendor(e, c.ID).Certifications[0].Expired, "valid until 2025-03-31")
		require.False(t, outGetVendor(e, b.ID).Certifications[0].Expired, "valid until 2099-03-31")

		// Contracts.
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"vendor_id=" + a.ID, []string{a1.ID, a2.ID}},
			{"vendor_id=" + b.ID, []string{}},
			{"status=draft", []string{a2.ID}},
			{"status=active", []string{a1.ID, c1.ID}},
			{"confirmation_due_before=2027-01-01", []string{c1.ID}},
			{"confirmation_due_before=2027-04-02", []string{a1.ID, c1.ID}},
			{"renewal_review_due_before=2027-01-01", []string{a1.ID}},
			{"missing_clause=staff_training", []string{a2.ID}},
			{"status=active&vendor_id=" + a.ID, []string{a1.ID}},
		} {
			require.ElementsMatch(t, tc.want, outListIDs(e, "/v1/contracts?"+tc.query), "contracts?%s", tc.query)
		}
		e.must(http.StatusOK, "PUT", "/v1/contracts/"+a2.ID+"/clauses/staff_training", e.admin, map[string]any{"status": "waived", "waiver_reason": "研修は当方で実施"})
		require.Empty(t, outListIDs(e, "/v1/contracts?missing_clause=staff_training"), "a waiver with a reason covers the clause")
		require.ElementsMatch(t, []string{a2.ID}, outListIDs(e, "/v1/contracts?missing_clause=confidentiality"))

		// Confirmations: one overdue (due in the past), one scheduled.
		var overdue, scheduled domain.Confirmation
		e.must(http.StatusCreated, "POST", "/v1/confirmations", e.admin, map[string]any{"contract_id": c1.ID, "due_date": "2026-06-30"}).Decode(t, &overdue)
		require.Equal(t, domain.ConfirmationOverdue, overdue.Status)
		require.Equal(t, domain.ConfirmationOverdue, outGetConfirmation(e, overdue.ID).Status)
		e.must(http.StatusCreated, "POST", "/v1/confirmations", e.admin,
			map[string]any{"contract_id": a1.ID, "due_date": outAddDays(t, outDaysAgo(0), 30)}).Decode(t, &scheduled)
		require.Equal(t, domain.ConfirmationScheduled, scheduled.Status)
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"status=overdue", []string{overdue.ID}},
			{"status=scheduled", []string{scheduled.ID}},
			{"status=completed", []string{}},
			{"contract_id=" + a1.ID, []string{scheduled.ID}},
			{"contract_id=" + c1.ID, []string{overdue.ID}},
			{"vendor_id=" + c.ID, []string{overdue.ID}},
			{"due_before=2026-07-01", []string{overdue.ID}},
		} {
			require.ElementsMatch(t, tc.want, outListIDs(e, "/v1/confirmations?"+tc.query), "confirmations?%s", tc.query)
		}

		// A malformed date names its parameter.
		for _, tc := range []struct{ path, name string }{
			{"/v1/vendors?certification_expiring_before=2026-13-01", "certification_expiring_before"},
			{"/v1/contracts?confirmation_due_before=tomorrow", "confirmation_due_before"},
			{"/v1/contracts?renewal_review_due_before=2026/12/31", "renewal_review_due_before"},
			{"/v1/confirmations?due_before=31-12-2026", "due_before"},
			{"/v1/corrective-actions?due_before=2026-02-30", "due_before"},
		} {
			p := requireProblem(t, e.do("GET", tc.path, e.admin, nil), http.StatusUnprocessableEntity)
			require.Equal(t, []string{"query." + tc.name}, problemLocations(p), tc.path)
		}
		p := requireProblem(t, e.do("GET", "/v1/contracts?confirmation_due_before=x&renewal_review_due_before=y", e.admin, nil), http.StatusUnprocessableEntity)
		require.ElementsMatch(t, []string{"query.confirmation_due_before", "query.renewal_review_due_before"}, problemLocations(p))
	})
}

func TestOutsourcingConflicts(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner := e.createPerson("委託 担当", "owner@example.lg.jp", nil)
		var v domain.Vendor
		e.must(http.StatusCreated, "POST", "/v1/vendors", e.admin, outVendorBody(owner.ID, nil)).Decode(t, &v)
		e.must(http.StatusOK, "PUT", "/v1/vendors/"+v.ID+"/selection", e.admin,
			outSelection(e.person.ID, outCatalogueCodes(e, "/v1/selection-criteria", false), nil))
		e.must(http.StatusOK, "POST", "/v1/vendors/"+v.ID+"/approve", e.approver(), nil)
		active := outActiveContract(e, v.ID, nil)

		// Delete a vendor with contracts.
		{
			p := requireProblem(t, e.do("DELETE", "/v1/vendors/"+v.ID, e.admin, nil), http.StatusConflict)
			require.Contains(t, outProblemText(p), "contracts")
			outGetVendor(e, v.ID)
			// Without contracts, deleting is fine.
			lone := outCreateVendor(e, map[string]any{"name": "誤登録"})
			e.must(http.StatusNoContent, "DELETE", "/v1/vendors/"+lone.ID, e.admin, nil, "If-Match", `"1"`)
		}

		// Delete an active contract.
		{
			requireProblem(t, e.do("DELETE", "/v1/contracts/"+active.ID, e.admin, nil), http.StatusConflict)
			require.Equal(t, domain.ContractActive, outGetContract(e, active.ID).Status)
			draft := outCreateContract(e, v.ID, map[string]any{"title": "誤登録の契約"})
			e.must(http.StatusNoContent, "DELETE", "/v1/contracts/"+draft.ID, e.admin, nil)
		}

		// A second scheduled confirmation.
		{
			e.must(http.StatusCreated, "POST", "/v1/confirmations", e.admin, map[string]any{"contract_id": active.ID})
			p := requireProblem(t, e.do("POST", "/v1/confirmations", e.admin, map[string]any{"contract_id": active.ID}), http.StatusConflict)
			require.Contains(t, outProblemText(p), "scheduled")
			require.Len(t, outListIDs(e, "/v1/confirmations?contract_id="+active.ID), 1)
		}

		// Terminate a vendor with an active contract.
		{
			p := requireProblem(t, e.do("POST", "/v1/vendors/"+v.ID+"/terminate", e.admin, map[string]any{"reason": "取引終了"}), http.StatusConflict)
			require.Contains(t, outProblemText(p), "active contract")
			require.Equal(t, domain.VendorApproved, outGetVendor(e, v.ID).Status)
		}

		// Activate with a suspended vendor.
		{
			draft := outCreateContract(e, v.ID, map[string]any{"title": "追加契約"})
			outIncludeAll(e, draft.ID)
			e.must(http.StatusOK, "POST", "/v1/vendors/"+v.ID+"/suspend", e.admin, map[string]any{"reason": "情報漏えい事案の調査中"})
			p := requireProblem(t, e.do("POST", "/v1/contracts/"+draft.ID+"/activate", e.admin, nil), http.StatusConflict)
			require.Contains(t, outProblemText(p), "suspended")
			require.Equal(t, domain.ContractDraft, outGetContract(e, draft.ID).Status)
			// Reinstated with a reason, it may be activated.
			e.must(http.StatusOK, "POST", "/v1/vendors/"+v.ID+"/reinstate", e.approver(), map[string]any{"reason": "調査の結果、漏えいはなかった"})
			e.must(http.StatusOK, "POST", "/v1/contracts/"+draft.ID+"/activate", e.admin, nil)
		}

		// Delete a person who owns a vendor.
		{
			p := requireProblem(t, e.do("DELETE", "/v1/people/"+owner.ID, e.admin, nil), http.StatusConflict)
			require.Contains(t, p["detail"], "vendors")
			e.must(http.StatusOK, "GET", "/v1/people/"+owner.ID, e.admin, nil)
		}

		// A terminated vendor takes no new contract.
		{
			other := outCreateVendor(e, map[string]any{"name": "取引終了株式会社"})
			e.must(http.StatusOK, "POST", "/v1/vendors/"+other.ID+"/terminate", e.admin, map[string]any{"reason": "選定せず"})
			requireProblem(t, e.do("POST", "/v1/contracts", e.admin, outContractBody(other.ID, e.person.ID, nil)), http.StatusConflict)
			requireProblem(t, e.do("POST", "/v1/vendors/"+other.ID+"/approve", e.approver(), nil), http.StatusConflict)
		}
	})
}
