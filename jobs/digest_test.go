package jobs_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/jobs"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func sampleDigest(locale domain.Locale) *domain.DigestMail {
	due := domain.NewDate(2027, time.April, 1)
	return &domain.DigestMail{
		Recipient: &domain.Person{Name: "山田 太郎", Email: "yamada@example.lg.jp", Locale: locale},
		Items: []domain.DigestItem{
			{Reminder: domain.Reminder{ID: "r1", SubjectType: domain.SubjectConfirmation, SubjectID: "c1", Title: "粗大ごみ受付システム運用保守",
				Path: "/v1/confirmations/c1", DueDate: due, Stage: "before_7"}, DaysLeft: 7},
			{Reminder: domain.Reminder{ID: "r2", SubjectType: domain.SubjectCloudServiceReview, SubjectID: "s1", Title: "ファイル転送 <&> サービス",
				Path: "/v1/cloud-services/s1", DueDate: due.AddDays(-7), Stage: domain.StageDue}, DaysLeft: 0},
			{Reminder: domain.Reminder{ID: "r3", SubjectType: domain.SubjectCorrectiveAction, SubjectID: "a1", Title: "運用保守: 研修未実施",
				Path: "/v1/corrective-actions/a1", DueDate: due.AddDays(-14), Stage: domain.StageOverdue, Escalated: true,
				EscalatedAs: domain.EscalatedAsSupervisor}, DaysLeft: -7, Escalation: domain.Escalation{Supervisor: true}},
			// Reached on the day but sent two days later: worded from the day of sending.
			{Reminder: domain.Reminder{ID: "r4", SubjectType: domain.SubjectSocialAccountReview, SubjectID: "s2", Title: "X @kumiai_info",
				Path: "/v1/social-accounts/s2", DueDate: due.AddDays(-2), Stage: domain.StageDue}, DaysLeft: -2},
			{Reminder: domain.Reminder{ID: "r5", SubjectType: domain.SubjectCertification, SubjectID: "v1", Title: "株式会社一号 プライバシーマーク 10820001",
				Path: "/v1/vendors/v1", DueDate: due.AddDays(-21), Stage: domain.StageOverdue, Repeat: 2}, DaysLeft: -21,
				Escalation: domain.Escalation{Supervisor: true, CISO: true}},
			{Reminder: domain.Reminder{ID: "r6", SubjectType: domain.SubjectCorrectiveAction, SubjectID: "a2", Title: "運用保守: 再委託先未報告",
				Path: "/v1/corrective-actions/a2", DueDate: due.AddDays(-300), Stage: domain.StageOverdue, Repeat: 3, Escalated: true,
				EscalatedAs: domain.EscalatedAsCISO}, DaysLeft: -300, Escalation: domain.Escalation{Supervisor: true, CISO: true}},
		},
	}
}

// TestDigestGolden renders both locales and both parts against testdata/;
// run with -update after a deliberate template change.
func TestDigestGolden(t *testing.T) {
	d, err := jobs.NewDigest("vendorwatch@example.lg.jp", "https://vendorwatch.example.lg.jp/")
	require.NoError(t, err)
	for _, l := range []domain.Locale{domain.LocaleJa, domain.LocaleEn} {
		msg, err := d.Render(sampleDigest(l), "abc@example.lg.jp")
		require.NoError(t, err)
		require.Equal(t, "yamada@example.lg.jp", msg.To)
		for ext, body := range map[string]string{"txt": "Subject: " + msg.Subject + "\n\n" + msg.Text, "html": msg.HTML} {
			golden := filepath.Join("testdata", "digest."+string(l)+"."+ext+".golden")
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(body), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "golden file missing: run go test ./jobs -run TestDigestGolden -update")
			require.Equal(t, string(want), body, "%s differs from the rendering", golden)
		}
	}
}

// TestDigestGoldenEmailChange renders the notice of a changed address in both
// locales; it runs under -run TestDigestGolden too, so that one -update
// rewrites every golden e-mail.
func TestDigestGoldenEmailChange(t *testing.T) {
	d, err := jobs.NewDigest("vendorwatch@example.lg.jp", "https://vendorwatch.example.lg.jp/")
	require.NoError(t, err)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	for _, l := range []domain.Locale{domain.LocaleJa, domain.LocaleEn} {
		a := jobs.EmailChangeNoticeArgs{PersonID: "p1", Name: "山田 太郎", OldEmail: "yamada@example.lg.jp", NewEmail: "yamada.t@example.lg.jp",
			Locale: l, ChangedBy: "管理者 花子", ChangedAt: time.Date(2027, time.April, 1, 0, 30, 0, 0, time.UTC)}
		msg, err := d.RenderEmailChange(a, true, tokyo, "abc@example.lg.jp")
		require.NoError(t, err)
		require.Equal(t, "yamada@example.lg.jp", msg.To, "the old address")
		for ext, body := range map[string]string{"txt": "Subject: " + msg.Subject + "\n\n" + msg.Text, "html": msg.HTML} {
			golden := filepath.Join("testdata", "email_change."+string(l)+"."+ext+".golden")
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(body), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "golden file missing: run go test ./jobs -run TestDigestGolden -update")
			require.Equal(t, string(want), body, "%s differs from the rendering", golden)
		}
	}
}

