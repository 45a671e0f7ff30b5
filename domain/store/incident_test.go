package store_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// incWorld is a register with an approved vendor, an active contract that
// includes every mandatory clause (incident_publication and
// periodic_and_emergency_reporting among them), an owner with a
// supervisor, and a ciso.
type incWorld struct {
	ctx        context.Context
	admin      *domain.Person
	owner      *domain.Person
	supervisor *domain.Person
	ciso       *domain.Person
	vendor     *domain.Vendor
	contract   *domain.Contract
}

func incSetup(t *testing.T, db *store.DB) *incWorld {
	t.Helper()
	ctx, admin := outSeed(t, db)
	w := &incWorld{ctx: ctx, admin: admin}
	person := func(name, email string, roles []domain.SecurityRole, sup *string) *domain.Person {
		p, err := db.CreatePerson(ctx, domain.PersonInput{Name: name, Email: email, DepartmentID: admin.DepartmentID, SecurityRoles: roles, SupervisorID: sup})
		require.NoError(t, err)
		return p
	}
	w.ciso = person("最高 責任者", "ciso@example.lg.jp", []domain.SecurityRole{domain.SecurityRoleCISO}, nil)
	w.supervisor = person("上長 課長", "boss@example.lg.jp", nil, nil)
	w.owner = person("担当 職員", "owner@example.lg.jp", nil, &w.supervisor.ID)
	w.vendor = outApprovedVendor(t, ctx, db, admin, "委託先株式会社", nil)
	w.contract = outActiveContract(t, ctx, db, domain.ContractInput{VendorID: w.vendor.ID, Title: "基幹システム保守", OwnerID: admin.ID,
		StartDate: outDate(t, "2026-04-01"), InformationAssets: outAssets(domain.Confidentiality2)})
	return w
}

func (w *incWorld) input(detected time.Time, severity string) domain.IncidentInput {
	return domain.IncidentInput{Title: "委託先サーバへの不正アクセス", Description: "委託先の保守用サーバに不審なログインがあった。",
		DetectedAt: detected, ReportedBy: domain.ReportedByStaff, ReporterID: w.owner.ID, Severity: severity,
		AffectedAssets: outAssets(domain.Confidentiality2), PersonalInformationInvolved: true,
		Records: []domain.IncidentRecord{{Type: domain.RecordContract, ID: w.contract.ID}, {Type: domain.RecordVendor, ID: w.vendor.ID}},
		OwnerID: w.owner.ID}
}

func incFields(t *testing.T, err error) []string {
	t.Helper()
	require.Equal(t, domain.EINVALID, domain.ErrorCodeOf(err), "%v", err)
	var e *domain.Error
	require.ErrorAs(t, err, &e)
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	sort.Strings(out)
	return out
}

func TestIncidentCreateRefusesEveryOffendingField(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2026, time.December, 1, 9, 30, 0))
		w := incSetup(t, db)
		in := w.input(outTokyo(t, 2026, time.December, 1, 9, 0, 0), "critical")
		in.Records = append(in.Records, domain.IncidentRecord{Type: domain.RecordCloudService, ID: "0190d7f0-0000-7000-8000-000000000001"})
		in.ReporterID = ""
		_, err := db.CreateIncident(w.ctx, in)
		require.Equal(t, []string{"records[2].id", "reporter_id", "severity"}, incFields(t, err))

		in = w.input(outTokyo(t, 2026, time.December, 1, 10, 0, 0), "high") // in the future
		in.ReportedBy = domain.ReportedByContractor
		_, err = db.CreateIncident(w.ctx, in)
		require.Equal(t, []string{"contractor_reported_at", "detected_at", "reporting_contract_id"}, incFields(t, err))

		in = w.input(outTokyo(t, 2026, time.December, 1, 9, 0, 0), "low")
		in.PublicationRequired = new(bool) // false, against the contract's incident_publication clause
		_, err = db.CreateIncident(w.ctx, in)
		require.Equal(t, []string{"publication_override_reason"}, incFields(t, err))

		page, err := db.ListIncidents(w.ctx, domain.IncidentFilter{}, domain.PageRequest{})
		require.NoError(t, err)
		require.Empty(t, page.Items, "nothing was written")
	})
}

