package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// Separation of duties (職務の分離) and the dates that are always reached,
// through the API on every test database. The store enforces each rule; the
// API only carries it.

// dutyPerson is a person with an editor token.
type dutyPerson struct {
	domain.Person
	token string
}

func newDutyPerson(e *env, name, email string, roles ...string) dutyPerson {
	e.t.Helper()
	extra := map[string]any{}
	if roles != nil {
		extra["security_roles"] = roles
	}
	p := e.createPerson(name, email, extra)
	return dutyPerson{Person: p, token: outTokenFor(e, p.ID, domain.RoleEditor)}
}

// personBody is the PUT body that keeps p as it is, with changes.
func personBody(p domain.Person, changes map[string]any) map[string]any {
	body := map[string]any{"name": p.Name, "email": p.Email, "department_id": p.DepartmentID, "security_roles": p.SecurityRoles,
		"locale": p.Locale, "employment_type": p.EmploymentType, "active": p.Active}
	if p.SupervisorID != nil {
		body["supervisor_id"] = *p.SupervisorID
	}
	return outMerge(body, changes)
}

func TestDutiesWaiverNeedsASecondPersonWithASecurityRole(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		clerk := newDutyPerson(e, "契約 担当", "clerk@example.lg.jp")
		other := newDutyPerson(e, "別の 担当", "other@example.lg.jp")
		manager := newDutyPerson(e, "情報 課長", "manager@example.lg.jp", "manager")
		v := outApprovedVendor(e, nil)
		c := outCreateContract(e, v.ID, nil)
		outIncludeAll(e, c.ID)

		const code = "incident_publication"
		var cov domain.ClauseCoverage
		e.must(http.StatusOK, "PUT", "/v1/contracts/"+c.ID+"/clauses/"+code, clerk.token,
			map[string]any{"status": "waived", "waiver_reason": "公表は組合の規程による"}).Decode(t, &cov)
		require.Equal(t, domain.ClauseWaived, cov.Status)
		require.True(t, cov.Waiver.Pending)
		require.Equal(t, clerk.ID, cov.Waiver.RequestedBy)
		require.NotNil(t, cov.Waiver.RequestedAt)

		// Until approved, the clause counts as missing and activation says why.
		require.Equal(t, []string{code}, outGetCoverage(e, c.ID).MissingMandatory)
		p := requireProblem(t, e.do("POST", "/v1/contracts/"+c.ID+"/activate", clerk.token, nil), http.StatusUnprocessableEntity)
		require.Equal(t, []string{"body.clauses." + code}, problemLocations(p))
		require.Contains(t, outProblemText(p), "second person")

		// Neither an editor without a security role, nor the requester holding one, may approve.
		requireProblem(t, e.do("POST", "/v1/contracts/"+c.ID+"/clauses/"+code+"/approve-waiver", other.token, nil), http.StatusForbidden)
		requireProblem(t, e.do("POST", "/v1/contracts/"+c.ID+"/clauses/"+code+"/approve-waiver", e.admin, nil), http.StatusForbidden)
		var mine domain.ClauseCoverage
		e.must(http.StatusOK, "PUT", "/v1/contracts/"+c.ID+"/clauses/confidentiality", manager.token,
			map[string]any{"status": "waived", "waiver_reason": "別の覚書で定める"}).Decode(t, &mine)
		p = requireProblem(t, e.do("POST", "/v1/contracts/"+c.ID+"/clauses/confidentiality/approve-waiver", manager.token, nil), http.StatusForbidden)
		require.Contains(t, outProblemText(p), "separation of duties")
		e.must(http.StatusOK, "PUT", "/v1/contracts/"+c.ID+"/clauses/confidentiality", manager.token,
			map[string]any{"status": "included", "article_ref": "第9条"})

		e.must(http.StatusOK, "POST", "/v1/contracts/"+c.ID+"/clauses/"+code+"/approve-waiver", manager.token, nil).Decode(t, &cov)
		require.False(t, cov.Waiver.Pending)
		require.Equal(t, manager.ID, cov.Waiver.ApprovedBy)
		require.Equal(t, clerk.ID, cov.Waiver.RequestedBy)
		require.NotNil(t, cov.Waiver.ApprovedAt)
		require.Empty(t, outGetCoverage(e, c.ID).MissingMandatory)
		requireProblem(t, e.do("POST", "/v1/contracts/"+c.ID+"/clauses/"+code+"/approve-waiver", manager.token, nil), http.StatusConflict)

		// The audit trail names who asked and who approved.
		var events struct {
			Items []domain.AuditEvent `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/audit-events?entity_type=contract&entity_id="+c.ID, e.admin, nil).Decode(t, &events)
		var asked, approved *domain.AuditEvent
		for i, ev := range events.Items {
			if ev.Action == "set_clause" && ev.ActorID != nil && *ev.ActorID == clerk.ID {
				asked = &events.Items[i]
			}
			if ev.Action == "approve_waiver" {
				approved = &events.Items[i]
			}
		}
		require.NotNil(t, asked, "the request is audited with its person")
		require.Contains(t, asked.Reason, "waiting for approval")
		require.NotNil(t, approved)
		require.Equal(t, manager.ID, *approved.ActorID)
		require.Contains(t, approved.Reason, clerk.ID)

		e.must(http.StatusOK, "POST", "/v1/contracts/"+c.ID+"/activate", clerk.token, nil)
	})
}

func TestDutiesActiveContractsHoldTheGate(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		manager := newDutyPerson(e, "情報 課長", "manager@example.lg.jp", "manager")
		c := outActiveContract(e, outApprovedVendor(e, nil).ID, nil)

		// Back to missing: refused, and nothing changed.
		p := requireProblem(t, e.do("PUT", "/v1/contracts/"+c.ID+"/clauses/staff_training", e.admin, map[string]any{"status": "missing"}), http.StatusConflict)
		require.Contains(t, outProblemText(p), "amend")
		require.Contains(t, outProblemText(p), "terminate")
		require.Equal(t, domain.ClauseIncluded, outGetCoverage(e, c.ID).item(t, "staff_training").Status)
		require.Equal(t, c.Version, outGetContract(e, c.ID).Version, "a refused change leaves no trace")

		// An amendment: the waiver waits beside the included clause, then replaces it.
		var cov domain.ClauseCoverage
		e.must(http.StatusOK, "PUT", "/v1/contracts/"+c.ID+"/clauses/staff_training", e.admin,
			map[string]any{"status": "waived", "waiver_reason": "研修は組合が実施する"}).Decode(t, &cov)
		require.Equal(t, domain.ClauseIncluded, cov.Status)
		require.NotEmpty(t, cov.ArticleRef)
		require.True(t, cov.Amendment.Pending)
		require.Empty(t, outGetCoverage(e, c.ID).MissingMandatory)
		cov = domain.ClauseCoverage{}
		e.must(http.StatusOK, "POST", "/v1/contracts/"+c.ID+"/clauses/staff_training/approve-waiver", manager.token, nil).Decode(t, &cov)
		require.Equal(t, domain.ClauseWaived, cov.Status)
		require.Equal(t, "研修は組合が実施する", cov.WaiverReason)
		require.Nil(t, cov.Amendment)
		require.Equal(t, manager.ID, cov.Waiver.ApprovedBy)

		// Withdrawing the approved waiver, or replacing it by an unapproved one, is refused.
		requireProblem(t, e.do("PUT", "/v1/contracts/"+c.ID+"/clauses/staff_training", e.admin, map[string]any{"status": "missing"}), http.StatusConflict)
		e.must(http.StatusOK, "PUT", "/v1/contracts/"+c.ID+"/clauses/staff_training", e.admin,
			map[string]any{"status": "waived", "waiver_reason": "理由を改めた"}).Decode(t, &cov)
		require.Equal(t, domain.ClauseWaived, cov.Status)
		require.Equal(t, "研修は組合が実施する", cov.WaiverReason, "the approved waiver stays in force")
		require.Equal(t, "理由を改めた", cov.Amendment.Reason)
		require.True(t, cov.Amendment.Pending)
		require.False(t, cov.Waiver.Pending, "the waiver in force keeps its approval")
		require.Empty(t, outGetCoverage(e, c.ID).MissingMandatory)
		// Including it again is always fine.
		e.must(http.StatusOK, "PUT", "/v1/contracts/"+c.ID+"/clauses/staff_training", e.admin, map[string]any{"status": "included", "article_ref": "第20条"})
		require.Empty(t, outGetCoverage(e, c.ID).MissingMandatory)
	})
}

func TestDutiesVendorApproval(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		buyer := newDutyPerson(e, "調達 担当", "buyer@example.lg.jp", "manager")
		clerk := newDutyPerson(e, "一般 職員", "clerk@example.lg.jp")
		manager := newDutyPerson(e, "情報 課長", "manager@example.lg.jp", "manager")
		v := outCreateVendor(e, nil)
		criteria := outCatalogueCodes(e, "/v1/selection-criteria", false)
		e.must(http.StatusOK, "PUT", "/v1/vendors/"+v.ID+"/selection", buyer.token, outSelection(buyer.ID, criteria, nil))

		p := requireProblem(t, e.do("POST", "/v1/vendors/"+v.ID+"/approve", buyer.token, nil), http.StatusForbidden)
		require.Contains(t, outProblemText(p), "recorded the selection")
		p = requireProblem(t, e.do("POST", "/v1/vendors/"+v.ID+"/approve", clerk.token, nil), http.StatusForbidden)
		require.Contains(t, outProblemText(p), "security role")
		requireProblem(t, e.do("POST", "/v1/vendors/"+v.ID+"/approve", e.admin, nil), http.StatusForbidden)
		require.Equal(t, domain.VendorCandidate, outGetVendor(e, v.ID).Status)

		e.must(http.StatusOK, "POST", "/v1/vendors/"+v.ID+"/approve", manager.token, nil).Decode(t, &v)
		require.Equal(t, domain.VendorApproved, v.Status)
		require.Equal(t, manager.ID, v.ApprovedBy)
		require.NotNil(t, v.SelectionRecordedAt)

		// Suspended: back only with a new selection record or an explicit reason.
		e.must(http.StatusOK, "POST", "/v1/vendors/"+v.ID+"/suspend", e.admin, map[string]any{"reason": "報告遅延の調査"})
		p = requireProblem(t, e.do("POST", "/v1/vendors/"+v.ID+"/approve", manager.token, nil), http.StatusUnprocessableEntity)
		require.Equal(t, []string{"body.reason"}, problemLocations(p))
		requireProblem(t, e.do("POST", "/v1/vendors/"+v.ID+"/reinstate", buyer.token, map[string]any{"reason": "改善報告を受領"}), http.StatusForbidden)
		e.must(http.StatusOK, "POST", "/v1/vendors/"+v.ID+"/reinstate", manager.token, map[string]any{"reason": "改善報告を受領し確認した"}).Decode(t, &v)
		require.Equal(t, domain.VendorApproved, v.Status)
		require.Equal(t, "改善報告を受領し確認した", v.StatusReason)

		e.must(http.StatusOK, "POST", "/v1/vendors/"+v.ID+"/suspend", e.admin, map[string]any{"reason": "再調査"})
		e.must(http.StatusOK, "PUT", "/v1/vendors/"+v.ID+"/selection", clerk.token, outSelection(clerk.ID, criteria, nil))
		e.must(http.StatusOK, "POST", "/v1/vendors/"+v.ID+"/approve", buyer.token, nil).Decode(t, &v)
		require.Equal(t, domain.VendorApproved, v.Status, "a new selection by someone else lets the former selector approve")
		require.Contains(t, v.StatusReason, "new selection")
		require.Contains(t, outActions(e, v.ID), "reinstate")
		requireProblem(t, e.do("POST", "/v1/vendors/"+outCreateVendor(e, map[string]any{"name": "別"}).ID+"/reinstate", manager.token,
			map[string]any{"reason": "x"}), http.StatusConflict)
	})
}

func TestDutiesPeopleFieldsThatSteerSecurity(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		editor := newDutyPerson(e, "庶務 担当", "editor@example.lg.jp")
		ciso := e.createPerson("最高 責任者", "ciso@example.lg.jp", map[string]any{"security_roles": []string{"ciso"}})
		clerk := e.createPerson("一般 職員", "clerk@example.lg.jp", nil)
		secondAdmin := e.createPerson("副 管理者", "admin2@example.lg.jp", nil)
		outTokenFor(e, secondAdmin.ID, domain.RoleAdmin)

		for field, value := range map[string]any{"active": false, "email": "ciso-new@example.lg.jp", "supervisor_id": clerk.ID, "security_roles": []string{}} {
			p := requireProblem(t, e.do("PUT", "/v1/people/"+ciso.ID, editor.token, personBody(ciso, map[string]any{field: value})), http.StatusForbidden)
			require.Contains(t, outProblemText(p), "only an admin", field)
		}
		// A name is not a steering field; an admin's steering fields are the admin's to change.
		e.must(http.StatusOK, "PUT", "/v1/people/"+ciso.ID, editor.token, personBody(ciso, map[string]any{"name": "最高 情報責任者"}))
		p := requireProblem(t, e.do("PUT", "/v1/people/"+secondAdmin.ID, editor.token, personBody(secondAdmin, map[string]any{"email": "a@example.lg.jp"})), http.StatusForbidden)
		require.Contains(t, outProblemText(p), "admin token")
		// An ordinary person's fields stay an editor's to keep.
		e.must(http.StatusOK, "PUT", "/v1/people/"+clerk.ID, editor.token, personBody(clerk, map[string]any{"email": "clerk2@example.lg.jp"}))
		e.must(http.StatusOK, "PUT", "/v1/people/"+ciso.ID, e.admin, personBody(ciso, map[string]any{"name": "最高 情報責任者", "email": "ciso-new@example.lg.jp"}))

		// The last active administrator cannot be set inactive, whoever asks.
		e.must(http.StatusOK, "PUT", "/v1/people/"+secondAdmin.ID, e.admin, personBody(secondAdmin, map[string]any{"active": false}))
		first := e.person
		var me domain.Person
		e.must(http.StatusOK, "GET", "/v1/people/"+first.ID, e.admin, nil).Decode(t, &me)
		p = requireProblem(t, e.do("PUT", "/v1/people/"+me.ID, e.admin, personBody(me, map[string]any{"active": false})), http.StatusConflict)
		require.Contains(t, outProblemText(p), "last active administrator")
		e.must(http.StatusOK, "GET", "/v1/me", e.admin, nil)
	})
}

func TestDutiesRiskAcceptanceHasAnEnd(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		supervisor := newDutyPerson(e, "統括 責任者", "supervisor@example.lg.jp", "supervisor")
		c := outActiveContract(e, outApprovedVendor(e, nil).ID, nil)
		var conf domain.Confirmation
		e.must(http.StatusCreated, "POST", "/v1/confirmations", e.admin, map[string]any{"contract_id": c.ID, "due_date": outDaysAgo(-10)}).Decode(t, &conf)
		// Two findings: one owned by the supervisor, one by the administrator.
		e.must(http.StatusOK, "POST", "/v1/confirmations/"+conf.ID+"/complete", e.admin, map[string]any{
			"performed_by": e.person.ID, "performed_on": outDaysAgo(0),
			"results": outAnswers(conf.Checklist, map[string]map[string]any{
				"staff_training":  {"result": "finding", "note": "研修未実施", "severity": "low", "action_due_date": outDaysAgo(-30)},
				"confidentiality": {"result": "finding", "note": "誓約書未提出", "severity": "low", "action_due_date": outDaysAgo(-30), "action_owner_id": supervisor.ID},
			}),
		})
		var actions struct {
			Items []domain.CorrectiveAction `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/corrective-actions?contract_id="+c.ID, e.admin, nil).Decode(t, &actions)
		require.Len(t, actions.Items, 2)
		var mine, theirs domain.CorrectiveAction
		for _, a := range actions.Items {
			if a.OwnerID == supervisor.ID {
				mine = a
			} else {
				theirs = a
			}
		}

		p := requireProblem(t, e.do("POST", "/v1/corrective-actions/"+mine.ID+"/accept-risk", supervisor.token, map[string]any{"resolution": "軽微"}), http.StatusForbidden)
		require.Contains(t, outProblemText(p), "separation of duties", "nobody accepts the risk of an action they own")
		p = requireProblem(t, e.do("POST", "/v1/corrective-actions/"+theirs.ID+"/accept-risk", supervisor.token,
			map[string]any{"resolution": "軽微", "accepted_until": outDaysAgo(-400)}), http.StatusUnprocessableEntity)
		require.Equal(t, []string{"body.accepted_until"}, problemLocations(p))

		var accepted domain.CorrectiveAction
		e.must(http.StatusOK, "POST", "/v1/corrective-actions/"+theirs.ID+"/accept-risk", supervisor.token,
			map[string]any{"resolution": "次期契約で是正させる"}).Decode(t, &accepted)
		require.Equal(t, domain.ActionRiskAccepted, accepted.Status)
		require.Equal(t, supervisor.ID, accepted.ClosedBy)
		require.Equal(t, "次期契約で是正させる", accepted.Resolution)
		require.Equal(t, outAddMonths(t, outDaysAgo(0), 12), accepted.AcceptedUntil.String(), "12 months by default (risk_acceptance_months)")
	})
}

