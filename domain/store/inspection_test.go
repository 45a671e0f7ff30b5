package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// inspRegister is the register a self-inspection test runs over: two
// departments, each with its information security manager, contracts,
// services and accounts, some of which do not meet the checklist.
type inspRegister struct {
	ctx            context.Context
	admin          *domain.Person
	d1, d2         *domain.Department
	m1, m2, sup    *domain.Person
	c1, c2, c3     *domain.Contract
	overdueConf    *domain.Confirmation
	vendorA        *domain.Vendor
	cs1, cs2, cs3  *domain.CloudService
	sa1, sa2       *domain.SocialAccount
	asM1, asM2     context.Context
	viewerStranger context.Context
}

// inspSeed builds the register of fiscal year 2026, the clock walking from
// 2026-04-01 to 2026-10-01.
func inspSeed(t *testing.T, db *store.DB, clock *outClock) *inspRegister {
	t.Helper()
	r := &inspRegister{}
	clock.Set(outTokyo(t, 2026, time.April, 1, 9, 0, 0))
	r.ctx, r.admin = outSeed(t, db)
	ctx := r.ctx
	var err error
	r.d1, err = db.CreateDepartment(ctx, domain.DepartmentInput{Name: "総務課", NameEn: "General Affairs"})
	require.NoError(t, err)
	r.d2, err = db.CreateDepartment(ctx, domain.DepartmentInput{Name: "環境課", NameEn: "Environment"})
	require.NoError(t, err)
	manager := []domain.SecurityRole{domain.SecurityRoleManager}
	r.m1, err = db.CreatePerson(ctx, domain.PersonInput{Name: "総務 一郎", Email: "m1@example.lg.jp", DepartmentID: r.d1.ID, SecurityRoles: manager})
	require.NoError(t, err)
	r.m2, err = db.CreatePerson(ctx, domain.PersonInput{Name: "環境 二郎", Email: "m2@example.lg.jp", DepartmentID: r.d2.ID, SecurityRoles: manager})
	require.NoError(t, err)
	r.sup, err = db.CreatePerson(ctx, domain.PersonInput{Name: "統括 三郎", Email: "s@example.lg.jp", DepartmentID: r.admin.DepartmentID,
		SecurityRoles: []domain.SecurityRole{domain.SecurityRoleSupervisor}})
	require.NoError(t, err)
	stranger, err := db.CreatePerson(ctx, domain.PersonInput{Name: "閲覧 四郎", Email: "v@example.lg.jp", DepartmentID: r.d2.ID})
	require.NoError(t, err)
	r.asM1 = domain.WithActor(context.Background(), domain.Actor{PersonID: r.m1.ID, Role: domain.RoleViewer, Name: r.m1.Name})
	r.asM2 = domain.WithActor(context.Background(), domain.Actor{PersonID: r.m2.ID, Role: domain.RoleViewer, Name: r.m2.Name})
	r.viewerStranger = domain.WithActor(context.Background(), domain.Actor{PersonID: stranger.ID, Role: domain.RoleViewer, Name: stranger.Name})
	asSup := domain.WithActor(context.Background(), domain.Actor{PersonID: r.sup.ID, Role: domain.RoleEditor, Name: r.sup.Name})

	// 総務課: vendor A's certification expired on 2026-06-30; contract 1's
	// confirmation was due 2026-07-31 and is overdue; contract 2 waives
	// one clause with an approved waiver.
	r.vendorA = outApprovedVendor(t, ctx, db, r.m1, "株式会社総務システム", []domain.Certification{
		{Kind: domain.CertISO27001, Number: "IS 100", ValidUntil: outDate(t, "2026-06-30")}})
	r.c1 = outActiveContract(t, ctx, db, domain.ContractInput{VendorID: r.vendorA.ID, Title: "文書管理システム保守", OwnerID: r.m1.ID,
		StartDate: outDate(t, "2026-04-01"), EndDate: outDate(t, "2027-03-31"), InformationAssets: outAssets(domain.Confidentiality2)})
	r.overdueConf, err = db.CreateConfirmation(ctx, domain.ConfirmationInput{ContractID: r.c1.ID, DueDate: outDate(t, "2026-07-31")})
	require.NoError(t, err)
	c2, err := db.CreateContract(ctx, domain.ContractInput{VendorID: r.vendorA.ID, Title: "庁内ネットワーク運用", OwnerID: r.m1.ID,
		StartDate: outDate(t, "2026-04-01"), EndDate: outDate(t, "2027-03-31"), InformationAssets: outAssets(domain.Confidentiality2)})
	require.NoError(t, err)
	clauses, err := db.ListCatalogueItems(ctx, domain.CatalogueClauses, false)
	require.NoError(t, err)
	for _, cl := range clauses {
		in := domain.ClauseCoverageInput{Status: domain.ClauseIncluded, ArticleRef: "第1条"}
		if cl.Code == "service_level_guarantee" {
			in = domain.ClauseCoverageInput{Status: domain.ClauseWaived, WaiverReason: "SLAは別途覚書で定める"}
		}
		_, err := db.SetContractClause(ctx, c2.ID, cl.Code, in)
		require.NoError(t, err)
	}
	_, err = db.ApproveClauseWaiver(outApprover(t, ctx, db), c2.ID, "service_level_guarantee")
	require.NoError(t, err)
	r.c2, err = db.ActivateContract(ctx, c2.ID, nil)
	require.NoError(t, err)
	_, err = db.CreateConfirmation(ctx, domain.ConfirmationInput{ContractID: r.c2.ID, DueDate: outDate(t, "2026-12-01")})
	require.NoError(t, err)

	// 環境課: everything in order; contract 3's confirmation was done.
	vendorB := outApprovedVendor(t, ctx, db, r.m2, "環境サービス株式会社", []domain.Certification{
		{Kind: domain.CertISO27001, Number: "IS 200", ValidUntil: outDate(t, "2027-09-30")}})
	r.c3 = outActiveContract(t, ctx, db, domain.ContractInput{VendorID: vendorB.ID, Title: "収集運搬業務委託", OwnerID: r.m2.ID,
		StartDate: outDate(t, "2026-04-01"), EndDate: outDate(t, "2027-03-31"), InformationAssets: outAssets(domain.Confidentiality2)})
	conf3, err := db.CreateConfirmation(ctx, domain.ConfirmationInput{ContractID: r.c3.ID, DueDate: outDate(t, "2026-09-01")})
	require.NoError(t, err)

	// Services under standard terms: cs1 (総務課) reviewed every 3 months,
	// so overdue by October; cs2 (環境課) reviewed in September; cs3
	// (環境課) asks to handle confidentiality 2 information.
	checks, err := db.ListCatalogueItems(ctx, domain.CatalogueTermsChecks, false)
	require.NoError(t, err)
	service := func(name, dept string, months int, assets []domain.InformationAsset, approve bool) *domain.CloudService {
		in := domain.CloudServiceInput{Name: name, Provider: "Example Cloud株式会社", TermsURL: "https://example.com/terms", TermsVersion: "1",
			ResponsiblePersonID: r.admin.ID, DepartmentID: dept, ReviewIntervalMonths: months, InformationAssets: assets}
		for _, ch := range checks {
			in.TermsChecks = append(in.TermsChecks, domain.TermsCheck{Code: ch.Code, Answer: domain.TermsOK})
		}
		cs, err := db.CreateCloudService(ctx, in)
		require.NoError(t, err)
		if approve {
			cs, err = db.ApproveCloudService(asSup, cs.ID, nil)
			require.NoError(t, err)
		}
		return cs
	}
	r.cs1 = service("ファイル転送便", r.d1.ID, 3, outAssets(domain.Confidentiality1), true)
	r.cs2 = service("Web会議", r.d2.ID, 12, outAssets(domain.Confidentiality1), true)
	r.cs3 = service("共有ストレージ", r.d2.ID, 12, outAssets(domain.Confidentiality1), false)
	// The register refuses confidentiality 2 on such a service now; a row
	// written before the rule (or imported) still says so, and the
	// inspection is there to find it.
	assets, err := json.Marshal(outAssets(domain.Confidentiality2))
	require.NoError(t, err)
	_, err = db.SQL().ExecContext(ctx, "UPDATE cloud_services SET information_assets = '"+string(assets)+"' WHERE id = '"+r.cs3.ID+"'")
	require.NoError(t, err)

	account := func(handle, dept string, months int) *domain.SocialAccount {
		a, err := db.CreateSocialAccount(ctx, domain.SocialAccountInput{Platform: domain.PlatformX, Handle: handle, Purpose: "お知らせ",
			DepartmentID: dept, ResponsiblePersonID: r.admin.ID, ReviewIntervalMonths: months,
			OperatingProcedure: domain.OperatingProcedure{DocumentRef: "広報-SNS-001", ApprovedOn: outDate(t, "2026-04-01")}})
		require.NoError(t, err)
		return a
	}
	r.sa1 = account("soumu_info", r.d1.ID, 3)
	r.sa2 = account("kankyo_info", r.d2.ID, 6)

	clock.Set(outTokyo(t, 2026, time.September, 1, 9, 0, 0))
	in := domain.ConfirmationCompletion{PerformedBy: r.m2.ID, PerformedOn: outDate(t, "2026-08-25")}
	for _, it := range conf3.Checklist {
		in.Results = append(in.Results, domain.ItemResultInput{Code: it.Code, Result: domain.ItemOK})
	}
	_, err = db.CompleteConfirmation(ctx, conf3.ID, nil, in)
	require.NoError(t, err)
	for st, id := range map[domain.ReviewSubjectType]string{domain.ReviewCloudService: r.cs2.ID, domain.ReviewSocialAccount: r.sa2.ID} {
		_, err = db.CreateReview(ctx, domain.ReviewInput{SubjectType: st, SubjectID: id, Outcome: domain.OutcomeContinue,
			ReviewerID: r.m2.ID, ReviewedOn: outDate(t, "2026-09-01"), Notes: "継続"})
		require.NoError(t, err)
	}
	clock.Set(outTokyo(t, 2026, time.October, 1, 9, 0, 0))
	return r
}

