package domain_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func TestStages(t *testing.T) {
	p := domain.DefaultPolicySettings
	p.ReminderLeadDays = []int{7, 30, 1, 7, 0}
	due := mustDate(t, "2027-04-01")
	got := domain.Stages(due, p)
	want := []domain.Stage{
		{Name: "before_30", On: mustDate(t, "2027-03-02")},
		{Name: "before_7", On: mustDate(t, "2027-03-25")},
		{Name: "before_1", On: mustDate(t, "2027-03-31")},
		{Name: domain.StageDue, On: due},
		{Name: domain.StageOverdue, On: mustDate(t, "2027-04-08")},
	}
	require.Equal(t, want, got, "lead times sorted, duplicates and 0 dropped, overdue after the escalation delay")
}

func TestCurrentStage(t *testing.T) {
	p := domain.DefaultPolicySettings // leads 30, 7, 1; delay 7; repeat 7
	due := mustDate(t, "2027-04-01")
	last := func(repeat int, on string) *domain.Stage {
		return &domain.Stage{Name: domain.StageOverdue, Repeat: repeat, On: mustDate(t, on)}
	}
	for _, tc := range []struct {
		name    string
		today   string
		last    *domain.Stage
		want    domain.Stage
		reached bool
	}{
		{name: "before the first lead time", today: "2027-03-01"},
		{name: "first lead time", today: "2027-03-02", reached: true, want: domain.Stage{Name: "before_30", On: mustDate(t, "2027-03-02")}},
		{name: "between lead times stays", today: "2027-03-20", reached: true, want: domain.Stage{Name: "before_30", On: mustDate(t, "2027-03-02")}},
		{name: "missed stages are superseded", today: "2027-03-31", reached: true, want: domain.Stage{Name: "before_1", On: mustDate(t, "2027-03-31")}},
		{name: "the day itself", today: "2027-04-01", reached: true, want: domain.Stage{Name: domain.StageDue, On: due}},
		{name: "after the day, before the delay", today: "2027-04-05", reached: true, want: domain.Stage{Name: domain.StageDue, On: due}},
		{name: "first overdue reminder", today: "2027-04-08", reached: true, want: domain.Stage{Name: domain.StageOverdue, On: mustDate(t, "2027-04-08")}},
		{name: "a year overdue, nothing sent yet: first overdue reminder at once", today: "2028-04-01", reached: true,
			want: domain.Stage{Name: domain.StageOverdue, On: mustDate(t, "2027-04-08")}},
		{name: "repeat not yet reached stays at the last", today: "2027-04-14", last: last(0, "2027-04-08"), reached: true,
			want: domain.Stage{Name: domain.StageOverdue, On: mustDate(t, "2027-04-08")}},
		{name: "first repeat a week after the first", today: "2027-04-15", last: last(0, "2027-04-08"), reached: true,
			want: domain.Stage{Name: domain.StageOverdue, Repeat: 1, On: mustDate(t, "2027-04-15")}},
		{name: "repeats follow the day the last one was written, not the due date", today: "2028-04-08", last: last(0, "2028-04-01"), reached: true,
			want: domain.Stage{Name: domain.StageOverdue, Repeat: 1, On: mustDate(t, "2028-04-08")}},
		{name: "after downtime one repeat, not a burst", today: "2027-06-01", last: last(1, "2027-04-15"), reached: true,
			want: domain.Stage{Name: domain.StageOverdue, Repeat: 2, On: mustDate(t, "2027-04-22")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := domain.CurrentStage(due, mustDate(t, tc.today), tc.last, p)
			require.Equal(t, tc.reached, ok)
			require.Equal(t, tc.want, got)
		})
	}

	p.OverdueRepeatDays = 3
	got, _ := domain.CurrentStage(due, mustDate(t, "2027-04-11"), last(0, "2027-04-08"), p)
	require.Equal(t, 1, got.Repeat, "overdue_repeat_days sets the pace")
}

func TestEscalationAt(t *testing.T) {
	p := domain.DefaultPolicySettings // ciso after 2 repeats
	for _, tc := range []struct {
		stage domain.Stage
		want  domain.Escalation
	}{
		{domain.Stage{Name: "before_7"}, domain.Escalation{}},
		{domain.Stage{Name: domain.StageDue}, domain.Escalation{}},
		{domain.Stage{Name: domain.StageOverdue}, domain.Escalation{Supervisor: true}},
		{domain.Stage{Name: domain.StageOverdue, Repeat: 1}, domain.Escalation{Supervisor: true}},
		{domain.Stage{Name: domain.StageOverdue, Repeat: 2}, domain.Escalation{Supervisor: true, CISO: true}},
		{domain.Stage{Name: domain.StageOverdue, Repeat: 9}, domain.Escalation{Supervisor: true, CISO: true}},
	} {
		require.Equal(t, tc.want, domain.EscalationAt(tc.stage, p), "%+v", tc.stage)
	}
	p.CISOEscalationAfterRepeats = 5
	require.False(t, domain.EscalationAt(domain.Stage{Name: domain.StageOverdue, Repeat: 4}, p).CISO)
	require.True(t, domain.EscalationAt(domain.Stage{Name: domain.StageOverdue, Repeat: 5}, p).CISO)
}

