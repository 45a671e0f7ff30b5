package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// settingsValues is the settings form filled in with s.
func settingsValues(s *domain.Settings) url.Values {
	p := s.PolicySettings
	days := make([]string, len(p.ReminderLeadDays))
	for i, n := range p.ReminderLeadDays {
		days[i] = strconv.Itoa(n)
	}
	v := url.Values{
		"version":                             {strconv.Itoa(s.Version)},
		"confirmation_interval_months.high":   {strconv.Itoa(p.ConfirmationIntervalMonths.High)},
		"confirmation_interval_months.medium": {strconv.Itoa(p.ConfirmationIntervalMonths.Medium)},
		"confirmation_interval_months.low":    {strconv.Itoa(p.ConfirmationIntervalMonths.Low)},
		"confirmation_before_end_days":        {strconv.Itoa(p.ConfirmationBeforeEndDays)},
		"renewal_review_lead_days":            {strconv.Itoa(p.RenewalReviewLeadDays)},
		"default_review_interval_months":      {strconv.Itoa(p.DefaultReviewIntervalMonths)},
		"risk_acceptance_months":              {strconv.Itoa(p.RiskAcceptanceMonths)},
		"escalation_delay_days":               {strconv.Itoa(p.EscalationDelayDays)},
		"overdue_repeat_days":                 {strconv.Itoa(p.OverdueRepeatDays)},
		"ciso_escalation_after_repeats":       {strconv.Itoa(p.CISOEscalationAfterRepeats)},
		"session_idle_minutes":                {strconv.Itoa(p.SessionIdleMinutes)},
		"session_absolute_hours":              {strconv.Itoa(p.SessionAbsoluteHours)},
		"policy_review_interval_months":       {strconv.Itoa(p.PolicyReviewIntervalMonths)},
		"reminder_lead_days":                  {strings.Join(days, ", ")},
		"closure_days":                        {strings.Join(p.ClosureDays, "\n")},
	}
	if p.JapaneseEraDates {
		v.Set("japanese_era_dates", "1")
	}
	return v
}

func (e *env) settings() *domain.Settings {
	e.t.Helper()
	s, err := e.db.GetSettings(context.Background())
	require.NoError(e.t, err)
	return s
}

func TestSettingsAreForAdmins(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		before := e.settings()
		editor := e.person("編集 三郎", "saburo@example.lg.jp", domain.RoleEditor)
		b := e.browser()
		b.signIn(editor.Email)
		p := b.get("/settings")
		require.Equal(t, http.StatusForbidden, p.Status)
		require.NotContains(t, p.Body, `href="/settings"`, "no menu entry")
		form := settingsValues(before)
		form.Set("renewal_review_lead_days", "90")
		require.Equal(t, http.StatusForbidden, b.submit("/reminders", "/settings", form).Status)
		require.Equal(t, before.Version, e.settings().Version, "nothing written")

		admin := e.signedIn()
		require.Equal(t, http.StatusForbidden, admin.post("/settings", form).Status, "no CSRF token")
		require.Equal(t, before.Version, e.settings().Version)
	})
}