func TestIncidentStoreRules(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2026, time.December, 1, 9, 30, 0))
		w := incSetup(t, db)
		detected := outTokyo(t, 2026, time.December, 1, 9, 0, 0)
		in := w.input(detected, "medium")
		in.ReportedBy, in.ReporterID = domain.ReportedByContractor, ""
		in.ReportingContractID = w.contract.ID
		reported := outTokyo(t, 2026, time.December, 1, 9, 10, 0)
		in.ContractorReportedAt = &reported
		inc, err := db.CreateIncident(w.ctx, in)
		require.NoError(t, err)
		require.Equal(t, domain.StepDetected, inc.Status)
		require.True(t, inc.ReportingClauseIncluded, "the contract includes periodic_and_emergency_reporting")
		require.True(t, inc.PublicationDefault, "the contract includes incident_publication")
		require.True(t, inc.PublicationRequired)
		require.Equal(t, domain.StepReportedToCISO, inc.NextStep)
		require.Equal(t, detected.Add(4*time.Hour).UTC(), *inc.NextDeadline, "medium: the CISO within 4 hours")
		require.Len(t, inc.Timeline, 5)
		require.Equal(t, detected.Add(72*time.Hour).UTC(), *inc.Step(domain.StepContained).Deadline)

		// Filters.
		for _, f := range []domain.IncidentFilter{{RecordID: w.vendor.ID}, {Severity: "medium"}, {OwnerID: w.owner.ID}, {Q: "不正アクセス"}, {FiscalYear: 2026}, {Status: domain.StepDetected}} {
			page, err := db.ListIncidents(w.ctx, f, domain.PageRequest{})
			require.NoError(t, err)
			require.Len(t, page.Items, 1, "%+v", f)
		}
		for _, f := range []domain.IncidentFilter{{RecordID: w.admin.ID}, {Severity: "high"}, {FiscalYear: 2025}, {Status: domain.StepClosed}} {
			page, err := db.ListIncidents(w.ctx, f, domain.PageRequest{})
			require.NoError(t, err)
			require.Empty(t, page.Items, "%+v", f)
		}

		// Step order: contained before reported_to_ciso is a conflict.
		_, err = db.RecordIncidentStep(w.ctx, inc.ID, nil, domain.IncidentStepInput{Step: domain.StepContained})
		require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(err), "%v", err)
		// A stale version.
		stale := inc.Version + 5
		_, err = db.RecordIncidentStep(w.ctx, inc.ID, &stale, domain.IncidentStepInput{Step: domain.StepReportedToCISO})
		require.Equal(t, domain.ESTALE, domain.ErrorCodeOf(err))
		// Before detection: invalid.
		early := detected.Add(-time.Minute)
		_, err = db.RecordIncidentStep(w.ctx, inc.ID, nil, domain.IncidentStepInput{Step: domain.StepReportedToCISO, At: &early})
		require.Equal(t, []string{"at"}, incFields(t, err))

		inc, err = db.RecordIncidentStep(w.ctx, inc.ID, &inc.Version, domain.IncidentStepInput{Step: domain.StepReportedToCISO, Note: "電話で報告"})
		require.NoError(t, err)
		require.Equal(t, domain.StepReportedToCISO, inc.Status)
		e := inc.Step(domain.StepReportedToCISO)
		require.True(t, e.Done)
		require.True(t, *e.Met)
		require.Equal(t, w.admin.ID, e.By)
		_, err = db.RecordIncidentStep(w.ctx, inc.ID, nil, domain.IncidentStepInput{Step: domain.StepReportedToCISO})
		require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(err), "recorded once")

		// Severity raised to high: the deadlines follow.
		in.Severity = "high"
		inc, err = db.ReplaceIncident(w.ctx, inc.ID, &inc.Version, in)
		require.NoError(t, err)
		require.Equal(t, detected.Add(24*time.Hour).UTC(), *inc.NextDeadline)
		notices, err := db.ListReminders(w.ctx, domain.ReminderFilter{Stage: domain.StageNotice}, domain.PageRequest{})
		require.NoError(t, err)
		require.Len(t, notices.Items, 1, "raised to high: the ciso is told once")
		require.Equal(t, w.ciso.ID, notices.Items[0].RecipientID)
		require.Equal(t, inc.Step(domain.StepContained).ReminderSubjectID, notices.Items[0].SubjectID)
		_, err = db.ReplaceIncident(w.ctx, inc.ID, nil, in)
		require.NoError(t, err)
		notices, err = db.ListReminders(w.ctx, domain.ReminderFilter{Stage: domain.StageNotice}, domain.PageRequest{})
		require.NoError(t, err)
		require.Len(t, notices.Items, 1, "staying high tells nobody again")
		inc, err = db.FindIncident(w.ctx, inc.ID)
		require.NoError(t, err)

		// Suspend the vendor (through the vendor's own status change) and
		// open a corrective action: both listed on the incident.
		inc, err = db.SuspendIncidentRecord(w.ctx, inc.ID, &inc.Version, domain.IncidentSuspensionInput{Type: domain.RecordVendor, ID: w.vendor.ID, Reason: "調査中のため"})
		require.NoError(t, err)
		require.Len(t, inc.Suspensions, 1)
		v, err := db.FindVendor(w.ctx, w.vendor.ID)
		require.NoError(t, err)
		require.Equal(t, domain.VendorSuspended, v.Status)
		_, err = db.SuspendIncidentRecord(w.ctx, inc.ID, nil, domain.IncidentSuspensionInput{Type: domain.RecordVendor, ID: w.vendor.ID, Reason: "再度"})
		require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(err), "a suspended vendor cannot be suspended again: %v", err)
		_, err = db.SuspendIncidentRecord(w.ctx, inc.ID, nil, domain.IncidentSuspensionInput{Type: domain.RecordSocialAccount, ID: w.vendor.ID, Reason: "x"})
		require.Equal(t, []string{"id"}, incFields(t, err))

		inc, action, err := db.OpenIncidentAction(w.ctx, inc.ID, &inc.Version, domain.IncidentActionInput{Description: "アクセス制御の見直し",
			Severity: domain.SeverityHigh, DueDate: outDate(t, "2027-01-29"), ContractID: w.contract.ID})
		require.NoError(t, err)
		require.Equal(t, []string{action.ID}, inc.CorrectiveActionIDs)
		require.Equal(t, domain.SourceIncident, action.Source)
		require.Equal(t, inc.ID, action.SourceID)
		require.Equal(t, w.owner.ID, action.OwnerID, "the incident's owner by default")
		require.Equal(t, w.vendor.ID, action.VendorID)

		// Closing needs lessons learned.
		for _, s := range []domain.IncidentStep{domain.StepContained, domain.StepRecovered} {
			inc, err = db.RecordIncidentStep(w.ctx, inc.ID, nil, domain.IncidentStepInput{Step: s})
			require.NoError(t, err)
		}
		_, err = db.RecordIncidentStep(w.ctx, inc.ID, nil, domain.IncidentStepInput{Step: domain.StepClosed})
		require.Equal(t, []string{"lessons_learned"}, incFields(t, err))
		inc, err = db.RecordIncidentStep(w.ctx, inc.ID, nil, domain.IncidentStepInput{Step: domain.StepClosed, LessonsLearned: "保守経路の多要素認証を必須とする"})
		require.NoError(t, err)
		require.Equal(t, domain.StepClosed, inc.Status)
		require.Empty(t, inc.NextStep)
		_, err = db.ReplaceIncident(w.ctx, inc.ID, nil, in)
		require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(err), "closed")

		// Publication may be recorded after closure.
		inc, err = db.RecordIncidentPublication(w.ctx, inc.ID, nil, domain.IncidentPublicationInput{PublishedOn: outDate(t, "2026-12-01"), Note: "ホームページ"})
		require.NoError(t, err)
		require.Equal(t, "2026-12-01", inc.PublishedOn.String())
		_, err = db.RecordIncidentPublication(w.ctx, inc.ID, nil, domain.IncidentPublicationInput{PublishedOn: outDate(t, "2026-12-02")})
		require.Equal(t, []string{"published_on"}, incFields(t, err))

		// The audit chain has every change.
		events, err := db.ListAuditEvents(w.ctx, domain.AuditFilter{EntityType: "incident", EntityID: inc.ID}, domain.PageRequest{Limit: 100})
		require.NoError(t, err)
		var actions []string
		for _, ev := range events.Items {
			actions = append(actions, ev.Action)
		}
		require.Equal(t, []string{"create", "record_step", "update", "update", "suspend_record", "open_corrective_action", "record_step", "record_step", "record_step", "publish"}, actions)
		vev, err := db.ListAuditEvents(w.ctx, domain.AuditFilter{EntityType: "vendor", EntityID: w.vendor.ID}, domain.PageRequest{Limit: 100})
		require.NoError(t, err)
		last := vev.Items[len(vev.Items)-1]
		require.Equal(t, "suspend", last.Action)
		require.True(t, strings.Contains(last.Reason, inc.ID), last.Reason)
	})
}

