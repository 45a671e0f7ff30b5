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

// TestAYearOfReminders walks a small but realistic register day by day
// through 2027 and checks the exact e-mails every person received: each
// stage once, overdue items repeated weekly until the completion, review or
// renewal that resolved them, escalations to the right supervisor and, from
// the second repeat, to the ciso, and an action already ten months overdue
// when it is recorded reminded on the next scan.
func TestAYearOfReminders(t *testing.T) {
	if testing.Short() {
		t.Skip("walks a whole year")
	}
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) { walkYear(t, tg) })
	}
}

func walkYear(t *testing.T, tg storetest.Target) {
	h := newHarness(t, tg, day("2027-01-01"))
	s1 := h.person("s1", []domain.SecurityRole{domain.SecurityRoleSupervisor}, nil, domain.LocaleJa)
	s2 := h.person("s2", []domain.SecurityRole{domain.SecurityRoleSupervisor}, nil, domain.LocaleJa)
	a := h.person("a", nil, s1, domain.LocaleJa)
	b := h.person("b", nil, nil, domain.LocaleJa) // no supervisor: escalations go to every supervisor
	c := h.person("c", nil, s2, domain.LocaleEn)
	k := h.person("k", []domain.SecurityRole{domain.SecurityRoleCISO}, nil, domain.LocaleJa)
	d := h.person("d", nil, s1, domain.LocaleJa)

	v1 := h.approvedVendor("株式会社一号", a, domain.Certification{Kind: domain.CertISO27001, Number: "IS 1", ValidUntil: day("2027-09-30")})
	c1 := h.activeContract(v1, "一号契約", a, day("2025-04-01"), day("2027-12-31"), 30)
	require.Equal(t, day("2027-04-01"), c1.NextConfirmationDue)
	require.Equal(t, day("2027-10-02"), c1.RenewalReviewDueNominal, "end 12-31 − 30 days notice − 60 days lead")
	require.Equal(t, day("2027-10-01"), c1.RenewalReviewDue, "10-02 is a Saturday: the Friday before")

	v2 := h.approvedVendor("株式会社二号", c)
	c2 := h.activeContract(v2, "二号契約", c, day("2026-06-15"), domain.Date{}, 0)
	// Confidentiality 2 makes the vendor medium risk: 12 months.
	in := domain.ContractInput{VendorID: v2.ID, Title: c2.Title, StartDate: c2.StartDate, OwnerID: c.ID,
		InformationAssets: []domain.InformationAsset{{Name: "申込情報", Classification: domain.Classification{Confidentiality: "2", Integrity: 1, Availability: 1}}}}
	c2, err := h.db.ReplaceContract(h.ctx, c2.ID, nil, in)
	require.NoError(t, err)
	require.Equal(t, day("2027-06-15"), c2.NextConfirmationDue)

	checks, err := h.db.ListCatalogueItems(h.ctx, domain.CatalogueTermsChecks, false)
	require.NoError(t, err)
	csIn := domain.CloudServiceInput{Name: "ファイル転送", Provider: "Example", TermsURL: "https://example.com/terms", TermsVersion: "1",
		ResponsiblePersonID: b.ID, DepartmentID: h.admin.DepartmentID, ReviewIntervalMonths: 6}
	for _, ch := range checks {
		csIn.TermsChecks = append(csIn.TermsChecks, domain.TermsCheck{Code: ch.Code, Answer: domain.TermsOK})
	}
	cs, err := h.db.CreateCloudService(h.ctx, csIn)
	require.NoError(t, err)
	asS1 := domain.WithActor(context.Background(), domain.Actor{PersonID: s1.ID, Role: domain.RoleEditor, Name: "s1"})
	cs, err = h.db.ApproveCloudService(asS1, cs.ID, nil)
	require.NoError(t, err)
	require.Equal(t, day("2027-07-01"), cs.NextReviewDue)

	sa, err := h.db.CreateSocialAccount(h.ctx, domain.SocialAccountInput{Platform: domain.PlatformX, Handle: "kumiai_info", Purpose: "収集日程のお知らせ",
		DepartmentID: h.admin.DepartmentID, ResponsiblePersonID: b.ID, ReviewIntervalMonths: 3,
		OperatingProcedure: domain.OperatingProcedure{DocumentRef: "広報-SNS-001", ApprovedOn: day("2026-12-01")}})
	require.NoError(t, err)
	require.Equal(t, day("2027-04-01"), sa.NextReviewDue)

	// A contract whose paper confirmation of August 2026 is entered late.
	v3 := h.approvedVendor("株式会社三号", d)
	c3 := h.activeContract(v3, "三号契約", d, day("2026-04-01"), domain.Date{}, 0)

	label := map[string]string{c1.ID: "c1-renewal", v1.ID: "cert", cs.ID: "cloud", sa.ID: "social"}

	// What staff do during the year, after the morning scan.
	events := map[string]func(){
		"2027-04-01": func() { completeConfirmation(h, c1.ID, a, nil) },
		"2027-05-01": func() { review(h, domain.ReviewSocialAccount, sa.ID, b) },
		"2027-06-10": func() {
			action := completeConfirmation(h, c2.ID, c, &domain.ItemResultInput{Result: domain.ItemFinding, Note: "研修記録なし",
				Severity: domain.SeverityMedium, ActionDueDate: day("2027-08-31")})
			label[action] = "action"
		},
		"2027-06-28": func() { review(h, domain.ReviewCloudService, cs.ID, b) },
		// Recorded mid-year: a finding of 2026-08-20 whose action was due
		// 2026-09-01, ten months ago. The next morning's scan reminds it.
		"2027-07-01": func() {
			conf, err := h.db.CreateConfirmation(h.ctx, domain.ConfirmationInput{ContractID: c3.ID, DueDate: day("2026-08-01")})
			require.NoError(t, err)
			in := domain.ConfirmationCompletion{PerformedBy: d.ID, PerformedOn: day("2026-08-20")}
			for i, it := range conf.Checklist {
				r := domain.ItemResultInput{Code: it.Code, Result: domain.ItemOK}
				if i == 0 {
					r = domain.ItemResultInput{Code: it.Code, Result: domain.ItemFinding, Note: "再委託先の報告なし",
						Severity: domain.SeverityHigh, ActionDueDate: day("2026-09-01")}
				}
				in.Results = append(in.Results, r)
			}
			done, err := h.db.CompleteConfirmation(h.ctx, conf.ID, nil, in)
			require.NoError(t, err)
			label[done.Checklist[0].CorrectiveActionID] = "late-action"
		},
		"2027-07-20": func() { closeAction(h, "late-action", label) },
		"2027-08-20": func() {
			_, err := h.db.ChangeSocialAccountStatus(h.ctx, sa.ID, nil, domain.SocialRetired, "アカウント統合のため")
			require.NoError(t, err)
		},
		"2027-09-22": func() { closeAction(h, "action", label) },
		"2027-10-12": func() { review(h, domain.ReviewContract, c1.ID, a) },
		// c1 ends on 12-31, before its next 24-month confirmation would be
		// due: it is confirmed 30 days before the end instead (単年度の確認).
		"2027-12-01": func() { completeConfirmation(h, c1.ID, a, nil) },
		// The vendor's certification is renewed after two overdue reminders.
		"2027-10-15": func() {
			renewed := domain.Certification{Kind: domain.CertISO27001, Number: "IS 1", ValidUntil: day("2030-09-30")}
			_, err := h.db.ReplaceVendor(h.ctx, v1.ID, nil, domain.VendorInput{Name: v1.Name, OwnerID: a.ID, Certifications: []domain.Certification{renewed}})
			require.NoError(t, err)
		},
	}

	sentOn := map[string]string{} // Message-ID → day it arrived
	for today := day("2027-01-01"); !today.After(day("2027-12-31")); today = today.AddDays(1) {
		h.clock.SetDay(today)
		h.scan()
		h.waitSettled()
		for _, m := range h.smtp.Messages() {
			if _, seen := sentOn[m.MessageID]; !seen {
				sentOn[m.MessageID] = today.String()
			}
		}
		if ev := events[today.String()]; ev != nil {
			ev()
		}
	}

	// Confirmations are created by the scan; name them by their contract.
	for _, cf := range listConfirmations(h) {
		switch cf.ContractID {
		case c1.ID:
			label[cf.ID] = "c1-confirmation"
		case c2.ID:
			label[cf.ID] = "c2-confirmation"
		}
	}

	// Each arrived message is one e-mail: day, recipient, and the items it carried.
	rows := h.reminders(domain.ReminderFilter{})
	items := map[string][]string{}
	for _, r := range rows {
		require.Equal(t, domain.ReminderSent, r.Status, "row %+v", r)
		item := label[r.SubjectID] + ":" + r.Stage
		if r.Repeat > 0 {
			item += fmt.Sprintf("#%d", r.Repeat)
		}
		if r.Escalated {
			item += "(" + r.EscalatedAs + ")"
		}
		items["<"+r.MessageID+">"] = append(items["<"+r.MessageID+">"], item)
	}
	var got []string
	arrived := map[string]int{}
	for _, m := range h.smtp.Messages() {
		arrived[m.MessageID]++
		its := items[m.MessageID]
		sort.Strings(its)
		to := strings.TrimSuffix(m.To[0], "@example.lg.jp")
		got = append(got, fmt.Sprintf("%s %s %s", sentOn[m.MessageID], to, strings.Join(its, " ")))
	}
	for id, n := range arrived {
		require.Equal(t, 1, n, "message %s arrived %d times", id, n)
	}
	sort.Strings(got)

	// Dates on a weekend, holiday or closure day move to the business day
	// before: the account's review due 2027-08-01 (a Sunday) is due 07-30.
	want := []string{
		"2027-03-02 a c1-confirmation:before_30",
		"2027-03-02 b social:before_30",
		"2027-03-25 a c1-confirmation:before_7",
		"2027-03-25 b social:before_7",
		"2027-03-31 a c1-confirmation:before_1",
		"2027-03-31 b social:before_1",
		"2027-04-01 a c1-confirmation:due",
		"2027-04-01 b social:due",
		"2027-04-08 b social:overdue",
		"2027-04-08 s1 social:overdue(supervisor)",
		"2027-04-08 s2 social:overdue(supervisor)",
		"2027-04-15 b social:overdue#1",
		"2027-04-15 s1 social:overdue#1(supervisor)",
		"2027-04-15 s2 social:overdue#1(supervisor)",
		"2027-04-22 b social:overdue#2",
		"2027-04-22 k social:overdue#2(ciso)",
		"2027-04-22 s1 social:overdue#2(supervisor)",
		"2027-04-22 s2 social:overdue#2(supervisor)",
		"2027-04-29 b social:overdue#3",
		"2027-04-29 k social:overdue#3(ciso)",
		"2027-04-29 s1 social:overdue#3(supervisor)",
		"2027-04-29 s2 social:overdue#3(supervisor)",
		"2027-05-16 c c2-confirmation:before_30",
		"2027-06-01 b cloud:before_30",
		"2027-06-08 c c2-confirmation:before_7",
		"2027-06-24 b cloud:before_7",
		"2027-06-30 b social:before_30",
		"2027-07-02 d late-action:overdue",
		"2027-07-02 s1 late-action:overdue(supervisor)",
		"2027-07-09 d late-action:overdue#1",
		"2027-07-09 s1 late-action:overdue#1(supervisor)",
		"2027-07-16 d late-action:overdue#2",
		"2027-07-16 k late-action:overdue#2(ciso)",
		"2027-07-16 s1 late-action:overdue#2(supervisor)",
		"2027-07-23 b social:before_7",
		"2027-07-29 b social:before_1",
		"2027-07-30 b social:due",
		"2027-08-01 c action:before_30",
		"2027-08-06 b social:overdue",
		"2027-08-06 s1 social:overdue(supervisor)",
		"2027-08-06 s2 social:overdue(supervisor)",
		"2027-08-13 b social:overdue#1",
		"2027-08-13 s1 social:overdue#1(supervisor)",
		"2027-08-13 s2 social:overdue#1(supervisor)",
		"2027-08-20 b social:overdue#2",
		"2027-08-20 k social:overdue#2(ciso)",
		"2027-08-20 s1 social:overdue#2(supervisor)",
		"2027-08-20 s2 social:overdue#2(supervisor)",
		"2027-08-24 c action:before_7",
		"2027-08-30 c action:before_1",
		"2027-08-31 a cert:before_30",
		"2027-08-31 c action:due",
		"2027-09-01 a c1-renewal:before_30",
		"2027-09-07 c action:overdue",
		"2027-09-07 s2 action:overdue(supervisor)",
		"2027-09-14 c action:overdue#1",
		"2027-09-14 s2 action:overdue#1(supervisor)",
		"2027-09-21 c action:overdue#2",
		"2027-09-21 k action:overdue#2(ciso)",
		"2027-09-21 s2 action:overdue#2(supervisor)",
		"2027-09-23 a cert:before_7",
		"2027-09-24 a c1-renewal:before_7",
		"2027-09-29 a cert:before_1",
		"2027-09-30 a c1-renewal:before_1 cert:due",
		"2027-10-01 a c1-renewal:due",
		"2027-10-07 a cert:overdue",
		"2027-10-07 s1 cert:overdue(supervisor)",
		"2027-10-08 a c1-renewal:overdue",
		"2027-10-08 s1 c1-renewal:overdue(supervisor)",
		"2027-10-14 a cert:overdue#1",
		"2027-10-14 s1 cert:overdue#1(supervisor)",
		"2027-11-01 a c1-confirmation:before_30",
		"2027-11-24 a c1-confirmation:before_7",
		"2027-11-28 b cloud:before_30",
		"2027-11-30 a c1-confirmation:before_1",
		"2027-12-01 a c1-confirmation:due",
		"2027-12-21 b cloud:before_7",
		"2027-12-27 b cloud:before_1",
		"2027-12-28 b cloud:due",
	}
	if os.Getenv("YEAR_TEST_PRINT") != "" {
		for _, g := range got {
			fmt.Printf("\t\t%q,\n", g)
		}
	}
	require.Equal(t, want, got)
	// Stages are worded from the days left, dates as people read them,
	// certifications by their display name.
	texts := map[string]string{}
	for _, m := range h.smtp.Messages() {
		texts[sentOn[m.MessageID]+" "+m.To[0]] += m.Text
	}
	require.Contains(t, texts["2027-07-02 "+d.Email], "期限：2026年9月1日（火）（期限を304日超過）")
	require.Contains(t, texts["2027-07-16 "+k.Email], "最高情報セキュリティ責任者としてお知らせしています")
	require.Contains(t, texts["2027-07-16 "+k.Email], "期限を318日超過・再通知2回目")
	require.Contains(t, texts["2027-09-30 "+a.Email], "株式会社一号 ISO/IEC 27001 IS 1")
	require.Contains(t, texts["2027-09-30 "+a.Email], "（本日が期限）")
	require.Contains(t, texts["2027-09-07 "+c.Email], "Due: 31 Aug 2027 (Tue) (7 days overdue)")
	// c's e-mails are in English, everyone else's in Japanese.
	for _, m := range h.smtp.Messages() {
		if m.To[0] == c.Email {
			require.Contains(t, m.Subject, "coming due")
		} else {
			require.Contains(t, m.Subject, "期限のお知らせ")
		}
	}
}

