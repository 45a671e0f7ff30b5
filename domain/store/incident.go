package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

var _ domain.IncidentService = (*DB)(nil)

type incidentRow struct {
	bun.BaseModel `bun:"table:incidents"`

	ID                      string      `bun:"id,pk"`
	Title                   string      `bun:"title"`
	Description             string      `bun:"description"`
	DetectedAt              time.Time   `bun:"detected_at"`
	DetectedOn              domain.Date `bun:"detected_on,type:date"`
	ReportedBy              string      `bun:"reported_by"`
	ReporterID              *string     `bun:"reporter_id"`
	ReportingContractID     *string     `bun:"reporting_contract_id"`
	ReportingClauseIncluded bool        `bun:"reporting_clause_included"`
	ContractorReportedAt    *time.Time  `bun:"contractor_reported_at"`
	Severity                string      `bun:"severity"`
	AffectedAssets          string      `bun:"affected_assets"`
	PersonalInformation     bool        `bun:"personal_information"`
	Records                 string      `bun:"records"`
	OwnerID                 string      `bun:"owner_id"`
	Status                  string      `bun:"status"`
	Timeline                string      `bun:"timeline"`
	NextStep                string      `bun:"next_step"`
	NextDeadline            *time.Time  `bun:"next_deadline"`
	NextDue                 domain.Date `bun:"next_due,type:date"`
	NextSubjectID           string      `bun:"next_subject_id"`
	PublicationDefault      bool        `bun:"publication_default"`
	PublicationOverride     *bool       `bun:"publication_override"`
	PublicationReason       string      `bun:"publication_reason"`
	PublishedOn             domain.Date `bun:"published_on,type:date"`
	PublicationNote         string      `bun:"publication_note"`
	LessonsLearned          string      `bun:"lessons_learned"`
	CorrectiveActionIDs     string      `bun:"corrective_action_ids"`
	Suspensions             string      `bun:"suspensions"`
	Version                 int         `bun:"version"`
	CreatedAt               time.Time   `bun:"created_at"`
	UpdatedAt               time.Time   `bun:"updated_at"`
	SearchText              *string     `bun:"search_text"`
}

type incidentRecordRow struct {
	bun.BaseModel `bun:"table:incident_records"`

	IncidentID string `bun:"incident_id,pk"`
	RecordType string `bun:"record_type,pk"`
	RecordID   string `bun:"record_id,pk"`
}

const entityIncident = "incident"

// BeforeAppendModel folds the incident's title and description into
// search_text.
func (r *incidentRow) BeforeAppendModel(_ context.Context, query bun.Query) error {
	if writes(query) {
		r.SearchText = foldedSearch(r.Title, r.Description)
	}
	return nil
}

// incidentStepSubjectID is the ledger's subject of one step of an
// incident: a name-based UUID of the incident and the step, so that each
// step's reminders have their own keys (two steps due on one day are both
// reminded) and the same step always has the same subject.
func incidentStepSubjectID(incidentID string, step domain.IncidentStep) string {
	base, err := uuid.Parse(incidentID)
	if err != nil {
		base = uuid.Nil
	}
	return uuid.NewSHA1(base, []byte("incident_step:"+string(step))).String()
}

func (r *incidentRow) toDomain(now time.Time) *domain.Incident {
	i := &domain.Incident{
		ID: r.ID, Title: r.Title, Description: r.Description, DetectedAt: r.DetectedAt.UTC(),
		ReportedBy: domain.IncidentReporter(r.ReportedBy), ReporterID: deref(r.ReporterID), ReportingContractID: deref(r.ReportingContractID),
		ReportingClauseIncluded: r.ReportingClauseIncluded, ContractorReportedAt: utcPtr(r.ContractorReportedAt),
		Severity: r.Severity, PersonalInformationInvolved: r.PersonalInformation, OwnerID: r.OwnerID,
		Status: domain.IncidentStep(r.Status), NextStep: domain.IncidentStep(r.NextStep), NextDeadline: utcPtr(r.NextDeadline),
		PublicationDefault: r.PublicationDefault, PublicationRequired: r.PublicationDefault, PublicationOverrideReason: r.PublicationReason,
		PublishedOn: r.PublishedOn, PublicationNote: r.PublicationNote, LessonsLearned: r.LessonsLearned,
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		AffectedAssets: []domain.InformationAsset{}, Records: []domain.IncidentRecord{}, Timeline: []domain.TimelineEntry{},
		CorrectiveActionIDs: []string{}, Suspensions: []domain.IncidentSuspension{},
	}
	if r.PublicationOverride != nil {
		i.PublicationRequired = *r.PublicationOverride
	}
	_ = json.Unmarshal([]byte(r.AffectedAssets), &i.AffectedAssets)
	_ = json.Unmarshal([]byte(r.Records), &i.Records)
	_ = json.Unmarshal([]byte(r.Timeline), &i.Timeline)
	_ = json.Unmarshal([]byte(r.CorrectiveActionIDs), &i.CorrectiveActionIDs)
	_ = json.Unmarshal([]byte(r.Suspensions), &i.Suspensions)
	for k := range i.Timeline {
		e := &i.Timeline[k]
		e.Overdue = !e.Done && e.Deadline != nil && !now.Before(*e.Deadline)
		if e.Step != domain.StepDetected {
			e.ReminderSubjectID = incidentStepSubjectID(r.ID, e.Step)
		}
	}
	i.Overdue = i.NextDeadline != nil && !now.Before(*i.NextDeadline)
	return i
}