// incLedger lists the ledger rows of incident steps as
// "stage/repeat→name(as)" per step subject.
func incLedger(t *testing.T, db *store.DB, ctx context.Context, inc *domain.Incident, names map[string]string) map[domain.IncidentStep][]string {
	t.Helper()
	out := map[domain.IncidentStep][]string{}
	for _, e := range inc.Timeline {
		if e.ReminderSubjectID == "" {
			continue
		}
		page, err := db.ListReminders(ctx, domain.ReminderFilter{SubjectType: domain.SubjectIncidentStep, SubjectID: e.ReminderSubjectID}, domain.PageRequest{Limit: 200})
		require.NoError(t, err)
		for _, r := range page.Items {
			require.Equal(t, "/v1/incidents/"+inc.ID, r.Path)
			s := r.Stage
			if r.Stage == domain.StageOverdue {
				s += "/" + string(rune('0'+r.Repeat))
			}
			s += "→" + names[r.RecipientID]
			if r.EscalatedAs != "" {
				s += "(" + r.EscalatedAs + ")"
			}
			out[e.Step] = append(out[e.Step], s)
		}
		sort.Strings(out[e.Step])
	}
	return out
}

// TestIncidentFromDetectionToClosureIsRemindedAndEscalated reports a
// high-severity incident and walks the clock: the ciso is told at once,
// every step's deadline is reminded on its day and escalated as soon as it
// passes, and the overdue reminders repeat and reach the ciso.
func TestIncidentFromDetectionToClosureIsRemindedAndEscalated(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2026, time.December, 1, 9, 5, 0))
		w := incSetup(t, db)
		names := map[string]string{w.owner.ID: "owner", w.supervisor.ID: "supervisor", w.ciso.ID: "ciso", w.admin.ID: "admin"}
		tokyo := db.Location()
		scan := func() domain.ScanReport {
			t.Helper()
			var got []domain.Digest
			rep, err := db.ScanDue(context.Background(), domain.DateOf(clock.Now(), tokyo), func(_ context.Context, _ store.Tx, d []domain.Digest) error {
				got = d
				return nil
			})
			require.NoError(t, err)
			require.Equal(t, rep.Digests, len(got))
			return rep
		}
		var urgent [][]domain.Digest
		db.OnUrgentReminders(func(_ context.Context, tx store.Tx, d []domain.Digest) error {
			require.NotNil(t, tx, "queued in the incident's transaction")
			urgent = append(urgent, d)
			return nil
		})
		scan() // whatever else the register has

		inc, err := db.CreateIncident(w.ctx, w.input(outTokyo(t, 2026, time.December, 1, 9, 0, 0), "high"))
		require.NoError(t, err)
		require.Len(t, urgent, 1, "one urgent queueing")
		require.Equal(t, []domain.Digest{{RecipientID: w.ciso.ID, ReminderIDs: urgent[0][0].ReminderIDs}}, urgent[0])
		require.Equal(t, map[domain.IncidentStep][]string{domain.StepReportedToCISO: {"notice→ciso(ciso)"}}, incLedger(t, db, w.ctx, inc, names))

		// 09:05: the CISO report is due today at 10:00.
		scan()
		require.Equal(t, []string{"due→owner", "notice→ciso(ciso)"}, incLedger(t, db, w.ctx, inc, names)[domain.StepReportedToCISO])
		require.Zero(t, scan().RemindersQueued, "a second scan adds nothing")
		// 10:00 passed: overdue at once, escalated to the supervisor.
		clock.Set(outTokyo(t, 2026, time.December, 1, 10, 15, 0))
		scan()
		require.Equal(t, []string{"due→owner", "notice→ciso(ciso)", "overdue/0→owner", "overdue/0→supervisor(supervisor)"},
			incLedger(t, db, w.ctx, inc, names)[domain.StepReportedToCISO])
		require.Zero(t, scan().RemindersQueued)
		// The home pages agree: the owner's step is overdue, and the
		// supervisor sees it from the deadline on.
		as := func(p *domain.Person) context.Context {
			return domain.WithActor(context.Background(), domain.Actor{PersonID: p.ID, Role: domain.RoleEditor, Name: p.Name})
		}
		for _, who := range []*domain.Person{w.owner, w.supervisor} {
			work, err := db.MyWork(as(who), domain.DateOf(clock.Now(), tokyo))
			require.NoError(t, err)
			var found *domain.WorkItem
			for k := range work.Items {
				if work.Items[k].Kind == domain.WorkKind(domain.SubjectIncidentStep) {
					found = &work.Items[k]
				}
			}
			require.NotNil(t, found, names[who.ID])
			require.True(t, found.Overdue, names[who.ID])
			require.Equal(t, "/incidents/"+inc.ID, found.Path)
			require.Equal(t, who == w.supervisor, found.AsSupervisor)
			require.Contains(t, found.Title, "CISOへの報告（期限 2026-12-01 10:00）")
		}

		inc, err = db.RecordIncidentStep(w.ctx, inc.ID, nil, domain.IncidentStepInput{Step: domain.StepReportedToCISO, Note: "CISOへ報告"})
		require.NoError(t, err)
		require.False(t, *inc.Step(domain.StepReportedToCISO).Met, "reported after the deadline")
		require.Equal(t, 1, scan().RemindersQueued, "containment is due tomorrow at 09:00: before_1 today")

		// Containment: reminded the day before (lead 1), on the day, and
		// escalated once 09:00 passes.
		got := incLedger(t, db, w.ctx, inc, names)[domain.StepContained]
		require.Equal(t, []string{"before_1→owner"}, got)
		clock.Set(outTokyo(t, 2026, time.December, 2, 8, 0, 0))
		scan()
		clock.Set(outTokyo(t, 2026, time.December, 2, 9, 0, 0))
		scan()
		require.Equal(t, []string{"before_1→owner", "due→owner", "overdue/0→owner", "overdue/0→supervisor(supervisor)"},
			incLedger(t, db, w.ctx, inc, names)[domain.StepContained])
		// Unresolved, repeated every overdue_repeat_days (7), reaching the
		// ciso from the 2nd repeat.
		clock.Set(outTokyo(t, 2026, time.December, 9, 9, 0, 0))
		scan()
		clock.Set(outTokyo(t, 2026, time.December, 16, 9, 0, 0))
		scan()
		require.Equal(t, []string{"before_1→owner", "due→owner", "overdue/0→owner", "overdue/0→supervisor(supervisor)",
			"overdue/1→owner", "overdue/1→supervisor(supervisor)", "overdue/2→ciso(ciso)", "overdue/2→owner", "overdue/2→supervisor(supervisor)"},
			incLedger(t, db, w.ctx, inc, names)[domain.StepContained])

		// The rest of the timeline: recovered is long overdue (72 h), so
		// it is escalated at the next scan; closing ends the reminders.
		inc, err = db.RecordIncidentStep(w.ctx, inc.ID, nil, domain.IncidentStepInput{Step: domain.StepContained})
		require.NoError(t, err)
		clock.Set(outTokyo(t, 2026, time.December, 16, 9, 15, 0))
		scan()
		require.Equal(t, []string{"overdue/0→owner", "overdue/0→supervisor(supervisor)"}, incLedger(t, db, w.ctx, inc, names)[domain.StepRecovered])
		inc, err = db.RecordIncidentStep(w.ctx, inc.ID, nil, domain.IncidentStepInput{Step: domain.StepRecovered})
		require.NoError(t, err)
		scan()
		require.Equal(t, []string{"before_30→owner"}, incLedger(t, db, w.ctx, inc, names)[domain.StepClosed], "closing is due on 31 December")
		inc, err = db.RecordIncidentStep(w.ctx, inc.ID, nil, domain.IncidentStepInput{Step: domain.StepClosed, LessonsLearned: "保守経路の多要素認証"})
		require.NoError(t, err)
		clock.Set(outTokyo(t, 2027, time.January, 5, 9, 0, 0))
		require.Zero(t, scan().RemindersQueued, "a closed incident is not reminded")
		require.Len(t, urgent, 1, "the ciso was noticed once")
	})
}

func TestIncidentKeepsTheRecordsItInvolves(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2026, time.December, 1, 9, 30, 0))
		w := incSetup(t, db)
		draft, err := db.CreateContract(w.ctx, domain.ContractInput{VendorID: w.vendor.ID, Title: "下書き契約", OwnerID: w.admin.ID,
			StartDate: outDate(t, "2026-04-01"), InformationAssets: outAssets(domain.Confidentiality1)})
		require.NoError(t, err)
		in := w.input(outTokyo(t, 2026, time.December, 1, 9, 0, 0), "low")
		in.Records = append(in.Records, domain.IncidentRecord{Type: domain.RecordContract, ID: draft.ID})
		_, err = db.CreateIncident(w.ctx, in)
		require.NoError(t, err)
		require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(db.DeleteContract(w.ctx, draft.ID, nil)))
		require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(db.DeleteVendor(w.ctx, w.vendor.ID, nil)))
		require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(db.DeletePerson(w.ctx, w.owner.ID, nil)))
	})
}
