package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// prPerson creates a person with security roles and returns them with a
// context acting as them through an editor token.
func prPerson(t *testing.T, ctx context.Context, db *store.DB, dept, name string, roles ...domain.SecurityRole) (*domain.Person, context.Context) {
	t.Helper()
	p, err := db.CreatePerson(ctx, domain.PersonInput{Name: name, Email: name + "@example.lg.jp", DepartmentID: dept, SecurityRoles: roles})
	require.NoError(t, err)
	return p, domain.WithActor(context.Background(), domain.Actor{PersonID: p.ID, Role: domain.RoleEditor, Name: p.Name})
}

// prSettingsChange changes the policy review interval and returns the
// audit event of the change.
func prSettingsChange(t *testing.T, ctx context.Context, db *store.DB, months int) *domain.AuditEvent {
	t.Helper()
	s, err := db.GetSettings(ctx)
	require.NoError(t, err)
	p := s.PolicySettings
	p.PolicyReviewIntervalMonths = months
	_, err = db.ReplaceSettings(ctx, nil, p)
	require.NoError(t, err)
	events, err := db.ListAuditEvents(ctx, domain.AuditFilter{EntityType: "settings"}, domain.PageRequest{Limit: domain.MaxPageSize})
	require.NoError(t, err)
	return events.Items[len(events.Items)-1]
}

func prFields(t *testing.T, err error) []string {
	t.Helper()
	var de *domain.Error
	require.ErrorAs(t, err, &de)
	require.Equal(t, domain.EINVALID, de.Code, "%v", err)
	out := []string{}
	for _, f := range de.Fields {
		out = append(out, f.Field)
	}
	return out
}