func TestDutiesContractDates(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		v := outApprovedVendor(e, nil)

		// A notice period longer than the term, or one that puts the renewal review before the start, is a 422.
		for _, body := range []map[string]any{
			{"start_date": "2026-04-01", "end_date": "2026-06-30", "notice_period_days": 120},
			{"start_date": "2026-04-01", "end_date": "2026-07-31", "notice_period_days": 90},
		} {
			p := requireProblem(t, e.do("POST", "/v1/contracts", e.admin, outContractBody(v.ID, e.person.ID, body)), http.StatusUnprocessableEntity)
			require.Equal(t, []string{"body.notice_period_days"}, problemLocations(p), "%v", body)
		}

		// A contract whose end date has passed cannot be activated.
		ended := outCreateContract(e, v.ID, map[string]any{"start_date": "2025-04-01", "end_date": "2026-03-31", "notice_period_days": 0})
		outIncludeAll(e, ended.ID)
		p := requireProblem(t, e.do("POST", "/v1/contracts/"+ended.ID+"/activate", e.admin, nil), http.StatusConflict)
		require.Contains(t, outProblemText(p), "ended")

		// A one-year contract is confirmed before it ends, whatever the tier.
		for _, confidentiality := range []string{"1", "2", "3"} {
			c := outActiveContract(e, outApprovedVendor(e, map[string]any{"name": "単年度 " + confidentiality}).ID,
				map[string]any{"information_assets": []any{outAsset("情報", confidentiality)}})
			require.False(t, c.NextConfirmationDue.After(c.EndDate), "confidentiality %s: %s", confidentiality, c.NextConfirmationDue)
			require.False(t, c.NextConfirmationDue.IsZero())
		}

		// An auto-renewing contract carries its renewal term.
		c := outCreateContract(e, v.ID, map[string]any{"auto_renew": true})
		require.Equal(t, 12, c.RenewalTermMonths, "12 months by default")
		c = outCreateContract(e, v.ID, map[string]any{"auto_renew": true, "renewal_term_months": 24})
		require.Equal(t, 24, c.RenewalTermMonths)
	})
}