// setTimeline stores the timeline with the deadlines of level and derives
// the status and the next step's deadline, date and ledger subject.
func (r *incidentRow) setTimeline(recorded []domain.TimelineEntry, level domain.IncidentSeverityLevel, now time.Time, loc *time.Location) {
	tl := domain.BuildTimeline(recorded, r.DetectedAt, level, now)
	for k := range tl {
		tl[k].Overdue, tl[k].ReminderSubjectID = false, "" // derived on every read
	}
	b, _ := json.Marshal(tl)
	r.Timeline = string(b)
	r.Status = string(domain.StepDetected)
	for _, e := range tl {
		if e.Done {
			r.Status = string(e.Step)
		}
	}
	next := domain.NextIncidentStep(tl)
	r.NextStep, r.NextDeadline, r.NextDue, r.NextSubjectID = string(next), nil, domain.Date{}, ""
	if next != "" {
		d := tl[next.Index()].Deadline.UTC()
		r.NextDeadline, r.NextDue, r.NextSubjectID = &d, domain.DateOf(d, loc), incidentStepSubjectID(r.ID, next)
	}
}

// recorded returns the recorded steps of the row's timeline.
func (r *incidentRow) recorded() []domain.TimelineEntry {
	var tl []domain.TimelineEntry
	_ = json.Unmarshal([]byte(r.Timeline), &tl)
	out := tl[:0]
	for _, e := range tl {
		if e.Done {
			out = append(out, e)
		}
	}
	return out
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// FindIncident implements domain.IncidentService.
func (db *DB) FindIncident(ctx context.Context, id string) (*domain.Incident, error) {
	var row incidentRow
	if err := loadRow(ctx, db.bun, &row, entityIncident, id); err != nil {
		return nil, err
	}
	return row.toDomain(db.Now()), nil
}

// ListIncidents implements domain.IncidentService.
func (db *DB) ListIncidents(ctx context.Context, f domain.IncidentFilter, p domain.PageRequest) (domain.Page[*domain.Incident], error) {
	var rows []*incidentRow
	q := db.bun.NewSelect().Model(&rows)
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.Open {
		q = q.Where("status <> ?", string(domain.StepClosed))
	}
	if f.Severity != "" {
		q = q.Where("severity = ?", f.Severity)
	}
	if f.OwnerID != "" {
		q = q.Where("owner_id = ?", f.OwnerID)
	}
	if f.RecordID != "" {
		// IN, not a correlated EXISTS: SQLite then reads the record's
		// incidents from their index instead of testing every incident.
		q = q.Where("?TableAlias.id IN (SELECT ir.incident_id FROM incident_records ir WHERE ir.record_id = ?)", f.RecordID)
	}
	if f.Q != "" {
		q = whereSearch(q, f.Q)
	}
	q, err := whereFiscalYear(q, "detected_on", f.FiscalYear)
	if err != nil {
		return domain.Page[*domain.Incident]{}, err
	}
	now := db.Now()
	return listPage(ctx, q, &rows, p, "list incidents",
		func(r *incidentRow) *domain.Incident { return r.toDomain(now) },
		func(i *domain.Incident) string { return i.ID })
}

// recordTables are the tables of the records an incident may involve.
var recordTables = map[domain.IncidentRecordType]string{
	domain.RecordVendor:        "vendors",
	domain.RecordContract:      "contracts",
	domain.RecordCloudService:  "cloud_services",
	domain.RecordSocialAccount: "social_accounts",
}

// checkIncidentInput validates an input and its references and returns the
// severity level, whether the reporting contract includes the emergency
// reporting clause, and the publication default.
func (db *DB) checkIncidentInput(ctx context.Context, tx bun.Tx, in *domain.IncidentInput) (level domain.IncidentSeverityLevel, clause, publication bool, err error) {
	// The shape's errors and the rules' are reported together, each field
	// once: a rule is not checked on a field whose shape is already wrong.
	var fe domain.FieldErrors
	if err := domain.Validate(in); err != nil {
		var e *domain.Error
		if !errors.As(err, &e) || e.Code != domain.EINVALID {
			return level, false, false, err
		}
		fe = append(fe, e.Fields...)
	}
	bad := func(field string) bool {
		for _, f := range fe {
			if f.Field == field || strings.HasPrefix(f.Field, field+".") || strings.HasPrefix(f.Field, field+"[") {
				return true
			}
		}
		return false
	}
	settings, err := db.settings(ctx, tx)
	if err != nil {
		return level, false, false, err
	}
	now := db.Now()
	level, ok := settings.IncidentSeverityOf(in.Severity)
	if !ok && !bad("severity") {
		fe.AddJa("severity", "must be one of the settings' incident severities: "+strings.Join(settings.IncidentSeverityCodes(), ", "),
			"設定で定めた重要度（"+strings.Join(settings.IncidentSeverityCodes(), "、")+"）のいずれかを指定してください。", in.Severity)
	}
	if in.DetectedAt.IsZero() {
		fe.AddJa("detected_at", "is required", "入力してください。", nil)
	} else if in.DetectedAt.After(now) {
		fe.AddJa("detected_at", "must not be in the future", "未来の日時は指定できません。", in.DetectedAt.Format(time.RFC3339))
	}
	if !bad("owner_id") {
		if err := requirePerson(ctx, tx, &fe, "owner_id", in.OwnerID); err != nil {
			return level, false, false, err
		}
	}
	seen := map[string]bool{}
	var contracts []string
	for k, r := range in.Records {
		at := fmt.Sprintf("records[%d].id", k)
		if bad(fmt.Sprintf("records[%d]", k)) || recordTables[r.Type] == "" {
			continue
		}
		if seen[string(r.Type)+"|"+r.ID] {
			fe.AddJa(at, "is listed twice", "同じ記録が2回指定されています。", r.ID)
			continue
		}
		seen[string(r.Type)+"|"+r.ID] = true
		ok, err := tx.NewSelect().Table(recordTables[r.Type]).Where("id = ?", r.ID).Exists(ctx)
		if err != nil {
			return level, false, false, fmt.Errorf("store: check %s: %w", r.Type, err)
		}
		if !ok {
			fe.AddJa(at, "no "+string(r.Type)+" has this id", "この"+r.Type.DisplayName(domain.LocaleJa)+"は登録されていません。", r.ID)
		}
		if r.Type == domain.RecordContract {
			contracts = append(contracts, r.ID)
		}
	}
	switch in.ReportedBy {
	case domain.ReportedByStaff:
		if in.ReporterID == "" {
			fe.AddJa("reporter_id", "is required when staff reported it", "報告した職員を指定してください。", nil)
		} else if !bad("reporter_id") {
			if err := requirePerson(ctx, tx, &fe, "reporter_id", in.ReporterID); err != nil {
				return level, false, false, err
			}
		}
		in.ReportingContractID, in.ContractorReportedAt = "", nil
	case domain.ReportedByContractor:
		in.ReporterID = ""
		if in.ReportingContractID == "" {
			fe.AddJa("reporting_contract_id", "is required when the contractor reported it", "報告の根拠となる契約を指定してください。", nil)
		} else if !seen[string(domain.RecordContract)+"|"+in.ReportingContractID] {
			fe.AddJa("reporting_contract_id", "must be one of the records (type contract)", "関係する記録に含まれる契約を指定してください。", in.ReportingContractID)
		}
		switch {
		case in.ContractorReportedAt == nil:
			fe.AddJa("contractor_reported_at", "is required when the contractor reported it", "委託事業者から報告を受けた日時を入力してください。", nil)
		case in.ContractorReportedAt.After(now):
			fe.AddJa("contractor_reported_at", "must not be in the future", "未来の日時は指定できません。", in.ContractorReportedAt.Format(time.RFC3339))
		case !in.DetectedAt.IsZero() && in.ContractorReportedAt.Before(in.DetectedAt):
			fe.AddJa("contractor_reported_at", "must not be before detected_at", "検知日時より前にはできません。", in.ContractorReportedAt.Format(time.RFC3339))
		}
	}
	if len(fe) == 0 {
		if in.ReportedBy == domain.ReportedByContractor {
			if clause, err = contractsInclude(ctx, tx, []string{in.ReportingContractID}, domain.ClauseEmergencyReporting); err != nil {
				return level, false, false, err
			}
		}
		if publication, err = contractsInclude(ctx, tx, contracts, domain.ClauseIncidentPublication); err != nil {
			return level, false, false, err
		}
		fe = domain.PublicationProblems(publication, in.PublicationRequired, in.PublicationOverrideReason)
	}
	return level, clause, publication, fe.ErrJa("the incident breaks one or more rules", "インシデントの内容に誤りがあります。")
}

// contractsInclude reports whether one of the contracts includes the clause.
func contractsInclude(ctx context.Context, tx bun.IDB, contracts []string, code string) (bool, error) {
	if len(contracts) == 0 {
		return false, nil
	}
	ok, err := tx.NewSelect().Table("contract_clauses").Where("contract_id IN (?) AND code = ? AND status = ?",
		bun.In(contracts), code, string(domain.ClauseIncluded)).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("store: check clause %s: %w", code, err)
	}
	return ok, nil
}