// TestPolicyReviewDraftLinkAndApprove: a review links only settings and
// catalogue changes (422 at changes[i] otherwise), is approved only by a
// ciso who neither drafted nor last changed it, with a decision, and then
// names the next review date from policy_review_interval_months.
func TestPolicyReviewDraftLinkAndApprove(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2026, time.December, 1, 9, 0, 0))
		ctx, admin := outSeed(t, db)
		dept := admin.DepartmentID
		drafter, asDrafter := prPerson(t, ctx, db, dept, "drafter")
		_, asSup := prPerson(t, ctx, db, dept, "sup", domain.SecurityRoleSupervisor)
		ciso, asCISO := prPerson(t, ctx, db, dept, "ciso", domain.SecurityRoleCISO)
		_, asCISO2 := prPerson(t, ctx, db, dept, "ciso2", domain.SecurityRoleCISO)

		// Nothing but the seed so far: no candidates.
		cands, err := db.ListPolicyChangeCandidates(ctx, domain.PageRequest{})
		require.NoError(t, err)
		require.Empty(t, cands.Items, "seeding is no change a review made")

		settingsEv := prSettingsChange(t, ctx, db, 6)
		item, err := db.CreateCatalogueItem(ctx, domain.CatalogueClauses, domain.CatalogueItemInput{Code: "cloud_region_restriction",
			TitleJa: "データ保管場所の国内限定", TitleEn: "Data kept in Japan"})
		require.NoError(t, err)
		cands, err = db.ListPolicyChangeCandidates(ctx, domain.PageRequest{})
		require.NoError(t, err)
		require.Len(t, cands.Items, 2)
		require.Equal(t, settingsEv.ID, cands.Items[0].AuditEventID)
		require.Equal(t, "catalogue_item", cands.Items[1].EntityType)
		require.Equal(t, "clauses/"+item.Code, cands.Items[1].EntityID)
		itemEvID := cands.Items[1].AuditEventID
		page1, err := db.ListPolicyChangeCandidates(ctx, domain.PageRequest{Limit: 1})
		require.NoError(t, err)
		require.Len(t, page1.Items, 1)
		page2, err := db.ListPolicyChangeCandidates(ctx, domain.PageRequest{Limit: 1, Cursor: page1.NextCursor})
		require.NoError(t, err)
		require.Equal(t, itemEvID, page2.Items[0].AuditEventID)

		// A vendor's event is no policy change; an unknown id is none at all.
		v := outApprovedVendor(t, ctx, db, admin, "見直し株式会社", nil)
		vendorEvs, err := db.ListAuditEvents(ctx, domain.AuditFilter{EntityType: "vendor", EntityID: v.ID}, domain.PageRequest{})
		require.NoError(t, err)
		seedEvs, err := db.ListAuditEvents(ctx, domain.AuditFilter{EntityType: "settings"}, domain.PageRequest{Limit: 1})
		require.NoError(t, err)
		require.Equal(t, domain.AuditSeed, seedEvs.Items[0].Action)
		in := domain.PolicyReviewInput{Trigger: domain.TriggerCircumstances, TriggerDescription: "総務省ガイドラインの改定",
			Changes: []string{settingsEv.ID, vendorEvs.Items[0].ID, "01900000-0000-7000-8000-00000000dead", seedEvs.Items[0].ID}}
		_, err = db.CreatePolicyReview(asDrafter, in)
		require.Equal(t, []string{"changes[1]", "changes[2]", "changes[3]"}, prFields(t, err))
		require.Contains(t, domain.MessageFor(err, domain.LocaleJa), "見直しの内容に誤り")

		// An incident names its record.
		_, err = db.CreatePolicyReview(asDrafter, domain.PolicyReviewInput{Trigger: domain.TriggerIncident, TriggerDescription: "漏えい"})
		require.Equal(t, []string{"trigger_id"}, prFields(t, err))

		// The draft, with a next review date on a closure day: moved.
		in.Changes = []string{settingsEv.ID, itemEvID}
		in.NextReviewDue = outDate(t, "2027-01-03")
		r, err := db.CreatePolicyReview(asDrafter, in)
		require.NoError(t, err)
		require.Equal(t, domain.PolicyReviewDraft, r.Status)
		require.Equal(t, drafter.ID, r.OwnerID, "the drafter owns it")
		require.Equal(t, drafter.ID, r.DraftedBy)
		require.Equal(t, "2026-12-28", r.NextReviewDue.String(), "2027-01-03 is a Sunday in the year-end closure")
		require.Equal(t, "2027-01-03", r.NextReviewNominal.String())
		require.Len(t, r.Changes, 2)
		require.Equal(t, "settings changed: policy_review_interval_months 12 → 6", r.Changes[0].Summary)
		require.Equal(t, []string{"policy_review_interval_months"}, r.Changes[0].Fields)
		require.Equal(t, settingsEv.Seq, r.Changes[0].Seq)
		require.Equal(t, "catalogue_item clauses/cloud_region_restriction (Data kept in Japan) created", r.Changes[1].Summary)
		require.Equal(t, "一覧の項目 clauses/cloud_region_restriction「データ保管場所の国内限定」を追加", r.Changes[1].SummaryJa)

		// Only a ciso approves: not the supervisor, not without a decision.
		_, err = db.ApprovePolicyReview(asSup, r.ID, nil)
		require.Equal(t, domain.EFORBIDDEN, domain.ErrorCodeOf(err))
		require.Contains(t, domain.MessageFor(err, domain.LocaleJa), "最高情報セキュリティ責任者")
		_, err = db.ApprovePolicyReview(asCISO, r.ID, nil)
		require.Equal(t, []string{"decision"}, prFields(t, err))

		// The drafter writes the decision and leaves the date to the settings.
		in.Decision, in.NextReviewDue = "見直し間隔を6か月に短縮する", domain.Date{}
		stale := r.Version
		r, err = db.ReplacePolicyReview(asDrafter, r.ID, &r.Version, in)
		require.NoError(t, err)
		require.Equal(t, 2, r.Version)
		require.True(t, r.NextReviewDue.IsZero())
		_, err = db.ReplacePolicyReview(asDrafter, r.ID, &stale, in)
		require.Equal(t, domain.ESTALE, domain.ErrorCodeOf(err))

		// A ciso who changed the draft cannot approve it either.
		in2 := in
		r, err = db.ReplacePolicyReview(asCISO2, r.ID, nil, in2)
		require.NoError(t, err)
		_, err = db.ApprovePolicyReview(asCISO2, r.ID, nil)
		require.Equal(t, domain.EFORBIDDEN, domain.ErrorCodeOf(err))
		require.Contains(t, domain.MessageFor(err, domain.LocaleJa), "最後に変更した")
		_, err = db.ApprovePolicyReview(asCISO, r.ID, &stale)
		require.Equal(t, domain.ESTALE, domain.ErrorCodeOf(err))

		r, err = db.ApprovePolicyReview(asCISO, r.ID, &r.Version)
		require.NoError(t, err)
		require.Equal(t, domain.PolicyReviewApproved, r.Status)
		require.Equal(t, ciso.ID, r.ApproverID)
		require.NotNil(t, r.ApprovedAt)
		require.Equal(t, "2027-06-01", r.NextReviewDue.String(), "approval day plus 6 months (policy_review_interval_months)")

		_, err = db.ReplacePolicyReview(asDrafter, r.ID, nil, in)
		require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(err))
		_, err = db.ApprovePolicyReview(asCISO2, r.ID, nil)
		require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(err))
		require.Contains(t, domain.MessageFor(err, domain.LocaleJa), "「承認済み」")

		events, err := db.ListAuditEvents(ctx, domain.AuditFilter{EntityType: "policy_review", EntityID: r.ID}, domain.PageRequest{})
		require.NoError(t, err)
		actions := []string{}
		for _, e := range events.Items {
			actions = append(actions, e.Action)
		}
		require.Equal(t, []string{"create", "update", "update", "approve"}, actions)
		require.Contains(t, events.Items[3].Reason, "2027-06-01")

		// After the approval the candidates start afresh.
		clock.Set(outTokyo(t, 2026, time.December, 2, 9, 0, 0))
		cands, err = db.ListPolicyChangeCandidates(ctx, domain.PageRequest{})
		require.NoError(t, err)
		require.Empty(t, cands.Items)
		later := prSettingsChange(t, ctx, db, 12)
		cands, err = db.ListPolicyChangeCandidates(ctx, domain.PageRequest{})
		require.NoError(t, err)
		require.Len(t, cands.Items, 1)
		require.Equal(t, later.ID, cands.Items[0].AuditEventID)

		list, err := db.ListPolicyReviews(ctx, domain.PolicyReviewFilter{Status: domain.PolicyReviewApproved}, domain.PageRequest{})
		require.NoError(t, err)
		require.Len(t, list.Items, 1)
		require.Len(t, list.Items[0].Changes, 2)
		list, err = db.ListPolicyReviews(ctx, domain.PolicyReviewFilter{FiscalYear: 2026}, domain.PageRequest{})
		require.NoError(t, err)
		require.Empty(t, list.Items, "due 2027-06-01, in fiscal year 2027")
		list, err = db.ListPolicyReviews(ctx, domain.PolicyReviewFilter{FiscalYear: 2027}, domain.PageRequest{})
		require.NoError(t, err)
		require.Len(t, list.Items, 1)

		// A draft that will not be approved is deleted; an approved one is history.
		gone, err := db.CreatePolicyReview(asDrafter, domain.PolicyReviewInput{Trigger: domain.TriggerCircumstances, TriggerDescription: "誤って起案", Changes: []string{later.ID}})
		require.NoError(t, err)
		stale = gone.Version + 1
		require.Equal(t, domain.ESTALE, domain.ErrorCodeOf(db.DeletePolicyReview(asDrafter, gone.ID, &stale)))
		require.NoError(t, db.DeletePolicyReview(asDrafter, gone.ID, &gone.Version))
		_, err = db.FindPolicyReview(ctx, gone.ID)
		require.Equal(t, domain.ENOTFOUND, domain.ErrorCodeOf(err))
		events, err = db.ListAuditEvents(ctx, domain.AuditFilter{EntityType: "policy_review", EntityID: gone.ID}, domain.PageRequest{})
		require.NoError(t, err)
		require.Equal(t, domain.AuditDelete, events.Items[len(events.Items)-1].Action)
		require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(db.DeletePolicyReview(asDrafter, r.ID, nil)))

		// The people it names cannot be deleted.
		err = db.DeletePerson(ctx, drafter.ID, nil)
		require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(err))
		require.Contains(t, err.Error(), "policy reviews")
	})
}