func inspAnswers(t *testing.T, db *store.DB, ctx context.Context, assignmentID string) map[string]*domain.InspectionAnswer {
	t.Helper()
	as, err := db.FindInspectionAssignment(ctx, assignmentID)
	require.NoError(t, err)
	out := map[string]*domain.InspectionAnswer{}
	for _, a := range as.Answers {
		out[a.ItemCode] = a
	}
	return out
}

func suggestions(answers map[string]*domain.InspectionAnswer) map[string]domain.AnswerValue {
	out := map[string]domain.AnswerValue{}
	for code, a := range answers {
		if a.Prefill != nil {
			out[code] = a.Prefill.SuggestedAnswer
		}
	}
	return out
}

// TestSelfInspectionCampaignReport runs a self-inspection for fiscal year
// 2026 over a seeded register and checks the pre-fills, the answers, the
// corrective actions, the reminders and the report's figures against the
// data.
func TestSelfInspectionCampaignReport(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		r := inspSeed(t, db, clock)
		ctx := r.ctx

		items, err := db.ListCatalogueItems(ctx, domain.CatalogueInspectionChecklist, false)
		require.NoError(t, err)
		require.Len(t, items, 10, "the seeded checklist")

		// Incidents: two detected in fiscal year 2026, one the year before.
		for _, inc := range []struct {
			at       time.Time
			severity string
		}{
			{outTokyo(t, 2026, time.June, 1, 10, 0, 0), "high"},
			{outTokyo(t, 2026, time.September, 30, 23, 0, 0), "low"},
			{outTokyo(t, 2026, time.March, 31, 23, 59, 0), "medium"},
		} {
			_, err := db.CreateIncident(ctx, domain.IncidentInput{Title: "不審なログイン", Description: "委託先の保守用サーバに不審なログインがあった。",
				DetectedAt: inc.at, ReportedBy: domain.ReportedByStaff, ReporterID: r.m1.ID, Severity: inc.severity,
				Records: []domain.IncidentRecord{{Type: domain.RecordContract, ID: r.c1.ID}}, OwnerID: r.m1.ID})
			require.NoError(t, err)
		}

		c, err := db.CreateInspectionCampaign(ctx, domain.InspectionCampaignInput{FiscalYear: 2026, Title: "令和8年度 情報セキュリティ自己点検",
			DueDate: outDate(t, "2026-10-31"), DepartmentIDs: []string{r.d1.ID, r.d2.ID}})
		require.NoError(t, err)
		require.Equal(t, domain.CampaignOpen, c.Status)
		require.Equal(t, outDate(t, "2026-10-30"), c.DueDate, "10-31 is a Saturday: the Friday before")
		require.Len(t, c.ItemCodes, 10, "every live item by default")
		require.Len(t, c.Assignees, 2, "each department's manager")
		byPerson := map[string]domain.InspectionAssignee{}
		for _, a := range c.Assignees {
			byPerson[a.PersonID] = a
			require.Equal(t, 10, a.Items)
			require.Zero(t, a.Answered)
		}
		a1, a2 := byPerson[r.m1.ID], byPerson[r.m2.ID]
		require.Equal(t, r.d1.ID, a1.DepartmentID)
		require.Equal(t, r.d2.ID, a2.DepartmentID)

		// The pre-fills: what the register says of each department.
		ans1 := inspAnswers(t, db, r.asM1, a1.ID)
		require.Equal(t, map[string]domain.AnswerValue{
			domain.InspContractClausesCovered:          domain.AnswerCompliant,
			domain.InspConfirmationsOnTime:             domain.AnswerNotCompliant,
			domain.InspCorrectiveActionsFollowed:       domain.AnswerNotApplicable,
			domain.InspVendorCertificationsValid:       domain.AnswerNotCompliant,
			domain.InspCloudReviewed:                   domain.AnswerNotCompliant,
			domain.InspCloudNoConfidential:             domain.AnswerCompliant,
			domain.InspSocialOneResponsibleAndProcedur: domain.AnswerCompliant,
			domain.InspSocialReviewed:                  domain.AnswerNotCompliant,
		}, suggestions(ans1))
		require.Nil(t, ans1[domain.InspStaffTraining].Prefill, "judgement items have no pre-fill")
		conf := ans1[domain.InspConfirmationsOnTime].Prefill
		require.Equal(t, 2, conf.Checked)
		require.Len(t, conf.Records, 1)
		require.Equal(t, r.overdueConf.ID, conf.Records[0].ID)
		require.Equal(t, "/confirmations/"+r.overdueConf.ID, conf.Records[0].Path)
		require.Contains(t, conf.Summary, "台帳から事前入力（2026年10月1日（木）時点）")
		require.Contains(t, conf.Summary, "2件中1件")
		require.Equal(t, r.vendorA.ID, ans1[domain.InspVendorCertificationsValid].Prefill.Records[0].ID)
		require.Equal(t, r.cs1.ID, ans1[domain.InspCloudReviewed].Prefill.Records[0].ID)
		require.Equal(t, r.sa1.ID, ans1[domain.InspSocialReviewed].Prefill.Records[0].ID)
		require.Equal(t, 2, ans1[domain.InspContractClausesCovered].Prefill.Checked, "contracts 1 and 2, the waiver approved")

		ans2 := inspAnswers(t, db, r.asM2, a2.ID)
		sug2 := suggestions(ans2)
		require.Equal(t, domain.AnswerNotCompliant, sug2[domain.InspCloudNoConfidential], "cs3 asks for confidentiality 2")
		require.Equal(t, r.cs3.ID, ans2[domain.InspCloudNoConfidential].Prefill.Records[0].ID)
		for _, code := range []string{domain.InspContractClausesCovered, domain.InspConfirmationsOnTime, domain.InspVendorCertificationsValid,
			domain.InspCloudReviewed, domain.InspSocialOneResponsibleAndProcedur, domain.InspSocialReviewed} {
			require.Equal(t, domain.AnswerCompliant, sug2[code], code)
		}

		// Answers: only the assignee (or an editor) answers.
		_, err = db.AnswerInspectionItem(r.viewerStranger, ans1[domain.InspStaffTraining].ID, nil, domain.InspectionAnswerInput{Answer: domain.AnswerCompliant})
		require.Equal(t, domain.EFORBIDDEN, domain.ErrorCodeOf(err))
		// A not_compliant answer needs a note and its action's due date.
		_, err = db.AnswerInspectionItem(r.asM1, ans1[domain.InspConfirmationsOnTime].ID, nil, domain.InspectionAnswerInput{Answer: domain.AnswerNotCompliant})
		require.Equal(t, domain.EINVALID, domain.ErrorCodeOf(err))
		require.ElementsMatch(t, []string{"note", "action.due_date"}, fieldsOf(err))
		// Departing from the register's suggestion needs a note.
		_, err = db.AnswerInspectionItem(r.asM1, ans1[domain.InspVendorCertificationsValid].ID, nil, domain.InspectionAnswerInput{Answer: domain.AnswerCompliant})
		require.Equal(t, []string{"note"}, fieldsOf(err))
		// A stale version.
		stale := 0
		_, err = db.AnswerInspectionItem(r.asM1, ans1[domain.InspStaffTraining].ID, &stale, domain.InspectionAnswerInput{Answer: domain.AnswerCompliant})
		require.Equal(t, domain.ESTALE, domain.ErrorCodeOf(err))

		answer := func(as context.Context, a *domain.InspectionAnswer, v domain.AnswerValue, note string) *domain.InspectionAnswer {
			t.Helper()
			in := domain.InspectionAnswerInput{Answer: v, Note: note}
			if v == domain.AnswerNotCompliant {
				in.Action = &domain.ActionRequest{DueDate: outDate(t, "2027-01-31")}
			}
			got, err := db.AnswerInspectionItem(as, a.ID, &a.Version, in)
			require.NoError(t, err, a.ItemCode)
			return got
		}
		// 総務課: keeps the register's suggestions but one (the
		// certification was renewed on paper), answers training, leaves
		// the incident item unanswered.
		notes := map[string]string{domain.InspConfirmationsOnTime: "文書管理システム保守の確認が遅れている",
			domain.InspCloudReviewed: "ファイル転送便の見直し未実施", domain.InspSocialReviewed: "見直し未実施"}
		actions := map[string]string{}
		for code, a := range ans1 {
			switch {
			case code == domain.InspIncidentProcedureKnown:
				continue
			case code == domain.InspStaffTraining:
				answer(r.asM1, a, domain.AnswerCompliant, "")
			case code == domain.InspVendorCertificationsValid:
				got := answer(r.asM1, a, domain.AnswerCompliant, "更新後の認証書を受領済み（台帳未反映）")
				require.False(t, *got.KeptPrefill)
			default:
				got := answer(r.asM1, a, a.Prefill.SuggestedAnswer, notes[code])
				require.True(t, *got.KeptPrefill)
				require.Equal(t, r.m1.ID, got.AnsweredBy)
				if got.Answer == domain.AnswerNotCompliant {
					require.NotEmpty(t, got.CorrectiveActionID)
					actions[code] = got.CorrectiveActionID
				}
			}
		}
		require.Len(t, actions, 3)
		action, err := db.FindCorrectiveAction(ctx, actions[domain.InspConfirmationsOnTime])
		require.NoError(t, err)
		require.Equal(t, domain.SourceInspectionAnswer, action.Source)
		require.Equal(t, ans1[domain.InspConfirmationsOnTime].ID, action.SourceID)
		require.Equal(t, r.m1.ID, action.OwnerID, "the assignee by default")
		require.Equal(t, outDate(t, "2027-01-29"), action.DueDate, "01-31 is a Sunday: the Friday before")
		require.Equal(t, "文書管理システム保守の確認が遅れている", action.Description)

		// Answering again keeps the action it opened.
		again, err := db.FindInspectionAnswer(ctx, ans1[domain.InspConfirmationsOnTime].ID)
		require.NoError(t, err)
		again, err = db.AnswerInspectionItem(ctx, again.ID, &again.Version, domain.InspectionAnswerInput{Answer: domain.AnswerNotCompliant, Note: "遅延（再確認）"})
		require.NoError(t, err)
		require.Equal(t, actions[domain.InspConfirmationsOnTime], again.CorrectiveActionID)
		require.Equal(t, r.admin.ID, again.AnsweredBy, "an editor or admin may answer for the assignee")

		// 環境課: every suggestion kept, judgement items compliant.
		for code, a := range ans2 {
			v := domain.AnswerCompliant
			if a.Prefill != nil {
				v = a.Prefill.SuggestedAnswer
			}
			note := ""
			if code == domain.InspCloudNoConfidential {
				note = "共有ストレージの申請を取り下げる"
			}
			answer(r.asM2, a, v, note)
		}

		// Reminders: the due date is reminded to the assignee with items
		// unanswered, through the same ledger and scan.
		_, err = db.ScanDue(ctx, outDate(t, "2026-10-01"), nil)
		require.NoError(t, err)
		ledger, err := db.ListReminders(ctx, domain.ReminderFilter{SubjectType: domain.SubjectInspection}, domain.PageRequest{Limit: 50})
		require.NoError(t, err)
		require.Len(t, ledger.Items, 1)
		require.Equal(t, r.m1.ID, ledger.Items[0].RecipientID)
		require.Equal(t, a1.ID, ledger.Items[0].SubjectID)
		require.Equal(t, "/inspection-assignments/"+a1.ID, ledger.Items[0].PagePath())
		require.Equal(t, outDate(t, "2026-10-30"), ledger.Items[0].DueDate)
		work, err := db.MyWork(r.asM1, outDate(t, "2026-10-01"))
		require.NoError(t, err)
		found := false
		for _, it := range work.Items {
			if it.Kind == domain.WorkKind(domain.SubjectInspection) {
				found = true
				require.Equal(t, "/inspection-assignments/"+a1.ID, it.Path)
			}
		}
		require.True(t, found, "the home page lists the unanswered inspection")
		// Answering the last item cancels the queued reminder and takes
		// the item off the home page.
		last := ans1[domain.InspIncidentProcedureKnown]
		answer(r.asM1, last, domain.AnswerCompliant, "")
		ledger, err = db.ListReminders(ctx, domain.ReminderFilter{SubjectType: domain.SubjectInspection}, domain.PageRequest{Limit: 50})
		require.NoError(t, err)
		require.Equal(t, domain.ReminderCancelled, ledger.Items[0].Status)
		work, err = db.MyWork(r.asM1, outDate(t, "2026-10-01"))
		require.NoError(t, err)
		for _, it := range work.Items {
			require.NotEqual(t, domain.WorkKind(domain.SubjectInspection), it.Kind)
		}

		// The report.
		rep, err := db.InspectionReport(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, domain.DefaultBodyName, rep.BodyName)
		require.Equal(t, outDate(t, "2026-10-01"), rep.ReportDate)
		require.Len(t, rep.Coverage, 2)
		cov := map[string]domain.DepartmentCoverage{}
		for _, d := range rep.Coverage {
			cov[d.DepartmentName] = d
		}
		require.Equal(t, domain.DepartmentCoverage{DepartmentID: r.d1.ID, DepartmentName: "総務課", Assignees: 1, Assigned: 10, Answered: 10,
			Compliant: 6, NotCompliant: 3, NotApplicable: 1, KeptPrefill: 7, ChangedPrefill: 1}, cov["総務課"])
		require.Equal(t, domain.DepartmentCoverage{DepartmentID: r.d2.ID, DepartmentName: "環境課", Assignees: 1, Assigned: 10, Answered: 10,
			Compliant: 8, NotCompliant: 1, NotApplicable: 1, KeptPrefill: 8}, cov["環境課"])
		require.Equal(t, 20, rep.Total.Assigned)
		require.Equal(t, 4, rep.Total.NotCompliant)
		require.Len(t, rep.NonCompliance, 4)
		for _, l := range rep.NonCompliance {
			require.Equal(t, "answer", l.Kind)
			require.NotEmpty(t, l.CorrectiveActionID)
			require.Equal(t, domain.ActionOpen, l.ActionStatus)
			require.Equal(t, outDate(t, "2027-01-29"), l.ActionDueDate)
			require.NotEmpty(t, l.ItemTitle)
			require.NotEmpty(t, l.Description)
		}

		f := rep.Figures
		require.Equal(t, outDate(t, "2026-04-01"), f.From)
		require.Equal(t, outDate(t, "2027-03-31"), f.To)
		require.Equal(t, 3, f.Contracts)
		require.Equal(t, 3, f.ContractsActive)
		require.Equal(t, []domain.StatusCount{{Key: "active", Count: 3}}, f.ContractsByStatus)
		// Completing contract 3's confirmation scheduled the next one;
		// count what the register holds.
		confs, err := db.ListConfirmations(ctx, domain.ConfirmationFilter{FiscalYear: 2026}, domain.PageRequest{Limit: 200})
		require.NoError(t, err)
		require.Equal(t, len(confs.Items), f.ConfirmationsDue)
		require.Equal(t, 1, f.ConfirmationsCompleted)
		require.Equal(t, 1, f.ConfirmationsOverdue, "contract 1's of 2026-07-31")
		require.Equal(t, 1, f.Waivers)
		require.Zero(t, f.WaiversPending)
		require.Equal(t, 4, f.CorrectiveActionsOpened)
		require.Equal(t, 4, f.CorrectiveActionsOpen)
		require.Equal(t, 2, f.CloudServicesApproved)
		require.Equal(t, 2, f.CloudServicesInUse)
		require.Equal(t, 1, f.CloudServicesReviewed)
		require.Equal(t, 2, f.SocialAccountsActive)
		require.Equal(t, 1, f.SocialAccountsReviewed)
		require.Equal(t, 2, f.Incidents, "detected in fiscal year 2026")
		require.Equal(t, []domain.StatusCount{{Key: "high", Count: 1}, {Key: "low", Count: 1}}, f.IncidentsBySeverity)

		// Closing: answers no longer change; closing twice is a conflict.
		closed, err := db.CloseInspectionCampaign(ctx, c.ID, nil)
		require.NoError(t, err)
		require.Equal(t, domain.CampaignClosed, closed.Status)
		require.Equal(t, r.admin.ID, closed.ClosedBy)
		_, err = db.CloseInspectionCampaign(ctx, c.ID, nil)
		require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(err))
		_, err = db.AnswerInspectionItem(ctx, last.ID, nil, domain.InspectionAnswerInput{Answer: domain.AnswerNotApplicable, Note: "x"})
		require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(err))

		events, err := db.ListAuditEvents(ctx, domain.AuditFilter{EntityType: "inspection_answer"}, domain.PageRequest{Limit: 200})
		require.NoError(t, err)
		require.Len(t, events.Items, 21, "one per answer given")
	})
}