// apply writes an input over the row.
func (r *incidentRow) apply(in domain.IncidentInput, clause, publication bool, loc *time.Location) {
	if in.AffectedAssets == nil {
		in.AffectedAssets = []domain.InformationAsset{}
	}
	r.Title, r.Description, r.DetectedAt = strings.TrimSpace(in.Title), strings.TrimSpace(in.Description), in.DetectedAt.UTC().Truncate(time.Microsecond)
	r.DetectedOn = domain.DateOf(r.DetectedAt, loc)
	r.ReportedBy, r.ReporterID, r.ReportingContractID = string(in.ReportedBy), nullable(in.ReporterID), nullable(in.ReportingContractID)
	r.ReportingClauseIncluded, r.ContractorReportedAt = clause, nil
	if in.ContractorReportedAt != nil {
		t := in.ContractorReportedAt.UTC().Truncate(time.Microsecond)
		r.ContractorReportedAt = &t
	}
	r.Severity, r.AffectedAssets, r.PersonalInformation = in.Severity, jsonText(in.AffectedAssets), in.PersonalInformationInvolved
	r.Records, r.OwnerID = jsonText(in.Records), in.OwnerID
	r.PublicationDefault, r.PublicationOverride, r.PublicationReason = publication, nil, ""
	if in.PublicationRequired != nil && *in.PublicationRequired != publication {
		v := *in.PublicationRequired
		r.PublicationOverride, r.PublicationReason = &v, strings.TrimSpace(in.PublicationOverrideReason)
	}
	r.LessonsLearned = strings.TrimSpace(in.LessonsLearned)
}