// completeConfirmation completes the contract's scheduled confirmation with
// every item ok except, when given, the first one; it returns the id of the
// corrective action a finding opened.
func completeConfirmation(h *harness, contractID string, by *domain.Person, first *domain.ItemResultInput) string {
	h.t.Helper()
	var conf *domain.Confirmation
	for _, cf := range listConfirmations(h) {
		if cf.ContractID == contractID && cf.Status != domain.ConfirmationCompleted {
			conf = cf
		}
	}
	require.NotNil(h.t, conf, "the scan scheduled a confirmation")
	today := domain.DateOf(h.clock.Now(), tokyo)
	in := domain.ConfirmationCompletion{PerformedBy: by.ID, PerformedOn: today}
	for i, it := range conf.Checklist {
		r := domain.ItemResultInput{Code: it.Code, Result: domain.ItemOK}
		if i == 0 && first != nil {
			r = *first
			r.Code = it.Code
		}
		in.Results = append(in.Results, r)
	}
	done, err := h.db.CompleteConfirmation(h.ctx, conf.ID, nil, in)
	require.NoError(h.t, err)
	return done.Checklist[0].CorrectiveActionID
}

func review(h *harness, st domain.ReviewSubjectType, id string, by *domain.Person) {
	h.t.Helper()
	_, err := h.db.CreateReview(h.ctx, domain.ReviewInput{SubjectType: st, SubjectID: id, Outcome: domain.OutcomeContinue,
		ReviewerID: by.ID, ReviewedOn: domain.DateOf(h.clock.Now(), tokyo), Notes: "継続"})
	require.NoError(h.t, err)
}

func listConfirmations(h *harness) []*domain.Confirmation {
	h.t.Helper()
	page, err := h.db.ListConfirmations(h.ctx, domain.ConfirmationFilter{}, domain.PageRequest{Limit: domain.MaxPageSize})
	require.NoError(h.t, err)
	return page.Items
}

// closeAction completes the open corrective action labelled name.
func closeAction(h *harness, name string, label map[string]string) {
	h.t.Helper()
	for id, l := range label {
		if l == name {
			_, err := h.db.CompleteCorrectiveAction(h.ctx, id, nil, domain.ActionClosure{Resolution: "対応完了を確認"})
			require.NoError(h.t, err)
			return
		}
	}
	h.t.Fatalf("no action labelled %s", name)
}