func TestScanWindow(t *testing.T) {
	from, to := domain.ScanWindow(mustDate(t, "2027-04-08"), domain.DefaultPolicySettings)
	require.Equal(t, mustDate(t, "2027-04-02"), from, "a date due 2027-04-01 is overdue on 04-08, so before the window")
	require.Equal(t, mustDate(t, "2027-05-08"), to)
}

func TestDueWording(t *testing.T) {
	for _, tc := range []struct {
		days   int
		ja, en string
	}{
		{30, "あと30日", "30 days left"},
		{1, "あと1日", "1 day left"},
		{0, "本日が期限", "due today"},
		{-1, "期限を1日超過", "1 day overdue"},
		{-300, "期限を300日超過", "300 days overdue"},
	} {
		require.Equal(t, tc.ja, domain.DueWording(domain.LocaleJa, tc.days))
		require.Equal(t, tc.en, domain.DueWording(domain.LocaleEn, tc.days))
	}
}

func TestDisplayNames(t *testing.T) {
	for _, tc := range []struct {
		kind   domain.CertificationKind
		ja, en string
	}{
		{domain.CertISO27001, "ISO/IEC 27001", "ISO/IEC 27001"},
		{domain.CertISMAP, "ISMAP", "ISMAP"},
		{domain.CertPrivacyMark, "プライバシーマーク", "Privacy Mark"},
		{domain.CertSOC2, "SOC 2", "SOC 2"},
		{domain.CertOther, "その他の認証", "Other certification"},
	} {
		require.Equal(t, tc.ja, tc.kind.DisplayName(domain.LocaleJa))
		require.Equal(t, tc.en, tc.kind.DisplayName(domain.LocaleEn))
	}
	require.Equal(t, "X", domain.PlatformX.DisplayName(domain.LocaleJa))
	require.Equal(t, "LINE", domain.PlatformLine.DisplayName(domain.LocaleEn))
}

func TestSuperseded(t *testing.T) {
	p := domain.DefaultPolicySettings // leads 30, 7, 1; delay 7; repeat 7
	due := "2027-04-01"
	for _, tc := range []struct {
		name, stage    string
		repeat         int
		reached, today string
		superseded     bool
	}{
		{name: "sent on the day it was reached", stage: "before_7", reached: "2027-03-25", today: "2027-03-25"},
		{name: "a day late, no later stage yet", stage: "before_7", reached: "2027-03-25", today: "2027-03-26"},
		{name: "the next stage's day", stage: "before_7", reached: "2027-03-25", today: "2027-03-31", superseded: true},
		{name: "a missed stage reached late is overtaken only by a later one", stage: "before_30", reached: "2027-03-20", today: "2027-03-24"},
		{name: "before_30 on the before_7 day", stage: "before_30", reached: "2027-03-20", today: "2027-03-25", superseded: true},
		{name: "due while not yet overdue", stage: "due", reached: "2027-04-01", today: "2027-04-07"},
		{name: "due once overdue", stage: "due", reached: "2027-04-01", today: "2027-04-08", superseded: true},
		{name: "overdue before its repeat", stage: "overdue", reached: "2027-04-08", today: "2027-04-14"},
		{name: "overdue on its repeat's day", stage: "overdue", reached: "2027-04-08", today: "2027-04-15", superseded: true},
		{name: "a repeat on the next repeat's day", stage: "overdue", repeat: 2, reached: "2027-04-22", today: "2027-04-29", superseded: true},
		{name: "a lead time no longer configured, before the next stage", stage: "before_14", reached: "2027-03-18", today: "2027-03-24"},
		{name: "a lead time no longer configured, after the next stage", stage: "before_14", reached: "2027-03-18", today: "2027-03-25", superseded: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := domain.Superseded(tc.stage, tc.repeat, mustDate(t, due), mustDate(t, tc.reached), mustDate(t, tc.today), p)
			require.Equal(t, tc.superseded, got)
		})
	}
}

// TestReminderPagePath checks that an item's staff page is its API path
// without /v1, for every kind of subject a reminder can name.
func TestReminderPagePath(t *testing.T) {
	id := "0197a3c2-5b1e-7c3d-9f00-1234567890ab"
	for api, page := range map[string]string{
		"/v1/confirmations/" + id:      "/confirmations/" + id,
		"/v1/contracts/" + id:          "/contracts/" + id,
		"/v1/cloud-services/" + id:     "/cloud-services/" + id,
		"/v1/social-accounts/" + id:    "/social-accounts/" + id,
		"/v1/vendors/" + id:            "/vendors/" + id,
		"/v1/corrective-actions/" + id: "/corrective-actions/" + id,
		"":                             "",
		"/v1/":                         "",
		"/confirmations/" + id:         "",
		"/v10/confirmations/" + id:     "",
	} {
		require.Equal(t, page, domain.Reminder{Path: api}.PagePath(), "path %q", api)
	}
}