// writeIncidentRecords replaces the incident's rows of involved records.
func writeIncidentRecords(ctx context.Context, tx bun.Tx, id string, records []domain.IncidentRecord) error {
	if _, err := tx.NewDelete().Model((*incidentRecordRow)(nil)).Where("incident_id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("store: clear incident records: %w", err)
	}
	rows := make([]incidentRecordRow, 0, len(records))
	for _, r := range records {
		rows = append(rows, incidentRecordRow{IncidentID: id, RecordType: string(r.Type), RecordID: r.ID})
	}
	if len(rows) == 0 {
		return nil
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return wrap("insert incident records", translate(err))
	}
	return nil
}

// CreateIncident implements domain.IncidentService.
func (db *DB) CreateIncident(ctx context.Context, in domain.IncidentInput) (*domain.Incident, error) {
	var out *domain.Incident
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		level, clause, publication, err := db.checkIncidentInput(ctx, tx, &in)
		if err != nil {
			return err
		}
		now := db.Now()
		row := &incidentRow{ID: uuid.Must(uuid.NewV7()).String(), CorrectiveActionIDs: "[]", Suspensions: "[]", Version: 1, CreatedAt: now, UpdatedAt: now}
		row.apply(in, clause, publication, db.location)
		detected := row.DetectedAt
		by := actorOf(ctx).PersonID
		if in.ReportedBy == domain.ReportedByStaff && by == "" {
			by = in.ReporterID
		}
		row.setTimeline([]domain.TimelineEntry{{Step: domain.StepDetected, At: &detected, By: by, RecordedAt: &now, Done: true}}, level, now, db.location)
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return wrap("insert incident", translate(err))
		}
		if err := writeIncidentRecords(ctx, tx, row.ID, in.Records); err != nil {
			return err
		}
		out = row.toDomain(now)
		if err := db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditCreate, EntityType: entityIncident, EntityID: row.ID,
			Reason: "severity " + row.Severity, After: out}); err != nil {
			return err
		}
		if level.NotifyCISOAtOnce {
			return db.noticeToCISOs(ctx, tx, row)
		}
		return nil
	})
	return out, err
}