func fieldsOf(err error) []string {
	var out []string
	var de *domain.Error
	if errors.As(err, &de) {
		for _, f := range de.Fields {
			out = append(out, f.Field)
		}
	}
	return out
}

// TestInspectionCampaignRules: assignments, checklist choice, edits.
func TestInspectionCampaignRules(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		r := inspSeed(t, db, clock)
		ctx := r.ctx
		empty, err := db.CreateDepartment(ctx, domain.DepartmentInput{Name: "議会書記課"})
		require.NoError(t, err)
		_, err = db.CreateInspectionCampaign(ctx, domain.InspectionCampaignInput{FiscalYear: 2026, Title: "t", DueDate: outDate(t, "2026-11-30"),
			DepartmentIDs: []string{empty.ID}, ItemCodes: []string{"nope"}})
		require.Equal(t, domain.EINVALID, domain.ErrorCodeOf(err))
		require.Equal(t, []string{"item_codes[0]"}, fieldsOf(err))
		_, err = db.CreateInspectionCampaign(ctx, domain.InspectionCampaignInput{FiscalYear: 2026, Title: "t", DueDate: outDate(t, "2026-11-30"),
			DepartmentIDs: []string{empty.ID}})
		require.Equal(t, []string{"department_ids[0]"}, fieldsOf(err), "no manager in the department")

		c, err := db.CreateInspectionCampaign(ctx, domain.InspectionCampaignInput{FiscalYear: 2026, Title: "t", DueDate: outDate(t, "2026-11-30"),
			PersonIDs: []string{r.m1.ID}, ItemCodes: []string{domain.InspStaffTraining, domain.InspContractClausesCovered}})
		require.NoError(t, err)
		require.Equal(t, []string{domain.InspContractClausesCovered, domain.InspStaffTraining}, c.ItemCodes, "catalogue order")
		as := inspAnswers(t, db, ctx, c.Assignees[0].ID)
		require.Equal(t, 2, as[domain.InspContractClausesCovered].Prefill.Checked)
		_, err = db.AnswerInspectionItem(r.asM1, as[domain.InspStaffTraining].ID, nil, domain.InspectionAnswerInput{Answer: domain.AnswerCompliant})
		require.NoError(t, err)

		// The register changes while the campaign is open: reading it
		// again refreshes the unanswered items only.
		_, err = db.TerminateContract(ctx, r.c2.ID, nil, "業務終了")
		require.NoError(t, err)
		_, err = db.RefreshInspectionPrefills(r.viewerStranger, c.Assignees[0].ID)
		require.Equal(t, domain.EFORBIDDEN, domain.ErrorCodeOf(err))
		fresh, err := db.RefreshInspectionPrefills(r.asM1, c.Assignees[0].ID)
		require.NoError(t, err)
		for _, a := range fresh.Answers {
			if a.ItemCode == domain.InspContractClausesCovered {
				require.Equal(t, 1, a.Prefill.Checked, "contract 2 is terminated")
				require.Equal(t, 2, a.Version)
			}
		}

		// Adding a person and an item pre-fills their answers; removing an
		// answered item is a conflict.
		in := domain.InspectionCampaignInput{FiscalYear: 2026, Title: "t2", DueDate: outDate(t, "2026-11-30"), PersonIDs: []string{r.m1.ID, r.m2.ID},
			ItemCodes: []string{domain.InspStaffTraining, domain.InspContractClausesCovered, domain.InspSocialReviewed}}
		c, err = db.ReplaceInspectionCampaign(ctx, c.ID, &c.Version, in)
		require.NoError(t, err)
		require.Len(t, c.Assignees, 2)
		for _, a := range c.Assignees {
			require.Equal(t, 3, a.Items)
		}
		in.ItemCodes = []string{domain.InspContractClausesCovered}
		_, err = db.ReplaceInspectionCampaign(ctx, c.ID, &c.Version, in)
		require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(err))
		in.ItemCodes = []string{domain.InspStaffTraining}
		in.PersonIDs = []string{r.m1.ID}
		c, err = db.ReplaceInspectionCampaign(ctx, c.ID, &c.Version, in)
		require.NoError(t, err)
		require.Len(t, c.Assignees, 1)
		require.Equal(t, 1, c.Assignees[0].Items)
		require.Equal(t, 1, c.Assignees[0].Answered)
		require.NotNil(t, c.Assignees[0].CompletedAt, "the one item left is answered")
		stale := 1
		_, err = db.ReplaceInspectionCampaign(ctx, c.ID, &stale, in)
		require.Equal(t, domain.ESTALE, domain.ErrorCodeOf(err))

		page, err := db.ListInspectionCampaigns(ctx, domain.InspectionCampaignFilter{FiscalYear: 2026}, domain.PageRequest{})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		require.Len(t, page.Items[0].Assignees, 1)
	})
}

