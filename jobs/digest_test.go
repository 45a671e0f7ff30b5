package jobs_test

import (
	"flag"
	"os"
	"path/filepath"
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
				Path: "/v1/corrective-actions/a1", DueDate: due.AddDays(-14), Stage: domain.StageOverdue, Escalated: true}, DaysLeft: -7},
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

func TestDigestEscapesHTMLAndFallsBackToJapanese(t *testing.T) {
	d, err := jobs.NewDigest("vendorwatch@example.lg.jp", "")
	require.NoError(t, err)
	m := sampleDigest("fr")
	msg, err := d.Render(m, "x@y")
	require.NoError(t, err)
	require.Contains(t, msg.Subject, "期限のお知らせ（3件）")
	require.Contains(t, msg.HTML, "ファイル転送 &lt;&amp;&gt; サービス")
	require.NotContains(t, msg.HTML, "<&>")
	require.Contains(t, msg.Text, "期限を7日超過、上長へ報告")
}