// noticeToCISOs writes the ledger rows of the notice of the incident to
// every active ciso, stage notice, under the next step's subject and date,
// and hands them to the urgent queueing in the same transaction. The
// ledger's key keeps it to one notice per ciso for that step and date.
func (db *DB) noticeToCISOs(ctx context.Context, tx bun.Tx, row *incidentRow) error {
	if row.NextStep == "" || row.NextDeadline == nil {
		return nil
	}
	rec, err := newRecipients(ctx, tx)
	if err != nil {
		return err
	}
	it := dueItem{SubjectType: string(domain.SubjectIncidentStep), SubjectID: row.NextSubjectID, Title: row.Title, DueDate: row.NextDue,
		OwnerID: row.OwnerID, Kind: row.NextStep, Deadline: row.NextDeadline, Path: "/v1/incidents/" + row.ID}
	items := []dueItem{it}
	nameItems(domain.SubjectIncidentStep, items, db.location)
	today := db.today()
	var fresh []*reminderRow
	for _, c := range rec.cisos {
		fresh = append(fresh, db.newReminder(items[0], domain.Stage{Name: domain.StageNotice, On: today},
			recipient{personID: c, locale: rec.locale[c], as: domain.EscalatedAsCISO}, today))
	}
	added, err := db.queueReminders(ctx, tx, fresh)
	if err != nil || len(added) == 0 {
		return err
	}
	digests := make([]domain.Digest, 0, len(added))
	for _, r := range added {
		digests = append(digests, domain.Digest{RecipientID: r.RecipientID, ReminderIDs: []string{r.ID}})
	}
	sort.Slice(digests, func(i, j int) bool { return digests[i].RecipientID < digests[j].RecipientID })
	if db.urgent == nil {
		return nil
	}
	return db.urgent(ctx, tx.Tx, digests)
}

// nameIncidentItem titles an incident step's reminder: the incident, the
// step and its deadline in the body's time zone, per locale.
func nameIncidentItem(it *dueItem, loc *time.Location) {
	step := domain.IncidentStep(it.Kind)
	when := ""
	if it.Deadline != nil {
		when = it.Deadline.In(loc).Format("2006-01-02 15:04")
	}
	it.titles = map[domain.Locale]string{
		domain.LocaleJa: it.Title + "：" + step.DisplayName(domain.LocaleJa) + "（期限 " + when + "）",
		domain.LocaleEn: it.Title + ": " + step.DisplayName(domain.LocaleEn) + " (by " + when + " " + loc.String() + ")",
	}
	it.Title = it.titles[domain.LocaleJa]
}

// cancelIncidentStepReminders stops the queued reminders of an incident
// step that is done or whose deadline moved; the notice to the cisos is
// left to go, since it tells of the incident, not of the date.
func (db *DB) cancelIncidentStepReminders(ctx context.Context, tx bun.Tx, subjectID string) error {
	if subjectID == "" {
		return nil
	}
	_, err := tx.NewUpdate().Model((*reminderRow)(nil)).Set("status = ?", string(domain.ReminderCancelled)).
		Set("cancel_reason = ?", domain.CancelSubjectChanged).
		Where("subject_id = ? AND status = ? AND stage <> ?", subjectID, string(domain.ReminderQueued), domain.StageNotice).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: cancel incident reminders: %w", err)
	}
	_, err = tx.NewUpdate().Model((*reminderRow)(nil)).Set("cancel_reason = ?", domain.CancelSubjectChanged).
		Where("subject_id = ? AND status = ? AND stage <> ?", subjectID, string(domain.ReminderSending), domain.StageNotice).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: mark incident reminders in flight: %w", err)
	}
	return nil
}