func TestSettingsFormShowsEachFieldsErrorAndChangesNothing(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		before := e.settings()
		b := e.signedIn()
		p := b.get("/settings")
		require.Equal(t, http.StatusOK, p.Status, p.Body)
		require.Contains(t, p.Body, "<h1>設定</h1>")
		require.Contains(t, p.Body, `<label for="f-confirmation_interval_months.high">確認の間隔（リスク区分：高）</label>`)
		require.Contains(t, p.Body, `value="30, 7, 1"`)
		require.Contains(t, p.Body, "12-29\n12-30")
		require.Contains(t, p.Body, `name="version" value="`+strconv.Itoa(before.Version)+`"`)
		require.NotRegexp(t, `settings\.[a-z_]+`, p.Body, "every text is translated")

		cases := []struct {
			field  string
			set    func(url.Values)
			status int
		}{
			{"closure_days[1]", func(v url.Values) { v.Set("closure_days", "12-29\n13-45\n2027-05-06") }, http.StatusUnprocessableEntity},
			{"reminder_lead_days[1]", func(v url.Values) { v.Set("reminder_lead_days", "30, 0, 1") }, http.StatusUnprocessableEntity},
			{"reminder_lead_days[2]", func(v url.Values) { v.Set("reminder_lead_days", "30, 7, 一") }, http.StatusUnprocessableEntity},
			{"reminder_lead_days", func(v url.Values) { v.Set("reminder_lead_days", "") }, http.StatusUnprocessableEntity},
			{"confirmation_interval_months.high", func(v url.Values) { v.Set("confirmation_interval_months.high", "0") }, http.StatusUnprocessableEntity},
			{"escalation_delay_days", func(v url.Values) { v.Set("escalation_delay_days", "abc") }, http.StatusUnprocessableEntity},
		}
		for _, c := range cases {
			form := settingsValues(before)
			form.Set("renewal_review_lead_days", "90")
			c.set(form)
			got := b.submit("/settings", "/settings", form)
			require.Equal(t, c.status, got.Status, "%s: %s", c.field, got.Body)
			require.Contains(t, got.Body, `id="e-`+c.field+`"`, c.field)
			// html/template escapes the brackets of the fragment; a browser
			// decodes them again to find the element.
			require.Contains(t, got.Body, `<a href="#f-`+strings.NewReplacer("[", "%5b", "]", "%5d").Replace(c.field)+`">`, "%s in the summary", c.field)
			require.Contains(t, got.Body, `id="f-`+c.field+`"`, "%s: the summary's link has a target", c.field)
			require.Contains(t, got.Body, `value="90"`, "%s: what was typed is kept", c.field)
			require.Contains(t, got.Body, `aria-invalid="true"`)
			require.Equal(t, before.Version, e.settings().Version, "%s: nothing written", c.field)
		}
		bad := settingsValues(before)
		bad.Set("closure_days", "12-29\n13-45")
		got := b.submit("/settings", "/settings", bad)
		require.Contains(t, got.Body, "2件目", "the entry is numbered next to the box")
		require.Regexp(t, `<p class="field-error" id="f-closure_days\[1\]"[^>]*><span id="e-closure_days\[1\]">`, got.Body)
		require.Contains(t, got.Body, `aria-describedby="h-closure_days e-closure_days[1]"`)
	})
}

func TestSettingsFormReplacesTheSettings(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		before := e.settings()
		b := e.signedIn()
		form := settingsValues(before)
		form.Set("confirmation_interval_months.high", "3")
		form.Set("reminder_lead_days", "14、3")
		form.Set("closure_days", "12-29\n\n 2027-05-06 \n")
		form.Set("japanese_era_dates", "1")
		form.Set("session_idle_minutes", "45")
		got := b.submit("/settings", "/settings", form)
		require.Equal(t, http.StatusSeeOther, got.Status, got.Body)
		require.Equal(t, "/settings?done=settings_saved", got.Location)
		after := e.settings()
		require.Equal(t, before.Version+1, after.Version)
		require.Equal(t, 3, after.ConfirmationIntervalMonths.High)
		require.Equal(t, []int{14, 3}, after.ReminderLeadDays)
		require.Equal(t, []string{"12-29", "2027-05-06"}, after.ClosureDays)
		require.True(t, after.JapaneseEraDates)
		require.Equal(t, 45, after.SessionIdleMinutes)
		require.Equal(t, before.RenewalReviewLeadDays, after.RenewalReviewLeadDays)

		shown := b.get(got.Location)
		require.Contains(t, shown.Body, "設定を保存しました。")
		require.Contains(t, shown.Body, `value="14, 3"`)
		require.Regexp(t, `id="f-japanese_era_dates"[^>]* checked`, shown.Body)

		events, err := e.db.ListAuditEvents(e.asAdmin(), domain.AuditFilter{EntityType: "settings"}, domain.PageRequest{Limit: domain.MaxPageSize})
		require.NoError(t, err)
		last := events.Items[len(events.Items)-1]
		require.Equal(t, e.admin.ID, *last.ActorID, "the person is the actor")

		// The old form is stale now: refused, not lost.
		stale := b.submit("/settings", "/settings", form)
		require.Equal(t, http.StatusPreconditionFailed, stale.Status, stale.Body)
		require.Equal(t, after.Version, e.settings().Version)

		// An empty closure box is no closure days, not the default.
		none := settingsValues(after)
		none.Set("closure_days", "")
		require.Equal(t, http.StatusSeeOther, b.submit("/settings", "/settings", none).Status)
		require.Empty(t, e.settings().ClosureDays)
	})
}

