package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func TestIncidentPages(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner, b := confSignedIn(e, "事案 担当", "jian@example.lg.jp", domain.RoleEditor)
		v, err := e.db.CreateVendor(e.asAdmin(), domain.VendorInput{Name: "委託先株式会社", OwnerID: owner.ID})
		require.NoError(t, err)

		nav := b.get("/")
		require.Contains(t, nav.Body, `<a href="/incidents">インシデント</a>`)
		form := b.get("/incidents/new")
		require.Equal(t, http.StatusOK, form.Status, form.Body)
		require.Contains(t, form.Body, "委託先株式会社")
		require.Contains(t, form.Body, "（最高情報セキュリティ責任者へ直ちに通知）")

		detected := testNow().Add(-30 * time.Minute).In(time.FixedZone("JST", 9*3600))
		fields := url.Values{"title": {"委託先端末からの不審な通信"}, "description": {"作業端末から外部への通信を検知した。"},
			"detected_at": {detected.Format("2006-01-02T15:04")}, "severity": {"critical"}, "reported_by": {"staff"},
			"reporter_id": {owner.ID}, "owner_id": {owner.ID}, "asset_name": {"住民情報"}, "asset_confidentiality": {"2"},
			"asset_integrity": {"1"}, "asset_availability": {"1"}, "personal_information_involved": {"1"}}
		refused := b.submit("/incidents/new", "/incidents", fields)
		require.Equal(t, http.StatusUnprocessableEntity, refused.Status)
		require.Contains(t, refused.Body, `id="e-severity"`)
		require.Contains(t, refused.Body, `id="e-record_vendor"`, "no record chosen")
		require.Contains(t, refused.Body, "委託先端末からの不審な通信", "what was typed is kept")

		fields.Set("severity", "high")
		fields.Set("record_vendor", v.ID)
		created := b.submit("/incidents/new", "/incidents", fields)
		require.Equal(t, http.StatusSeeOther, created.Status, created.Body)
		page, err := e.db.ListIncidents(e.asAdmin(), domain.IncidentFilter{}, domain.PageRequest{})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		inc := page.Items[0]
		path := "/incidents/" + inc.ID
		require.Equal(t, path+"?done=incident_created", created.Location)
		require.True(t, inc.PersonalInformationInvolved)
		require.Equal(t, "住民情報", inc.AffectedAssets[0].Name)

		list := b.get("/incidents?open=1&owner=me")
		require.Contains(t, list.Body, `<a href="`+path+`">委託先端末からの不審な通信</a>`)
		require.Contains(t, list.Body, "CISOへの報告")

		show := b.get(path)
		require.Equal(t, http.StatusOK, show.Status, show.Body)
		require.Contains(t, show.Body, "対応の経過")
		require.Contains(t, show.Body, "機密性2・完全性1・可用性1")
		require.Contains(t, show.Body, `action="`+path+`/steps"`)
		require.Contains(t, show.Body, `name="step" value="reported_to_ciso"`)

		// A step out of order is a 409 shown on the page; the next one is recorded.
		wrong := b.submit(path, path+"/steps", url.Values{"step": {"contained"}})
		require.Equal(t, http.StatusConflict, wrong.Status)
		require.Contains(t, wrong.Body, "「CISOへの報告」より前に「封じ込め」を記録することはできません。")
		ok := b.submit(path, path+"/steps", url.Values{"step": {"reported_to_ciso"}, "note": {"電話で報告"}, "version": {"1"}})
		require.Equal(t, http.StatusSeeOther, ok.Status, ok.Body)
		show = b.get(path)
		require.Contains(t, show.Body, "電話で報告")
		require.Contains(t, show.Body, "期限内")
		require.Contains(t, show.Body, `name="step" value="contained"`)

		// A corrective action from the incident.
		act := b.submit(path, path+"/corrective-actions", url.Values{"action_description": {"通信監視の強化"}, "action_severity": {"high"},
			"action_due_date": {"2027-01-29"}, "action_owner_id": {owner.ID}})
		require.Equal(t, http.StatusSeeOther, act.Status, act.Body)
		got, err := e.db.FindIncident(e.asAdmin(), inc.ID)
		require.NoError(t, err)
		require.Len(t, got.CorrectiveActionIDs, 1)
		require.Contains(t, b.get(path).Body, `<a href="/corrective-actions/`+got.CorrectiveActionIDs[0]+`">通信監視の強化</a>`)

		// Publication.
		pub := b.submit(path, path+"/publication", url.Values{"published_on": {domain.DateOf(testNow(), time.FixedZone("JST", 9*3600)).String()}, "publication_note": {"ホームページ"}})
		require.Equal(t, http.StatusSeeOther, pub.Status, pub.Body)

		// A viewer reads and gets no forms.
		_, viewer := confSignedIn(e, "閲覧 者", "etsuran@example.lg.jp", domain.RoleViewer)
		vp := viewer.get(path)
		require.Equal(t, http.StatusOK, vp.Status)
		require.NotContains(t, vp.Body, `/steps"`)
		require.Equal(t, http.StatusForbidden, viewer.get("/incidents/new").Status)
		require.Equal(t, http.StatusForbidden, viewer.submit(path, path+"/steps", url.Values{"step": {"contained"}}).Status)

		// The owner's pending step is on the home page (私の対応事項).
		home := b.get("/")
		require.Contains(t, home.Body, "インシデント対応の期限")
		require.Contains(t, home.Body, `href="`+path+`"`)
	})
}