// TestPolicyReviewNextDateIsRemindedUntilSuperseded walks the clock: the
// latest approved review's next date is reminded to its owner and
// escalated like every other date; approving a newer review supersedes it,
// cancels what was queued for it and stops its reminders.
func TestPolicyReviewNextDateIsRemindedUntilSuperseded(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2026, time.December, 1, 9, 0, 0))
		ctx, admin := outSeed(t, db)
		dept := admin.DepartmentID
		owner, asOwner := prPerson(t, ctx, db, dept, "owner")
		sup, asSup := prPerson(t, ctx, db, dept, "sup", domain.SecurityRoleSupervisor)
		ciso, asCISO := prPerson(t, ctx, db, dept, "ciso", domain.SecurityRoleCISO)
		scan := func(day string) {
			t.Helper()
			d := outDate(t, day)
			clock.Set(outTokyo(t, d.Year(), time.Month(d.Month()), d.Day(), 9, 0, 0))
			_, err := db.ScanDue(ctx, d, nil)
			require.NoError(t, err)
		}
		ledger := func(subject string) []string {
			t.Helper()
			rows, err := db.ListReminders(ctx, domain.ReminderFilter{SubjectType: domain.SubjectPolicyReview, SubjectID: subject}, domain.PageRequest{Limit: domain.MaxPageSize})
			require.NoError(t, err)
			out := []string{}
			for _, r := range rows.Items {
				who := "owner"
				switch r.RecipientID {
				case sup.ID:
					who = "sup"
				case ciso.ID:
					who = "ciso"
				}
				out = append(out, r.DueDate.String()+" "+r.Stage+" "+who+" "+string(r.Status))
				require.Equal(t, "/v1/policy-reviews/"+subject, r.Path)
			}
			return out
		}

		// The CISO sees the draft waiting for approval on the home page.
		draft, err := db.CreatePolicyReview(asOwner, domain.PolicyReviewInput{Trigger: domain.TriggerCircumstances,
			TriggerDescription: "年次の見直し", Decision: "現行のとおり継続"})
		require.NoError(t, err)
		lines, _ := workLines(t, db, ciso, outDate(t, "2026-12-01"))
		require.Contains(t, lines, "policy_review_approval 状況の変化（新たな指針等）: 年次の見直し  waiting /policy-reviews/"+draft.ID)
		lines, _ = workLines(t, db, owner, outDate(t, "2026-12-01"))
		require.Empty(t, lines, "the drafter cannot approve their own")

		first, err := db.ApprovePolicyReview(asCISO, draft.ID, nil)
		require.NoError(t, err)
		require.Equal(t, "2027-12-01", first.NextReviewDue.String(), "12 months by default")
		// A draft is never reminded.
		scan("2026-12-01")
		require.Empty(t, ledger(first.ID))

		scan("2027-11-01")
		require.Equal(t, []string{"2027-12-01 before_30 owner queued"}, ledger(first.ID))
		lines, _ = workLines(t, db, owner, outDate(t, "2027-11-01"))
		require.Equal(t, []string{"policy_review 情報セキュリティポリシーの次回の見直し 2027-12-01"}, lines)
		rows, err := db.ListReminders(ctx, domain.ReminderFilter{SubjectID: first.ID}, domain.PageRequest{})
		require.NoError(t, err)
		require.Equal(t, "情報セキュリティポリシーの次回の見直し", rows.Items[0].Title)
		scan("2027-12-01")
		scan("2027-12-08")
		require.Equal(t, []string{
			"2027-12-01 before_30 owner queued",
			"2027-12-01 due owner queued",
			"2027-12-01 overdue owner queued",
			"2027-12-01 overdue sup queued",
		}, ledger(first.ID), "the overdue date escalates to every supervisor (the owner has none)")
		lines, _ = workLines(t, db, sup, outDate(t, "2027-12-08"))
		require.Equal(t, []string{"policy_review 情報セキュリティポリシーの次回の見直し 2027-12-01 overdue staff:owner"}, lines)

		// A newer approved review takes over: the old date is cancelled.
		clock.Set(outTokyo(t, 2027, time.December, 10, 9, 0, 0))
		next, err := db.CreatePolicyReview(asSup, domain.PolicyReviewInput{Trigger: domain.TriggerCircumstances,
			TriggerDescription: "年次の見直し（2027年度）", Decision: "継続", OwnerID: owner.ID})
		require.NoError(t, err)
		require.Equal(t, owner.ID, next.OwnerID)
		next, err = db.ApprovePolicyReview(asCISO, next.ID, nil)
		require.NoError(t, err)
		require.Equal(t, "2028-12-08", next.NextReviewDue.String(), "2028-12-10 is a Sunday: the Friday before")
		first, err = db.FindPolicyReview(ctx, first.ID)
		require.NoError(t, err)
		require.Equal(t, next.ID, first.SupersededBy)
		require.Equal(t, []string{
			"2027-12-01 before_30 owner cancelled",
			"2027-12-01 due owner cancelled",
			"2027-12-01 overdue owner cancelled",
			"2027-12-01 overdue sup cancelled",
		}, ledger(first.ID))
		events, err := db.ListAuditEvents(ctx, domain.AuditFilter{EntityType: "policy_review", EntityID: first.ID}, domain.PageRequest{})
		require.NoError(t, err)
		require.Equal(t, "supersede", events.Items[len(events.Items)-1].Action)

		// The old date is not reminded any more; the new one is.
		scan("2027-12-15")
		require.Len(t, ledger(first.ID), 4)
		require.Empty(t, ledger(next.ID))
		lines, _ = workLines(t, db, owner, outDate(t, "2027-12-15"))
		require.Empty(t, lines)
		scan("2028-11-08")
		require.Equal(t, []string{"2028-12-08 before_30 owner queued"}, ledger(next.ID))
	})
}