func TestDutiesNobodyApprovesWhatTheyShaped(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		// A vendor: whoever writes the selection record may not approve it,
		// whoever the record names as the selector.
		clerk := newDutyPerson(e, "一般 職員", "clerk@example.lg.jp")
		manager := newDutyPerson(e, "情報 課長", "manager@example.lg.jp", "manager")
		v := outCreateVendor(e, nil)
		e.must(http.StatusOK, "PUT", "/v1/vendors/"+v.ID+"/selection", manager.token,
			outSelection(clerk.ID, outCatalogueCodes(e, "/v1/selection-criteria", false), nil))
		p := requireProblem(t, e.do("POST", "/v1/vendors/"+v.ID+"/approve", manager.token, nil), http.StatusForbidden)
		require.Contains(t, outProblemText(p), "separation of duties")
		e.must(http.StatusOK, "POST", "/v1/vendors/"+v.ID+"/approve", e.approver(), nil)

		// A cloud service: whoever changes a request while it waits may not approve it.
		codes := saTermsCodes(e)
		asker := newDutyPerson(e, "利用 担当", "asker@example.lg.jp")
		firstToken, _ := saSupervisorToken(e)
		secondToken, _ := saSupervisorToken(e)
		var c domain.CloudService
		e.must(http.StatusCreated, "POST", "/v1/cloud-services", asker.token,
			saCloudBody(e, asker.ID, map[string]any{"terms_checks": saAnswers(codes)})).Decode(t, &c)
		e.must(http.StatusOK, "PUT", "/v1/cloud-services/"+c.ID, firstToken,
			saCloudBody(e, asker.ID, map[string]any{"terms_checks": saAnswers(codes), "permitted_uses": []string{"公開資料の送付"}}))
		p = requireProblem(t, e.do("POST", "/v1/cloud-services/"+c.ID+"/approve", firstToken, nil), http.StatusForbidden)
		require.Contains(t, outProblemText(p), "last changed this request")
		e.must(http.StatusOK, "POST", "/v1/cloud-services/"+c.ID+"/approve", secondToken, nil)
	})
}

func TestDutiesNoConfirmationIsDueAfterTheLastOfTheTerm(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := outActiveContract(e, outApprovedVendor(e, nil).ID, nil)
		var conf domain.Confirmation
		e.must(http.StatusCreated, "POST", "/v1/confirmations", e.admin, map[string]any{"contract_id": c.ID}).Decode(t, &conf)
		require.Equal(t, "2027-03-01", conf.DueDate.String(), "30 days before the one-year contract ends")
		e.must(http.StatusOK, "POST", "/v1/confirmations/"+conf.ID+"/complete", e.admin, map[string]any{
			"performed_by": e.person.ID, "performed_on": outDaysAgo(0), "results": outAnswers(conf.Checklist, nil)})
		require.True(t, outGetContract(e, c.ID).NextConfirmationDue.IsZero())
		// Without a date there is nothing to schedule: a 409 that says so, not a 500.
		p := requireProblem(t, e.do("POST", "/v1/confirmations", e.admin, map[string]any{"contract_id": c.ID}), http.StatusConflict)
		require.Contains(t, outProblemText(p), "due_date")
		e.must(http.StatusCreated, "POST", "/v1/confirmations", e.admin, map[string]any{"contract_id": c.ID, "due_date": "2027-03-15"})
	})
}