func TestIncidentSeveritiesOnTheSettingsPage(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		admin := e.signedIn()
		p := admin.get("/settings")
		require.Equal(t, http.StatusOK, p.Status)
		require.Contains(t, p.Body, "インシデントの重要度と対応期限")
		require.Contains(t, p.Body, `name="incident_severities[0].deadlines.reported_to_ciso_minutes" type="number" inputmode="numeric" min="1" max="525600" value="60"`)

		form := settingsValues(e.settings())
		for i, s := range domain.DefaultIncidentSeverities {
			at := "incident_severities[" + strconv.Itoa(i) + "]."
			form.Set(at+"code", s.Code)
			form.Set(at+"title_ja", s.TitleJa)
			form.Set(at+"title_en", s.TitleEn)
			if s.NotifyCISOAtOnce {
				form.Set(at+"notify_ciso_at_once", "1")
			}
			form.Set(at+"deadlines.reported_to_ciso_minutes", strconv.Itoa(s.Deadlines.ReportedToCISOMinutes))
			form.Set(at+"deadlines.contained_minutes", strconv.Itoa(s.Deadlines.ContainedMinutes))
			form.Set(at+"deadlines.recovered_minutes", strconv.Itoa(s.Deadlines.RecoveredMinutes))
			form.Set(at+"deadlines.closed_minutes", strconv.Itoa(s.Deadlines.ClosedMinutes))
		}
		form.Set("incident_severities[0].deadlines.contained_minutes", "30") // before the CISO report
		bad := admin.submit("/settings", "/settings", form)
		require.Equal(t, http.StatusUnprocessableEntity, bad.Status)
		require.Contains(t, bad.Body, `id="e-incident_severities[0].deadlines.contained_minutes"`)

		form.Set("incident_severities[0].deadlines.contained_minutes", "720")
		ok := admin.submit("/settings", "/settings", form)
		require.Equal(t, http.StatusSeeOther, ok.Status, ok.Body)
		got := e.settings().IncidentSeverities
		require.Len(t, got, 3)
		require.Equal(t, 720, got[0].Deadlines.ContainedMinutes)
		require.True(t, got[0].NotifyCISOAtOnce)
		require.False(t, got[1].NotifyCISOAtOnce)
	})
}
