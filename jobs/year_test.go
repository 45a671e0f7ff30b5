package jobs_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// TestAYearOfReminders walks a small but realistic register day by day
// through 2027 and checks the exact e-mails every person received: each
// stage once, nothing after the completion or review that closed a date,
// and escalations to the right supervisor.
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

	v1 := h.approvedVendor("株式会社一号", a, domain.Certification{Kind: domain.CertISO27001, Number: "IS 1", ValidUntil: day("2027-09-30")})
	c1 := h.activeContract(v1, "一号契約", a, day("2025-04-01"), day("2027-12-31"), 30)
	require.Equal(t, day("2027-04-01"), c1.NextConfirmationDue)
	require.Equal(t, day("2027-10-02"), c1.RenewalReviewDue, "end 12-31 − 30 days notice − 60 days lead")

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
		"2027-08-20": func() {
			_, err := h.db.ChangeSocialAccountStatus(h.ctx, sa.ID, nil, domain.SocialRetired, "アカウント統合のため")
			require.NoError(t, err)
		},
		"2027-10-12": func() { review(h, domain.ReviewContract, c1.ID, a) },
	}

	sentOn := map[string]string{} // Message-ID → day it arrived
	for d := day("2027-01-01"); !d.After(day("2027-12-31")); d = d.AddDays(1) {
		h.clock.SetDay(d)
		h.scan()
		h.waitSettled()
		for _, m := range h.smtp.Messages() {
			if _, seen := sentOn[m.MessageID]; !seen {
				sentOn[m.MessageID] = d.String()
			}
		}
		if ev := events[d.String()]; ev != nil {
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
		if r.Escalated {
			item += "(escalated)"
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
		"2027-04-08 s1 social:overdue(escalated)",
		"2027-04-08 s2 social:overdue(escalated)",
		"2027-05-16 c c2-confirmation:before_30",
		"2027-06-01 b cloud:before_30",
		"2027-06-08 c c2-confirmation:before_7",
		"2027-06-24 b cloud:before_7",
		"2027-07-02 b social:before_30",
		"2027-07-25 b social:before_7",
		"2027-07-31 b social:before_1",
		"2027-08-01 b social:due",
		"2027-08-01 c action:before_30",
		"2027-08-08 b social:overdue",
		"2027-08-08 s1 social:overdue(escalated)",
		"2027-08-08 s2 social:overdue(escalated)",
		"2027-08-24 c action:before_7",
		"2027-08-30 c action:before_1",
		"2027-08-31 a cert:before_30",
		"2027-08-31 c action:due",
		"2027-09-02 a c1-renewal:before_30",
		"2027-09-07 c action:overdue",
		"2027-09-07 s2 action:overdue(escalated)",
		"2027-09-23 a cert:before_7",
		"2027-09-25 a c1-renewal:before_7",
		"2027-09-29 a cert:before_1",
		"2027-09-30 a cert:due",
		"2027-10-01 a c1-renewal:before_1",
		"2027-10-02 a c1-renewal:due",
		"2027-10-07 a cert:overdue",
		"2027-10-07 s1 cert:overdue(escalated)",
		"2027-10-09 a c1-renewal:overdue",
		"2027-10-09 s1 c1-renewal:overdue(escalated)",
		"2027-11-28 b cloud:before_30",
		"2027-12-21 b cloud:before_7",
		"2027-12-27 b cloud:before_1",
		"2027-12-28 b cloud:due",
	}
	require.Equal(t, want, got)
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