// changeIncident runs the steps shared by every change of an incident:
// load, version check, change, write, cancel the reminders of a next step
// whose subject or date moved, audit.
func (db *DB) changeIncident(ctx context.Context, id string, ifVersion *int, allowClosed bool,
	change func(ctx context.Context, tx bun.Tx, row *incidentRow, before *domain.Incident) (action, reason string, err error)) (*domain.Incident, error) {
	var out *domain.Incident
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row incidentRow
		if err := loadRow(ctx, tx, &row, entityIncident, id); err != nil {
			return err
		}
		if err := checkVersion(entityIncident, row.Version, ifVersion); err != nil {
			return err
		}
		now := db.Now()
		before := row.toDomain(now)
		if !allowClosed && before.Closed() {
			return domain.Errorf(domain.ECONFLICT, "the incident is closed").WithJa("このインシデントは終結しています。")
		}
		oldSubject, oldDue := row.NextSubjectID, row.NextDue
		action, reason, err := change(ctx, tx, &row, before)
		if err != nil {
			return err
		}
		read := row.Version
		row.Version, row.UpdatedAt = read+1, now
		if err := updateRow(ctx, tx, &row, entityIncident, id, read, ifVersion); err != nil {
			return err
		}
		if oldSubject != row.NextSubjectID || oldDue != row.NextDue {
			if err := db.cancelIncidentStepReminders(ctx, tx, oldSubject); err != nil {
				return err
			}
		}
		out = row.toDomain(now)
		return db.appendAudit(ctx, tx, auditEntry{Action: action, EntityType: entityIncident, EntityID: id, Reason: reason, Before: before, After: out})
	})
	return out, err
}

// ReplaceIncident implements domain.IncidentService.
func (db *DB) ReplaceIncident(ctx context.Context, id string, ifVersion *int, in domain.IncidentInput) (*domain.Incident, error) {
	return db.changeIncident(ctx, id, ifVersion, false, func(ctx context.Context, tx bun.Tx, row *incidentRow, before *domain.Incident) (string, string, error) {
		level, clause, publication, err := db.checkIncidentInput(ctx, tx, &in)
		if err != nil {
			return "", "", err
		}
		settings, err := db.settings(ctx, tx)
		if err != nil {
			return "", "", err
		}
		oldLevel, _ := settings.IncidentSeverityOf(row.Severity)
		recorded := row.recorded()
		row.apply(in, clause, publication, db.location)
		// The detected step is when it was detected.
		for k := range recorded {
			if recorded[k].Step == domain.StepDetected {
				d := row.DetectedAt
				recorded[k].At = &d
			}
		}
		if err := checkRecordedAfterDetection(recorded, row.DetectedAt); err != nil {
			return "", "", err
		}
		row.setTimeline(recorded, level, db.Now(), db.location)
		if err := writeIncidentRecords(ctx, tx, row.ID, in.Records); err != nil {
			return "", "", err
		}
		reason := ""
		if row.Severity != before.Severity {
			reason = "severity " + before.Severity + " → " + row.Severity
			if level.NotifyCISOAtOnce && !oldLevel.NotifyCISOAtOnce {
				if err := db.noticeToCISOs(ctx, tx, row); err != nil {
					return "", "", err
				}
			}
		}
		return domain.AuditUpdate, reason, nil
	})
}

// checkRecordedAfterDetection refuses a detection time after a step
// already recorded.
func checkRecordedAfterDetection(recorded []domain.TimelineEntry, detected time.Time) error {
	for _, e := range recorded {
		if e.Step != domain.StepDetected && e.At != nil && e.At.Before(detected) {
			return domain.Invalid("detected_at is after a recorded step", domain.FieldError{Field: "detected_at",
				Message: "must not be after the step " + string(e.Step) + " recorded at " + e.At.Format(time.RFC3339),
				Ja:      "記録済みの段階「" + e.Step.DisplayName(domain.LocaleJa) + "」の日時より後にはできません。", Value: detected.Format(time.RFC3339)}).
				WithJa("インシデントの内容に誤りがあります。")
		}
	}
	return nil
}

// RecordIncidentStep implements domain.IncidentService.
func (db *DB) RecordIncidentStep(ctx context.Context, id string, ifVersion *int, in domain.IncidentStepInput) (*domain.Incident, error) {
	if err := domain.Validate(&in); err != nil {
		return nil, err
	}
	return db.changeIncident(ctx, id, ifVersion, true, func(ctx context.Context, tx bun.Tx, row *incidentRow, before *domain.Incident) (string, string, error) {
		now := db.Now()
		at := now
		if in.At != nil {
			at = in.At.UTC().Truncate(time.Microsecond)
		}
		lessons := row.LessonsLearned
		if strings.TrimSpace(in.LessonsLearned) != "" {
			lessons = strings.TrimSpace(in.LessonsLearned)
		}
		if err := domain.StepOrderRefusal(before.Timeline, in.Step, at, now, lessons); err != nil {
			return "", "", err
		}
		settings, err := db.settings(ctx, tx)
		if err != nil {
			return "", "", err
		}
		level, _ := settings.IncidentSeverityOf(row.Severity)
		if level.Code == "" {
			level = levelOfTimeline(before)
		}
		recorded := append(row.recorded(), domain.TimelineEntry{Step: in.Step, At: &at, By: actorOf(ctx).PersonID,
			Note: strings.TrimSpace(in.Note), RecordedAt: &now, Done: true})
		row.LessonsLearned = lessons
		row.setTimeline(recorded, level, now, db.location)
		return "record_step", string(in.Step), nil
	})
}