// TestAuditFindingsAndReport: an audit's findings open corrective actions
// and appear in its report; auditors may record findings, viewers not.
func TestAuditFindingsAndReport(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		r := inspSeed(t, db, clock)
		ctx := r.ctx
		_, err := db.CreateAudit(ctx, domain.AuditInput{FiscalYear: 2026, Title: "内部監査", Scope: "外部委託", StartDate: outDate(t, "2026-10-01")})
		require.Equal(t, []string{"auditor_person_id"}, fieldsOf(err))
		_, err = db.CreateAudit(ctx, domain.AuditInput{FiscalYear: 2026, Title: "内部監査", Scope: "外部委託", AuditorName: "監査法人",
			StartDate: outDate(t, "2026-10-05"), EndDate: outDate(t, "2026-10-01"), Status: domain.AuditCompleted})
		require.Equal(t, []string{"end_date"}, fieldsOf(err))
		a, err := db.CreateAudit(ctx, domain.AuditInput{FiscalYear: 2026, Title: "令和8年度 内部監査", Scope: "外部委託先の管理",
			AuditorPersonID: r.m2.ID, StartDate: outDate(t, "2026-10-01")})
		require.NoError(t, err)
		require.Equal(t, domain.AuditPlanned, a.Status)

		asAuditor := domain.WithActor(context.Background(), domain.Actor{PersonID: r.m2.ID, Role: domain.RoleAuditor, Name: r.m2.Name})
		_, err = db.CreateAuditFinding(r.viewerStranger, a.ID, domain.AuditFindingInput{Description: "x", Severity: domain.SeverityLow})
		require.Equal(t, domain.EFORBIDDEN, domain.ErrorCodeOf(err))
		_, err = db.CreateAuditFinding(asAuditor, a.ID, domain.AuditFindingInput{Description: "x", Severity: domain.SeverityLow,
			SubjectType: domain.FindingContract, SubjectID: r.cs1.ID})
		require.Equal(t, []string{"subject_id"}, fieldsOf(err), "not a contract")
		f1, err := db.CreateAuditFinding(asAuditor, a.ID, domain.AuditFindingInput{Description: "再委託先の確認記録がない", Severity: domain.SeverityHigh,
			SubjectType: domain.FindingContract, SubjectID: r.c1.ID, Action: &domain.ActionRequest{OwnerID: r.m1.ID, DueDate: outDate(t, "2026-12-25")}})
		require.NoError(t, err)
		require.NotEmpty(t, f1.CorrectiveActionID)
		action, err := db.FindCorrectiveAction(ctx, f1.CorrectiveActionID)
		require.NoError(t, err)
		require.Equal(t, domain.SourceAuditFinding, action.Source)
		require.Equal(t, f1.ID, action.SourceID)
		require.Equal(t, r.c1.ID, action.ContractID)
		require.Equal(t, domain.SeverityHigh, action.Severity)
		_, err = db.CreateAuditFinding(ctx, a.ID, domain.AuditFindingInput{Description: "SNS運用手順の版管理が不十分", Severity: domain.SeverityLow})
		require.NoError(t, err)

		a, err = db.ReplaceAudit(ctx, a.ID, &a.Version, domain.AuditInput{FiscalYear: 2026, Title: "令和8年度 内部監査", Scope: "外部委託先の管理",
			AuditorPersonID: r.m2.ID, StartDate: outDate(t, "2026-10-01"), EndDate: outDate(t, "2026-10-02"), Status: domain.AuditCompleted, Summary: "概ね適正"})
		require.NoError(t, err)
		require.Equal(t, 2, a.Findings)

		rep, err := db.AuditReport(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, domain.ReportAudit, rep.Kind)
		require.Equal(t, r.m2.Name, rep.AuditorName)
		require.Len(t, rep.NonCompliance, 2)
		require.Equal(t, "finding", rep.NonCompliance[0].Kind)
		require.Equal(t, domain.ActionOpen, rep.NonCompliance[0].ActionStatus)
		require.Empty(t, rep.NonCompliance[1].CorrectiveActionID)
		require.Empty(t, rep.Coverage)
		require.Equal(t, 3, rep.Figures.Contracts)
		require.Equal(t, 1, rep.Figures.CorrectiveActionsOpened)
	})
}