// TestPolicyReviewTriggerRecordIsChecked: a trigger_id must name a row of
// its trigger's register (the incidents here); an unknown id is refused at
// trigger_id. A register without a table in policyReviewTriggerTables keeps
// the id as given.
func TestPolicyReviewTriggerRecordIsChecked(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		w := incSetup(t, db)
		ctx := w.ctx
		const unknown = "01900000-0000-7000-8000-00000000beef"
		in := domain.PolicyReviewInput{Trigger: domain.TriggerIncident, TriggerID: unknown, TriggerDescription: "委託先からの漏えい報告"}
		_, err := db.CreatePolicyReview(ctx, in)
		require.Equal(t, []string{"trigger_id"}, prFields(t, err))

		inc, err := db.CreateIncident(ctx, w.input(db.Now().Add(-time.Hour), "high"))
		require.NoError(t, err)
		in.TriggerID = inc.ID
		r, err := db.CreatePolicyReview(ctx, in)
		require.NoError(t, err)
		require.Equal(t, inc.ID, r.TriggerID)

		// Each trigger is checked against its own register: an incident's
		// id names no audit.
		_, err = db.CreatePolicyReview(ctx, domain.PolicyReviewInput{Trigger: domain.TriggerAuditResult, TriggerID: inc.ID, TriggerDescription: "監査の結果"})
		require.Equal(t, []string{"trigger_id"}, prFields(t, err))

		// The table is looked up in policyReviewTriggerTables: point it
		// elsewhere and the same id is refused.
		store.SetPolicyReviewTriggerTable(t, domain.TriggerIncident, "people")
		_, err = db.CreatePolicyReview(ctx, in)
		require.Equal(t, []string{"trigger_id"}, prFields(t, err), "the incident's id is no person's")
	})
}