// levelOfTimeline rebuilds a severity level from the deadlines stored on
// an incident, for one whose severity the settings no longer define.
func levelOfTimeline(i *domain.Incident) domain.IncidentSeverityLevel {
	l := domain.IncidentSeverityLevel{Code: i.Severity}
	minutes := func(s domain.IncidentStep) int {
		if e := i.Step(s); e != nil && e.Deadline != nil {
			return int(e.Deadline.Sub(i.DetectedAt) / time.Minute)
		}
		return 0
	}
	l.Deadlines = domain.IncidentDeadlines{ReportedToCISOMinutes: minutes(domain.StepReportedToCISO), ContainedMinutes: minutes(domain.StepContained),
		RecoveredMinutes: minutes(domain.StepRecovered), ClosedMinutes: minutes(domain.StepClosed)}
	return l
}

// involves reports whether the incident involves the record directly, or,
// for a vendor, through one of its involved contracts.
func involves(ctx context.Context, tx bun.Tx, i *domain.Incident, t domain.IncidentRecordType, id string) (bool, error) {
	var contracts []string
	for _, r := range i.Records {
		if r.Type == t && r.ID == id {
			return true, nil
		}
		if r.Type == domain.RecordContract {
			contracts = append(contracts, r.ID)
		}
	}
	if t != domain.RecordVendor || len(contracts) == 0 {
		return false, nil
	}
	ok, err := tx.NewSelect().Table("contracts").Where("id IN (?) AND vendor_id = ?", bun.In(contracts), id).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("store: check the vendor's contracts: %w", err)
	}
	return ok, nil
}

// SuspendIncidentRecord implements domain.IncidentService.
func (db *DB) SuspendIncidentRecord(ctx context.Context, id string, ifVersion *int, in domain.IncidentSuspensionInput) (*domain.Incident, error) {
	if err := domain.Validate(&in); err != nil {
		return nil, err
	}
	return db.changeIncident(ctx, id, ifVersion, false, func(ctx context.Context, tx bun.Tx, row *incidentRow, before *domain.Incident) (string, string, error) {
		ok, err := involves(ctx, tx, before, in.Type, in.ID)
		if err != nil {
			return "", "", err
		}
		if !ok {
			return "", "", domain.Invalid("only a record the incident involves can be suspended from it",
				domain.FieldError{Field: "id", Message: "is not a " + string(in.Type) + " this incident involves", Value: in.ID,
					Ja: "このインシデントに関係する" + in.Type.DisplayName(domain.LocaleJa) + "ではありません。"}).
				WithJa("インシデントに関係する記録だけを一時停止できます。")
		}
		reason := strings.TrimSpace(in.Reason)
		full := reason + " (incident " + row.ID + ")"
		switch in.Type {
		case domain.RecordVendor:
			if _, err := db.changeVendorStatusTx(ctx, tx, in.ID, domain.VendorSuspended, full); err != nil {
				return "", "", err
			}
		case domain.RecordSocialAccount:
			if _, err := db.changeSocialAccountStatusTx(ctx, tx, in.ID, domain.SocialSuspended, full); err != nil {
				return "", "", err
			}
		}
		sus := append(before.Suspensions, domain.IncidentSuspension{Type: in.Type, ID: in.ID, Reason: reason, By: actorOf(ctx).PersonID, At: db.Now()})
		row.Suspensions = jsonText(sus)
		return "suspend_record", string(in.Type) + " " + in.ID + ": " + reason, nil
	})
}

// RecordIncidentPublication implements domain.IncidentService.
func (db *DB) RecordIncidentPublication(ctx context.Context, id string, ifVersion *int, in domain.IncidentPublicationInput) (*domain.Incident, error) {
	if err := domain.Validate(&in); err != nil {
		return nil, err
	}
	var fe domain.FieldErrors
	today := db.today()
	switch {
	case in.PublishedOn.IsZero():
		fe.AddJa("published_on", "is required", "入力してください。", nil)
	case in.PublishedOn.After(today):
		fe.AddJa("published_on", "must not be in the future", "未来の日付は指定できません。", in.PublishedOn.String())
	}
	if err := fe.ErrJa("the publication cannot be recorded", "公表を記録できません。"); err != nil {
		return nil, err
	}
	return db.changeIncident(ctx, id, ifVersion, true, func(ctx context.Context, tx bun.Tx, row *incidentRow, before *domain.Incident) (string, string, error) {
		if in.PublishedOn.Before(domain.DateOf(before.DetectedAt, db.location)) {
			return "", "", domain.Invalid("the incident cannot be published before it was detected", domain.FieldError{Field: "published_on",
				Message: "must not be before the detection", Ja: "検知日より前にはできません。", Value: in.PublishedOn.String()}).WithJa("公表を記録できません。")
		}
		row.PublishedOn, row.PublicationNote = in.PublishedOn, strings.TrimSpace(in.Note)
		return "publish", "published on " + in.PublishedOn.String(), nil
	})
}

