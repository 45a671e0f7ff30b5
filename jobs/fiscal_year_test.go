package jobs_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// TestAFiscalYearOfTheRegister walks fiscal year 2027 (令和9年度, 2027-04-01
// to 2028-03-31) day by day with the injected clock, through the rules of
// Step 1, and asserts every e-mail that arrives:
//   - one-year contracts (単年度契約) of each risk tier, each confirmed before
//     it ends and reviewed before its notice deadline, on business days (the
//     renewal review of 2028-01-01 falls in the year-end closure);
//   - an auto-renewing contract that rolls forward on 2027-10-01;
//   - a clause waiver asked for by the owner and approved by a manager, and
//     vendors approved by a second person, never by who selected them;
//   - a corrective action recorded after its due date, reminded on the next
//     scan, repeated weekly, to the supervisor and then the ciso, until done.
func TestAFiscalYearOfTheRegister(t *testing.T) {
	if testing.Short() {
		t.Skip("walks a whole fiscal year")
	}
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) { walkFiscalYear(t, tg) })
	}
}

func walkFiscalYear(t *testing.T, tg storetest.Target) {
	h := newHarness(t, tg, day("2027-04-01"))
	s := h.person("s", []domain.SecurityRole{domain.SecurityRoleSupervisor}, nil, domain.LocaleJa)
	h.person("k", []domain.SecurityRole{domain.SecurityRoleCISO}, nil, domain.LocaleJa)
	m := h.person("m", []domain.SecurityRole{domain.SecurityRoleManager}, nil, domain.LocaleJa)
	a := h.person("a", nil, s, domain.LocaleJa)
	b := h.person("b", nil, s, domain.LocaleEn)
	asA := domain.WithActor(context.Background(), domain.Actor{PersonID: a.ID, Role: domain.RoleEditor, Name: "a"})
	asM := domain.WithActor(context.Background(), domain.Actor{PersonID: m.ID, Role: domain.RoleEditor, Name: "m"})

	// Separation of duties: a selects a vendor and cannot approve it; m can.
	criteria, err := h.db.ListCatalogueItems(h.ctx, domain.CatalogueSelectionCriteria, false)
	require.NoError(t, err)
	vendor := func(name string) *domain.Vendor {
		v, err := h.db.CreateVendor(asA, domain.VendorInput{Name: name, OwnerID: a.ID})
		require.NoError(t, err)
		rec := domain.SelectionRecord{SelectedBy: a.ID, SelectedOn: day("2027-03-15")}
		for _, c := range criteria {
			rec.Results = append(rec.Results, domain.SelectionResult{Criterion: c.Code, Result: domain.SelectionMet})
		}
		_, err = h.db.RecordSelection(asA, v.ID, nil, rec)
		require.NoError(t, err)
		_, err = h.db.ChangeVendorStatus(asA, v.ID, nil, domain.VendorApproved, "")
		require.Equal(t, domain.EFORBIDDEN, domain.ErrorCodeOf(err), "who selected does not approve: %v", err)
		v, err = h.db.ChangeVendorStatus(asM, v.ID, nil, domain.VendorApproved, "")
		require.NoError(t, err)
		require.Equal(t, m.ID, v.ApprovedBy)
		return v
	}
	clauses, err := h.db.ListCatalogueItems(h.ctx, domain.CatalogueClauses, false)
	require.NoError(t, err)
	contract := func(v *domain.Vendor, title string, owner *domain.Person, ownerCtx context.Context, in domain.ContractInput, waive string) *domain.Contract {
		in.VendorID, in.Title, in.OwnerID = v.ID, title, owner.ID
		c, err := h.db.CreateContract(ownerCtx, in)
		require.NoError(t, err)
		for _, cl := range clauses {
			cov := domain.ClauseCoverageInput{Status: domain.ClauseIncluded, ArticleRef: "第1条"}
			if cl.Code == waive {
				cov = domain.ClauseCoverageInput{Status: domain.ClauseWaived, WaiverReason: "公表は組合の規程による"}
			}
			_, err := h.db.SetContractClause(ownerCtx, c.ID, cl.Code, cov)
			require.NoError(t, err)
		}
		if waive != "" {
			_, err := h.db.ActivateContract(ownerCtx, c.ID, nil)
			require.Equal(t, domain.EINVALID, domain.ErrorCodeOf(err), "a waiver waiting for approval counts as missing: %v", err)
			_, err = h.db.ApproveClauseWaiver(ownerCtx, c.ID, waive)
			require.Equal(t, domain.EFORBIDDEN, domain.ErrorCodeOf(err), "who asked does not approve: %v", err)
			cov, err := h.db.ApproveClauseWaiver(asM, c.ID, waive)
			require.NoError(t, err)
			require.Equal(t, owner.ID, cov.Waiver.RequestedBy)
			require.Equal(t, m.ID, cov.Waiver.ApprovedBy)
		}
		c, err = h.db.ActivateContract(ownerCtx, c.ID, nil)
		require.NoError(t, err)
		return c
	}
	asset := func(c domain.Confidentiality) []domain.InformationAsset {
		return []domain.InformationAsset{{Name: "業務情報", Classification: domain.Classification{Confidentiality: c, Integrity: 1, Availability: 1}}}
	}
	oneYear := domain.ContractInput{StartDate: day("2027-04-01"), EndDate: day("2028-03-31"), NoticePeriodDays: 30}
	withAssets := func(in domain.ContractInput, c domain.Confidentiality) domain.ContractInput {
		in.InformationAssets = asset(c)
		return in
	}
	high := contract(vendor("高リスク株式会社"), "高", a, asA, withAssets(oneYear, domain.Confidentiality3), "incident_publication")
	medium := contract(vendor("中リスク株式会社"), "中", a, asA, withAssets(oneYear, domain.Confidentiality2), "")
	lowVendor := vendor("低リスク株式会社")
	low := contract(lowVendor, "低", a, asA, withAssets(oneYear, domain.Confidentiality1), "")
	auto := contract(lowVendor, "自動", b, h.ctx, domain.ContractInput{StartDate: day("2026-10-01"), EndDate: day("2027-09-30"),
		AutoRenew: true, InformationAssets: asset(domain.Confidentiality1)}, "")

	// The one-year contracts are confirmed inside their term; the renewal
	// review of 2028-01-01 (a holiday in the closure) moves to 2027-12-28.
	require.Equal(t, "2027-10-01", high.NextConfirmationDue.String(), "6 months")
	require.Equal(t, "2028-03-01", medium.NextConfirmationDue.String(), "12 months would be 2028-04-01, after the end")
	require.Equal(t, "2028-03-01", low.NextConfirmationDue.String())
	require.Equal(t, "2028-01-01", high.RenewalReviewDueNominal.String())
	require.Equal(t, "2027-12-28", high.RenewalReviewDue.String())
	require.Equal(t, "2027-08-31", auto.NextConfirmationDue.String(), "30 days before its end, not 24 months on")
	require.Equal(t, "2027-07-30", auto.RenewalReviewDue.String(), "2027-08-01 is a Sunday")

	label := map[string]string{high.ID: "high", medium.ID: "medium", low.ID: "low", auto.ID: "auto"}
	complete := func(c *domain.Contract, by *domain.Person) func() {
		return func() { completeConfirmation(h, c.ID, by, nil) }
	}
	events := map[string][]func(){
		// A finding of May, recorded on 1 June: its action was due on 20 May.
		"2027-06-01": {func() {
			conf, err := h.db.CreateConfirmation(h.ctx, domain.ConfirmationInput{ContractID: medium.ID, DueDate: day("2027-05-10")})
			require.NoError(t, err)
			in := domain.ConfirmationCompletion{PerformedBy: a.ID, PerformedOn: day("2027-05-10")}
			for i, it := range conf.Checklist {
				r := domain.ItemResultInput{Code: it.Code, Result: domain.ItemOK}
				if i == 0 {
					r = domain.ItemResultInput{Code: it.Code, Result: domain.ItemFinding, Note: "再委託先の報告なし",
						Severity: domain.SeverityHigh, ActionDueDate: day("2027-05-20")}
				}
				in.Results = append(in.Results, r)
			}
			done, err := h.db.CompleteConfirmation(h.ctx, conf.ID, nil, in)
			require.NoError(t, err)
			label[done.Checklist[0].CorrectiveActionID] = "late-action"
		}},
		"2027-06-21": {func() { closeAction(h, "late-action", label) }},
		"2027-07-30": {func() { review(h, domain.ReviewContract, auto.ID, b) }},
		"2027-08-31": {complete(auto, b)},
		"2027-10-01": {complete(high, a)},
		"2027-12-28": {
			func() { review(h, domain.ReviewContract, high.ID, a) },
			func() { review(h, domain.ReviewContract, medium.ID, a) },
			func() { review(h, domain.ReviewContract, low.ID, a) },
		},
		"2028-03-01": {complete(high, a), complete(medium, a), complete(low, a)},
	}

	sentOn := map[string]string{}
	for today := day("2027-04-01"); !today.After(day("2028-03-31")); today = today.AddDays(1) {
		h.clock.SetDay(today)
		h.scan()
		h.waitSettled()
		for _, msg := range h.smtp.Messages() {
			if _, seen := sentOn[msg.MessageID]; !seen {
				sentOn[msg.MessageID] = today.String()
			}
		}
		for _, ev := range events[today.String()] {
			ev()
		}
	}

	// The auto-renewing contract rolled forward by its 12-month term.
	got, err := h.db.FindContract(h.ctx, auto.ID)
	require.NoError(t, err)
	require.Equal(t, domain.ContractActive, got.Status)
	require.Equal(t, "2028-09-30", got.EndDate.String())
	require.Equal(t, "2028-08-01", got.RenewalReviewDueNominal.String(), "the next term's review, after this fiscal year")

	for _, cf := range listConfirmations(h) {
		if l, ok := label[cf.ContractID]; ok {
			label[cf.ID] = l + "-confirmation"
		}
	}
	rows := h.reminders(domain.ReminderFilter{})
	items := map[string][]string{}
	for _, r := range rows {
		require.Equal(t, domain.ReminderSent, r.Status, "row %+v", r)
		kind := ""
		if r.SubjectType == domain.SubjectContractRenewal {
			kind = "-renewal"
		}
		item := label[r.SubjectID] + kind + ":" + r.Stage
		if r.Repeat > 0 {
			item += fmt.Sprintf("#%d", r.Repeat)
		}
		if r.Escalated {
			item += "(" + r.EscalatedAs + ")"
		}
		items["<"+r.MessageID+">"] = append(items["<"+r.MessageID+">"], item)
	}
	var mails []string
	texts := map[string]string{}
	arrived := map[string]int{}
	for _, msg := range h.smtp.Messages() {
		arrived[msg.MessageID]++
		its := items[msg.MessageID]
		sort.Strings(its)
		to := strings.TrimSuffix(msg.To[0], "@example.lg.jp")
		mails = append(mails, fmt.Sprintf("%s %s %s", sentOn[msg.MessageID], to, strings.Join(its, " ")))
		texts[sentOn[msg.MessageID]+" "+to] += msg.Text
	}
	for id, n := range arrived {
		require.Equal(t, 1, n, "message %s arrived %d times", id, n)
	}
	sort.Strings(mails)
	if os.Getenv("YEAR_TEST_PRINT") != "" {
		for _, g := range mails {
			fmt.Printf("\t\t%q,\n", g)
		}
	}
	want := []string{
		"2027-06-02 a late-action:overdue",
		"2027-06-02 s late-action:overdue(supervisor)",
		"2027-06-09 a late-action:overdue#1",
		"2027-06-09 s late-action:overdue#1(supervisor)",
		"2027-06-16 a late-action:overdue#2",
		"2027-06-16 k late-action:overdue#2(ciso)",
		"2027-06-16 s late-action:overdue#2(supervisor)",
		"2027-06-30 b auto-renewal:before_30",
		"2027-07-23 b auto-renewal:before_7",
		"2027-07-29 b auto-renewal:before_1",
		"2027-07-30 b auto-renewal:due",
		"2027-08-01 b auto-confirmation:before_30",
		"2027-08-24 b auto-confirmation:before_7",
		"2027-08-30 b auto-confirmation:before_1",
		"2027-08-31 b auto-confirmation:due",
		"2027-09-01 a high-confirmation:before_30",
		"2027-09-24 a high-confirmation:before_7",
		"2027-09-30 a high-confirmation:before_1",
		"2027-10-01 a high-confirmation:due",
		"2027-11-28 a high-renewal:before_30 low-renewal:before_30 medium-renewal:before_30",
		"2027-12-21 a high-renewal:before_7 low-renewal:before_7 medium-renewal:before_7",
		"2027-12-27 a high-renewal:before_1 low-renewal:before_1 medium-renewal:before_1",
		"2027-12-28 a high-renewal:due low-renewal:due medium-renewal:due",
		"2028-01-31 a high-confirmation:before_30 low-confirmation:before_30 medium-confirmation:before_30",
		"2028-02-23 a high-confirmation:before_7 low-confirmation:before_7 medium-confirmation:before_7",
		"2028-02-29 a high-confirmation:before_1 low-confirmation:before_1 medium-confirmation:before_1",
		"2028-03-01 a high-confirmation:due low-confirmation:due medium-confirmation:due",
	}
	require.Equal(t, want, mails)

	require.Contains(t, texts["2027-06-02 a"], "期限：2027年5月20日（木）（期限を13日超過）")
	require.Contains(t, texts["2027-12-28 a"], "期限：2027年12月28日（火）（本日が期限）")
	require.Contains(t, texts["2027-08-31 b"], "Due: 31 Aug 2027 (Tue) (due today)")
}