func TestDigestEscapesHTMLAndFallsBackToJapanese(t *testing.T) {
	d, err := jobs.NewDigest("vendorwatch@example.lg.jp", "")
	require.NoError(t, err)
	m := sampleDigest("fr")
	msg, err := d.Render(m, "x@y")
	require.NoError(t, err)
	require.Contains(t, msg.Subject, "期限のお知らせ（6件）")
	require.Contains(t, msg.HTML, "ファイル転送 &lt;&amp;&gt; サービス")
	require.NotContains(t, msg.HTML, "<&>")
	require.Contains(t, msg.Text, "期限を7日超過")
}

// TestDigestWording checks that a stage is worded from the days left when
// the e-mail is sent, and dates are written as people read them.
func TestDigestWording(t *testing.T) {
	d, err := jobs.NewDigest("vendorwatch@example.lg.jp", "")
	require.NoError(t, err)
	ja, err := d.Render(sampleDigest(domain.LocaleJa), "x@y")
	require.NoError(t, err)
	require.Equal(t, 1, strings.Count(ja.Text, "本日が期限"), "only the item due on the day of sending")
	require.Contains(t, ja.Text, "期限：2027年3月30日（火）（期限を2日超過）", "a due stage sent late says how late")
	require.Contains(t, ja.Text, "期限を21日超過・再通知2回目")
	require.Contains(t, ja.Text, "※ 最高情報セキュリティ責任者としてお知らせしています。")
	require.NotContains(t, ja.Text, "2027-04-01")

	m := sampleDigest(domain.LocaleJa)
	m.JapaneseEraDates = true
	era, err := d.Render(m, "x@y")
	require.NoError(t, err)
	require.Contains(t, era.Text, "期限：令和9年4月1日（木）（あと7日）")
	require.Contains(t, era.HTML, "令和9年4月1日（木）")

	en, err := d.Render(sampleDigest(domain.LocaleEn), "x@y")
	require.NoError(t, err)
	require.Contains(t, en.Text, "Due: 1 Apr 2027 (Thu) (7 days left)")
	require.Contains(t, en.Text, "Due: 30 Mar 2027 (Tue) (2 days overdue)")
	require.Equal(t, 1, strings.Count(en.Text, "due today"))
}

// TestDigestLinksEachItemToItsPage checks that every item links to its staff
// page (the public URL and the API path without /v1) in both parts, the API
// URL staying as a line of its own.
func TestDigestLinksEachItemToItsPage(t *testing.T) {
	d, err := jobs.NewDigest("vendorwatch@example.lg.jp", "https://vendorwatch.example.lg.jp/")
	require.NoError(t, err)
	ja, err := d.Render(sampleDigest(domain.LocaleJa), "x@y")
	require.NoError(t, err)
	require.Contains(t, ja.HTML, `<a href="https://vendorwatch.example.lg.jp/confirmations/c1">粗大ごみ受付システム運用保守</a>`, "the title is the link")
	require.Contains(t, ja.HTML, `<a href="https://vendorwatch.example.lg.jp/vendors/v1">`, "a certification links to its vendor")
	require.Equal(t, 6, strings.Count(ja.HTML, `<a href="https://vendorwatch.example.lg.jp/`), "one link per item")
	require.Contains(t, ja.Text, "   対応ページ：https://vendorwatch.example.lg.jp/confirmations/c1\n   API：https://vendorwatch.example.lg.jp/v1/confirmations/c1\n")
	en, err := d.Render(sampleDigest(domain.LocaleEn), "x@y")
	require.NoError(t, err)
	require.Contains(t, en.HTML, `<a href="https://vendorwatch.example.lg.jp/corrective-actions/a1">`)
	require.Contains(t, en.Text, "   Page: https://vendorwatch.example.lg.jp/corrective-actions/a1\n   API: https://vendorwatch.example.lg.jp/v1/corrective-actions/a1\n")

	// An item whose path is not an API path has no page to link to.
	m := sampleDigest(domain.LocaleJa)
	m.Items = m.Items[:1]
	m.Items[0].Path = ""
	bare, err := d.Render(m, "x@y")
	require.NoError(t, err)
	require.NotContains(t, bare.HTML, "<a ")
	require.Contains(t, bare.HTML, ">粗大ごみ受付システム運用保守</th>")
	require.NotContains(t, bare.Text, "対応ページ")
}
