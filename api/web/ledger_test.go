package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// dueLedger registers a vendor owned by the first administrator whose
// Privacy Mark lapses in 7 days and whose ISO/IEC 27001 lapsed long ago,
// and runs the day's due scan: one before_7 and one overdue row, both
// queued for the administrator.
func (e *env) dueLedger() (*domain.Vendor, map[string]*domain.Reminder) {
	e.t.Helper()
	ctx := e.asAdmin()
	today := domain.DateOf(e.db.Now(), e.db.Location())
	v, err := e.db.CreateVendor(ctx, domain.VendorInput{Name: "台帳確認株式会社", OwnerID: e.admin.ID, Certifications: []domain.Certification{
		{Kind: domain.CertPrivacyMark, Number: "PM 7", ValidUntil: today.AddDays(7)},
		{Kind: domain.CertISO27001, Number: "IS 1", ValidUntil: today.AddDays(-500)},
	}})
	require.NoError(e.t, err)
	_, err = e.db.ScanDue(context.Background(), today, nil)
	require.NoError(e.t, err)
	page, err := e.db.ListReminders(ctx, domain.ReminderFilter{SubjectID: v.ID}, domain.PageRequest{Limit: domain.MaxPageSize})
	require.NoError(e.t, err)
	byStage := map[string]*domain.Reminder{}
	for _, r := range page.Items {
		byStage[r.Stage] = r
	}
	require.Len(e.t, byStage, 2, "%+v", page.Items)
	require.Contains(e.t, byStage, "before_7")
	require.Contains(e.t, byStage, domain.StageOverdue)
	return v, byStage
}

func TestReminderLedgerWordsStagesAndStatuses(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		v, rows := e.dueLedger()
		// The overdue row's e-mail went out twice, the first answer lost.
		ctx := context.Background()
		id := rows[domain.StageOverdue].ID
		msgID := domain.MessageIDFor([]string{id}, "example.lg.jp")
		require.NoError(t, e.db.ClaimRemindersSending(ctx, []string{id}, msgID))
		require.NoError(t, e.db.MarkRemindersRetry(ctx, []string{id}, "jobs: send mail: context deadline exceeded", true))
		require.NoError(t, e.db.ClaimRemindersSending(ctx, []string{id}, msgID))
		require.NoError(t, e.db.MarkRemindersSent(ctx, []string{id}, msgID))

		viewer := e.person("閲覧 花子", "hanako@example.lg.jp", domain.RoleViewer)
		b := e.browser()
		b.signIn(viewer.Email)
		p := b.get("/reminders")
		require.Equal(t, http.StatusOK, p.Status, p.Body)
		require.Contains(t, p.Body, "<h1>通知履歴</h1>")
		require.Contains(t, p.Body, `<a href="/vendors/`+v.ID+`">台帳確認株式会社 プライバシーマーク PM 7</a>`)
		require.Contains(t, p.Body, "認証の有効期限")
		require.Contains(t, p.Body, "7日前")
		require.Contains(t, p.Body, "期限超過")
		require.Contains(t, p.Body, "送信待ち")
		require.Contains(t, p.Body, "送信済み")
		require.Contains(t, p.Body, "重複して届いた可能性あり")
		require.Contains(t, p.Body, "2回")
		require.Contains(t, p.Body, e.admin.Name)
		require.NotContains(t, p.Body, "before_7")
		require.NotRegexp(t, `ledger\.[a-z_]+`, p.Body, "every text is translated")

		sent := b.get("/reminders?status=sent")
		require.Equal(t, http.StatusOK, sent.Status)
		require.Contains(t, sent.Body, "ISO/IEC 27001 IS 1")
		require.NotContains(t, sent.Body, "PM 7")
		require.Contains(t, sent.Body, `<option value="sent" selected>送信済み</option>`)

		require.Contains(t, b.get("/reminders?subject_type=confirmation").Body, "該当するものはありません。")
		require.Contains(t, b.get("/reminders?recipient=mine").Body, "該当するものはありません。", "nothing is sent to the viewer")
		mine := e.signedIn().get("/reminders?recipient=mine")
		require.Contains(t, mine.Body, "PM 7", "the administrator's own rows")
		byID := b.get("/reminders?recipient=" + e.admin.ID)
		require.Contains(t, byID.Body, "PM 7")
		require.Contains(t, byID.Body, `<option value="`+e.admin.ID+`" selected>`)

		fy := domain.FiscalYearOf(rows[domain.StageOverdue].DueDate)
		old := b.get("/reminders?fiscal_year=" + strconv.Itoa(fy))
		require.Contains(t, old.Body, "IS 1")
		require.NotContains(t, old.Body, "PM 7")

		// A page of one row links to the next, keeping the filters.
		first := b.get("/reminders?limit=1&status=")
		require.Contains(t, first.Body, `rel="next"`)
	})
}