// TestSeedAddsTheChecklistToAnExistingDatabase: a database seeded before
// the checklist existed gets its items on the next start, and an item an
// administrator retired stays retired.
func TestSeedAddsTheChecklistToAnExistingDatabase(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		ctx, _ := outSeed(t, db)
		_, err := db.SQL().ExecContext(ctx, "DELETE FROM catalogue_items WHERE catalogue = 'inspection_checklist' AND code <> '"+domain.InspStaffTraining+"'")
		require.NoError(t, err)
		_, err = db.RetireCatalogueItem(ctx, domain.CatalogueInspectionChecklist, domain.InspStaffTraining, nil)
		require.NoError(t, err)
		_, err = db.SeedIfEmpty(context.Background())
		require.NoError(t, err)
		live, err := db.ListCatalogueItems(ctx, domain.CatalogueInspectionChecklist, false)
		require.NoError(t, err)
		require.Len(t, live, 9, "the nine missing items are back; the retired one is not revived")
		all, err := db.ListCatalogueItems(ctx, domain.CatalogueInspectionChecklist, true)
		require.NoError(t, err)
		require.Len(t, all, 10)
	})
}

// TestInspectionDueDateEscalates: past the escalation delay, an assignee's
// unanswered inspection is reminded to them and escalated to the
// supervisors (the assignee has no supervisor of their own), through the
// same scan and ledger as every other date; closing the campaign stops it.
func TestInspectionDueDateEscalates(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		r := inspSeed(t, db, clock)
		ctx := r.ctx
		c, err := db.CreateInspectionCampaign(ctx, domain.InspectionCampaignInput{FiscalYear: 2026, Title: "点検", DueDate: outDate(t, "2026-10-30"),
			PersonIDs: []string{r.m1.ID}, ItemCodes: []string{domain.InspStaffTraining}})
		require.NoError(t, err)
		clock.Set(outTokyo(t, 2026, time.November, 6, 9, 0, 0))
		_, err = db.ScanDue(ctx, outDate(t, "2026-11-06"), nil)
		require.NoError(t, err)
		ledger, err := db.ListReminders(ctx, domain.ReminderFilter{SubjectType: domain.SubjectInspection, Stage: domain.StageOverdue}, domain.PageRequest{Limit: 50})
		require.NoError(t, err)
		to := map[string]string{}
		for _, row := range ledger.Items {
			to[row.RecipientID] = row.EscalatedAs
			require.Equal(t, c.Assignees[0].ID, row.SubjectID)
		}
		require.Equal(t, map[string]string{r.m1.ID: "", r.sup.ID: domain.EscalatedAsSupervisor}, to)
		work, err := db.MyWork(domain.WithActor(context.Background(), domain.Actor{PersonID: r.sup.ID, Role: domain.RoleEditor}), outDate(t, "2026-11-06"))
		require.NoError(t, err)
		var kinds []domain.WorkKind
		for _, it := range work.Items {
			if it.Kind == domain.WorkKind(domain.SubjectInspection) {
				kinds = append(kinds, it.Kind)
				require.True(t, it.AsSupervisor)
				require.True(t, it.Overdue)
			}
		}
		require.Len(t, kinds, 1, "the supervisor's home page shows the overdue inspection")

		_, err = db.CloseInspectionCampaign(ctx, c.ID, nil)
		require.NoError(t, err)
		clock.Set(outTokyo(t, 2026, time.November, 20, 9, 0, 0))
		rep, err := db.ScanDue(ctx, outDate(t, "2026-11-20"), nil)
		require.NoError(t, err)
		after, err := db.ListReminders(ctx, domain.ReminderFilter{SubjectType: domain.SubjectInspection}, domain.PageRequest{Limit: 50})
		require.NoError(t, err)
		require.Len(t, after.Items, len(ledger.Items), "a closed campaign is reminded no more (scan: %+v)", rep)
	})
}