func TestPeoplePagesSetThePageRole(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		viewer := e.person("閲覧 四郎", "shiro@example.lg.jp", domain.RoleViewer, domain.SecurityRoleManager)
		vb := e.browser()
		vb.signIn(viewer.Email)
		require.Equal(t, http.StatusForbidden, vb.get("/audit").Status)
		require.Equal(t, http.StatusForbidden, vb.get("/people").Status)
		require.Equal(t, http.StatusForbidden, vb.get("/people/"+viewer.ID).Status)

		admin := e.signedIn()
		list := admin.get("/people")
		require.Equal(t, http.StatusOK, list.Status, list.Body)
		require.Contains(t, list.Body, `<a href="/people/`+viewer.ID+`">閲覧 四郎</a>`)
		require.Contains(t, list.Body, "shiro@example.lg.jp")
		require.Contains(t, list.Body, "情報セキュリティ責任者")
		require.Contains(t, list.Body, "APIトークンの権限")
		require.NotRegexp(t, `people\.[a-z_]+`, list.Body, "every text is translated")
		require.Contains(t, admin.get("/people?q=shiro").Body, "閲覧 四郎")
		require.NotContains(t, admin.get("/people?q=nobody").Body, "閲覧 四郎")

		page := admin.get("/people/" + viewer.ID)
		require.Equal(t, http.StatusOK, page.Status, page.Body)
		require.Contains(t, page.Body, `<option value="" selected>APIトークンの権限に従う</option>`)
		require.Equal(t, http.StatusNotFound, admin.get("/people/0190c7a0-0000-7000-8000-00000000dead").Status)

		// An editor may not hand out roles.
		editor := e.person("編集 五郎", "goro@example.lg.jp", domain.RoleEditor)
		eb := e.browser()
		eb.signIn(editor.Email)
		token := csrfField.FindStringSubmatch(eb.get("/reminders").Body)
		require.NotNil(t, token)
		require.Equal(t, http.StatusForbidden, eb.post("/people/"+viewer.ID+"/web-role", url.Values{"csrf": {token[1]}, "web_role": {"admin"}}).Status)
		require.Equal(t, http.StatusForbidden, eb.post("/people/"+viewer.ID+"/sign-out", url.Values{"csrf": {token[1]}}).Status)
		role, set, err := e.db.PersonWebRole(context.Background(), viewer.ID)
		require.NoError(t, err)
		require.Equal(t, domain.RoleViewer, role)
		require.False(t, set)
		require.Equal(t, http.StatusForbidden, admin.post("/people/"+viewer.ID+"/web-role", url.Values{"web_role": {"auditor"}}).Status, "no CSRF token")

		bad := admin.submit("/people/"+viewer.ID, "/people/"+viewer.ID+"/web-role", url.Values{"web_role": {"root"}})
		require.Equal(t, http.StatusUnprocessableEntity, bad.Status, bad.Body)
		require.Contains(t, bad.Body, `id="e-web_role"`)
		require.Contains(t, bad.Body, `<a href="#f-web_role">`)

		done := admin.submit("/people/"+viewer.ID, "/people/"+viewer.ID+"/web-role", url.Values{"web_role": {"auditor"}})
		require.Equal(t, http.StatusSeeOther, done.Status, done.Body)
		require.Equal(t, "/people/"+viewer.ID+"?done=people_role_set", done.Location)
		shown := admin.get(done.Location)
		require.Contains(t, shown.Body, "画面での権限を設定しました。")
		require.Contains(t, shown.Body, `<option value="auditor" selected>監査担当</option>`)
		require.Contains(t, shown.Body, "管理者が設定")

		// The person's next page has the new role.
		audit := vb.get("/audit")
		require.Equal(t, http.StatusOK, audit.Status, audit.Body)
		require.Contains(t, audit.Body, "閲覧 四郎 さん（監査担当）")
		events, err := e.db.ListAuditEvents(e.asAdmin(), domain.AuditFilter{EntityType: "person", EntityID: viewer.ID}, domain.PageRequest{Limit: domain.MaxPageSize})
		require.NoError(t, err)
		last := events.Items[len(events.Items)-1]
		require.Equal(t, "web role", last.Reason)
		require.Equal(t, e.admin.ID, *last.ActorID)

		// Cleared, the token's role applies again.
		cleared := admin.submit("/people/"+viewer.ID, "/people/"+viewer.ID+"/web-role", url.Values{"web_role": {""}})
		require.Equal(t, http.StatusSeeOther, cleared.Status, cleared.Body)
		require.Equal(t, http.StatusForbidden, vb.get("/audit").Status)

		// Signed out everywhere: the next page asks to sign in again.
		out := admin.submit("/people/"+viewer.ID, "/people/"+viewer.ID+"/sign-out", nil)
		require.Equal(t, http.StatusSeeOther, out.Status, out.Body)
		require.Contains(t, admin.get(out.Location).Body, "すべての端末からサインアウトさせました。")
		again := vb.get("/reminders")
		require.Equal(t, http.StatusSeeOther, again.Status)
		require.True(t, strings.HasPrefix(again.Location, "/sign-in?"), again.Location)
	})
}