func TestAuditPageIsForAuditorsAndAdmins(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		for _, role := range []domain.Role{domain.RoleViewer, domain.RoleEditor} {
			p := e.person(string(role)+" 太郎", string(role)+"@example.lg.jp", role)
			b := e.browser()
			b.signIn(p.Email)
			page := b.get("/audit")
			require.Equal(t, http.StatusForbidden, page.Status, role)
			require.NotContains(t, page.Body, `href="/audit"`, "no menu entry for %s", role)
			// A verification from someone else's page is refused too.
			token := csrfField.FindStringSubmatch(b.get("/reminders").Body)
			require.NotNil(t, token)
			require.Equal(t, http.StatusForbidden, b.post("/audit/verify", url.Values{"csrf": {token[1]}}).Status, role)
		}

		auditor := e.person("監査 次郎", "jiro@example.lg.jp", domain.RoleAuditor)
		b := e.browser()
		b.signIn(auditor.Email)
		p := b.get("/audit")
		require.Equal(t, http.StatusOK, p.Status, p.Body)
		require.Contains(t, p.Body, "<h1>監査ログ</h1>")
		require.Contains(t, p.Body, `<a href="/people/`+auditor.ID+`">職員`, "the person's creation, linked to their page")
		require.Contains(t, p.Body, "登録")
		require.NotRegexp(t, `audit\.[a-z_]+`, p.Body, "every text is translated")

		people := b.get("/audit?entity_type=person&entity_id=" + auditor.ID)
		require.Equal(t, http.StatusOK, people.Status)
		require.Contains(t, people.Body, auditor.ID)
		require.NotContains(t, people.Body, ">設定 <", "settings events are filtered out")
		none := b.get("/audit?actor_id=" + auditor.ID)
		require.Contains(t, none.Body, "該当するものはありません。", "the auditor changed nothing")

		require.Equal(t, http.StatusForbidden, b.post("/audit/verify", nil).Status, "no CSRF token")
		v := b.submit("/audit", "/audit/verify", nil)
		require.Equal(t, http.StatusOK, v.Status, v.Body)
		want, err := e.db.VerifyAuditChain(context.Background())
		require.NoError(t, err)
		require.True(t, want.OK)
		require.Contains(t, v.Body, "検証の結果、問題はありませんでした（"+strconv.Itoa(want.Checked)+"件を確認）")
	})
}

func TestAuditVerificationShowsWhereTheChainBreaks(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		// Sealed first: an unsealed event edited would be sealed as it is.
		_, err := e.db.SealAudit(context.Background())
		require.NoError(t, err)
		_, err = e.db.SQL().Exec("UPDATE audit_events SET reason = 'tampered' WHERE seq = 2")
		require.NoError(t, err)
		v := e.signedIn().submit("/audit", "/audit/verify", nil)
		require.Equal(t, http.StatusOK, v.Status, v.Body)
		require.Contains(t, v.Body, "ハッシュチェーンが途切れています")
		require.Contains(t, v.Body, "通番2")
		require.Contains(t, v.Body, "記録の内容がハッシュと一致しません")
	})
}