// recomputeIncidentDeadlines re-derives the deadlines of every incident
// not closed from the settings' levels, after a change of the settings,
// and cancels the queued reminders of a next step whose date moved. An
// incident whose severity the new settings no longer define keeps its
// deadlines. It returns how many incidents' next deadline moved.
func (db *DB) recomputeIncidentDeadlines(ctx context.Context, tx bun.Tx, p domain.PolicySettings) (int, error) {
	var rows []*incidentRow
	if err := tx.NewSelect().Model(&rows).Where("status <> ?", string(domain.StepClosed)).Scan(ctx); err != nil {
		return 0, fmt.Errorf("store: load incidents: %w", err)
	}
	now := db.Now()
	moved := 0
	for _, row := range rows {
		level, ok := p.IncidentSeverityOf(row.Severity)
		if !ok {
			continue
		}
		before := row.toDomain(now)
		oldSubject, oldTimeline := row.NextSubjectID, row.Timeline
		row.setTimeline(row.recorded(), level, now, db.location)
		if row.Timeline == oldTimeline {
			continue
		}
		read := row.Version
		row.Version, row.UpdatedAt = read+1, now
		if err := updateRow(ctx, tx, row, entityIncident, row.ID, read, nil); err != nil {
			return 0, err
		}
		if err := db.cancelIncidentStepReminders(ctx, tx, oldSubject); err != nil {
			return 0, err
		}
		if err := db.appendAudit(ctx, tx, auditEntry{Action: "recompute_deadlines", EntityType: entityIncident, EntityID: row.ID,
			Reason: "settings changed", Before: before, After: row.toDomain(now)}); err != nil {
			return 0, err
		}
		moved++
	}
	return moved, nil
}

// OpenIncidentAction implements domain.IncidentService.
func (db *DB) OpenIncidentAction(ctx context.Context, id string, ifVersion *int, in domain.IncidentActionInput) (*domain.Incident, *domain.CorrectiveAction, error) {
	if err := domain.Validate(&in); err != nil {
		return nil, nil, err
	}
	var action *domain.CorrectiveAction
	inc, err := db.changeIncident(ctx, id, ifVersion, false, func(ctx context.Context, tx bun.Tx, row *incidentRow, before *domain.Incident) (string, string, error) {
		var fe domain.FieldErrors
		if in.DueDate.IsZero() {
			fe.AddJa("due_date", "is required", "入力してください。", nil)
		}
		owner := in.OwnerID
		if owner == "" {
			owner = row.OwnerID
		}
		if err := requirePerson(ctx, tx, &fe, "owner_id", owner); err != nil {
			return "", "", err
		}
		vendorID := ""
		if in.ContractID != "" {
			ok, err := involves(ctx, tx, before, domain.RecordContract, in.ContractID)
			if err != nil {
				return "", "", err
			}
			if !ok {
				fe.AddJa("contract_id", "is not a contract this incident involves", "このインシデントに関係する契約ではありません。", in.ContractID)
			} else if err := tx.NewSelect().Table("contracts").Column("vendor_id").Where("id = ?", in.ContractID).Scan(ctx, &vendorID); err != nil {
				return "", "", fmt.Errorf("store: read the contract's vendor: %w", err)
			}
		}
		if err := fe.ErrJa("the corrective action cannot be opened", "是正措置を登録できません。"); err != nil {
			return "", "", err
		}
		a, err := db.openActionFor(ctx, tx, newAction{Source: domain.SourceIncident, SourceID: row.ID, ContractID: in.ContractID, VendorID: vendorID,
			Description: in.Description, Severity: in.Severity, OwnerID: owner, DueDate: in.DueDate, Reason: "opened from incident " + row.ID})
		if err != nil {
			return "", "", err
		}
		action = a
		row.CorrectiveActionIDs = jsonText(append(before.CorrectiveActionIDs, a.ID))
		return "open_corrective_action", a.ID, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return inc, action, nil
}
