package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

var _ domain.ReminderService = (*DB)(nil)

type reminderRow struct {
	bun.BaseModel `bun:"table:reminders"`

	ID           string      `bun:"id,pk"`
	SubjectType  string      `bun:"subject_type"`
	SubjectID    string      `bun:"subject_id"`
	Title        string      `bun:"title"`
	Path         string      `bun:"path"`
	DueDate      domain.Date `bun:"due_date,type:date"`
	Stage        string      `bun:"stage"`
	Repeat       int         `bun:"repeat"`
	ReachedOn    domain.Date `bun:"reached_on,type:date"`
	RecipientID  string      `bun:"recipient_id"`
	Escalated    bool        `bun:"escalated"`
	EscalatedAs  string      `bun:"escalated_as"`
	Status       string      `bun:"status"`
	MessageID    string      `bun:"message_id"`
	Error        string      `bun:"error"`
	Attempts     int         `bun:"attempts"`
	PossibleDup  bool        `bun:"possible_duplicate"`
	CancelReason string      `bun:"cancel_reason"`
	CreatedAt    time.Time   `bun:"created_at"`
	SentAt       *time.Time  `bun:"sent_at"`
}

func (r *reminderRow) toDomain() *domain.Reminder {
	return &domain.Reminder{
		ID: r.ID, SubjectType: domain.SubjectType(r.SubjectType), SubjectID: r.SubjectID, Title: r.Title, Path: r.Path,
		DueDate: r.DueDate, Stage: r.Stage, Repeat: r.Repeat, ReachedOn: r.ReachedOn, RecipientID: r.RecipientID,
		Escalated: r.Escalated, EscalatedAs: r.EscalatedAs,
		Status: domain.ReminderStatus(r.Status), MessageID: r.MessageID, Error: r.Error,
		Attempts: r.Attempts, PossibleDuplicate: r.PossibleDup, CancelReason: r.CancelReason,
		CreatedAt: r.CreatedAt.UTC(), SentAt: utcPtr(r.SentAt),
	}
}

// dueItem is one date coming due, found by the scan.
type dueItem struct {
	SubjectType string      `bun:"subject_type"`
	SubjectID   string      `bun:"subject_id"`
	Title       string      `bun:"title"`
	DueDate     domain.Date `bun:"due_date,type:date"`
	OwnerID     string      `bun:"owner_id"`
	// Certifications and accounts name a kind or platform, whose display
	// name depends on the reader's locale: the scan fills titles from these.
	Kind   string `bun:"kind"`
	Name   string `bun:"name"`
	Number string `bun:"number"`
	// titles are the item's title per locale, when it has more than one.
	titles map[domain.Locale]string
	// Deadline is the instant an incident step is due (incident_step only):
	// its stage is computed from it (domain.IncidentStepStage).
	Deadline *time.Time `bun:"deadline"`
	// Path is the API path of a subject whose id is not the last part of
	// it (an incident step's is the incident's); empty for the others.
	Path string `bun:"path"`
}

// apiPath is the API path of the item's subject.
func (it *dueItem) apiPath() string {
	if it.Path != "" {
		return it.Path
	}
	return subjectPaths[domain.SubjectType(it.SubjectType)] + it.SubjectID
}

// nameItems gives certifications and social-media accounts their titles,
// with display names (ISO/IEC 27001, プライバシーマーク, X) instead of codes.
func nameItems(st domain.SubjectType, items []dueItem, loc *time.Location) {
	for i := range items {
		it := &items[i]
		switch st {
		case domain.SubjectIncidentStep:
			nameIncidentItem(it, loc)
		case domain.SubjectCertification:
			it.titles = map[domain.Locale]string{}
			for _, l := range []domain.Locale{domain.LocaleJa, domain.LocaleEn} {
				name := domain.CertificationKind(it.Kind).DisplayName(l)
				if it.Kind == string(domain.CertOther) && it.Name != "" {
					name = it.Name
				}
				it.titles[l] = it.Title + " " + name + " " + it.Number
			}
			it.Title = it.titles[domain.LocaleJa]
		case domain.SubjectSocialAccountReview:
			it.Title = domain.Platform(it.Kind).DisplayName(domain.LocaleJa) + " @" + it.Name
			it.titles = map[domain.Locale]string{
				domain.LocaleJa: it.Title,
				domain.LocaleEn: domain.Platform(it.Kind).DisplayName(domain.LocaleEn) + " @" + it.Name,
			}
		case domain.SubjectPolicyReview:
			it.titles = map[domain.Locale]string{
				domain.LocaleJa: "情報セキュリティポリシーの次回の見直し",
				domain.LocaleEn: "Next review of the information security policy",
			}
			it.Title = it.titles[domain.LocaleJa]
		}
	}
}

// titleFor returns the item's title for a reader of locale l.
func (it *dueItem) titleFor(l domain.Locale) string {
	if t, ok := it.titles[l]; ok {
		return t
	}
	return it.Title
}

var subjectPaths = map[domain.SubjectType]string{
	domain.SubjectConfirmation:        "/v1/confirmations/",
	domain.SubjectContractRenewal:     "/v1/contracts/",
	domain.SubjectCloudServiceReview:  "/v1/cloud-services/",
	domain.SubjectSocialAccountReview: "/v1/social-accounts/",
	domain.SubjectCertification:       "/v1/vendors/",
	domain.SubjectCorrectiveAction:    "/v1/corrective-actions/",
	domain.SubjectPolicyReview:        "/v1/policy-reviews/",
	domain.SubjectIncidentStep:        "/v1/incidents/",
	domain.SubjectInspection:          "/v1/inspection-assignments/",
}

// dueQueries select, per subject type, every unresolved item whose date is
// on or before the scan's horizon, however old: an overdue item is reminded
// until it is resolved. Each reads an index on (status, date) or a partial
// index of the unresolved rows (migration 0008), so resolved history
// (completed, reviewed, expired, retired) is not read; certifications are
// read through their date, those of terminated vendors left out by the join.
var dueQueries = map[domain.SubjectType]string{
	domain.SubjectConfirmation: `SELECT 'confirmation' AS subject_type, f.id AS subject_id, c.title AS title, f.due_date, c.owner_id
		FROM confirmations f JOIN contracts c ON c.id = f.contract_id
		WHERE f.status = 'scheduled' AND f.due_date <= ?`,
	domain.SubjectContractRenewal: `SELECT 'contract_renewal' AS subject_type, id AS subject_id, title, renewal_review_due AS due_date, owner_id
		FROM contracts WHERE status = 'active' AND renewal_review_due <= ?`,
	domain.SubjectCloudServiceReview: `SELECT 'cloud_service_review' AS subject_type, id AS subject_id, name AS title, next_review_due AS due_date, responsible_person_id AS owner_id
		FROM cloud_services WHERE status = 'approved' AND next_review_due <= ?`,
	domain.SubjectSocialAccountReview: `SELECT 'social_account_review' AS subject_type, id AS subject_id, platform AS kind, handle AS name, next_review_due AS due_date, responsible_person_id AS owner_id
		FROM social_accounts WHERE status = 'active' AND next_review_due <= ?`,
	domain.SubjectCertification: `SELECT 'certification' AS subject_type, v.id AS subject_id, v.name AS title, c.kind, c.name, c.number, c.valid_until AS due_date, v.owner_id
		FROM vendor_certifications c JOIN vendors v ON v.id = c.vendor_id
		WHERE v.status <> 'terminated' AND c.valid_until <= ?`,
	domain.SubjectCorrectiveAction: `SELECT 'corrective_action' AS subject_type, a.id AS subject_id, COALESCE(c.title || ': ', '') || a.description AS title, a.due_date, a.owner_id
		FROM corrective_actions a LEFT JOIN contracts c ON c.id = a.contract_id
		WHERE a.status = 'open' AND a.due_date <= ?`,
	// Only the latest approved review names the next review of the
	// policy: approving a newer one supersedes it (supersedePolicyReviews).
	domain.SubjectPolicyReview: `SELECT 'policy_review' AS subject_type, id AS subject_id, 'next review of the information security policy' AS title, next_review_due AS due_date, owner_id
		FROM policy_reviews WHERE status = 'approved' AND superseded_by IS NULL AND next_review_due <= ?`,
	domain.SubjectIncidentStep: `SELECT 'incident_step' AS subject_type, next_subject_id AS subject_id, title, next_step AS kind, next_due AS due_date,
		next_deadline AS deadline, owner_id, '/v1/incidents/' || id AS path
		FROM incidents WHERE status <> 'closed' AND next_due <= ?`,
	domain.SubjectInspection: `SELECT 'inspection' AS subject_type, a.id AS subject_id, c.title AS title, c.due_date, a.person_id AS owner_id
		FROM inspection_assignments a JOIN inspection_campaigns c ON c.id = a.campaign_id
		WHERE c.status = 'open' AND a.completed_at IS NULL AND c.due_date <= ?`,
}

// ScanDue implements domain.ReminderService.
func (db *DB) ScanDue(ctx context.Context, today domain.Date, enqueue domain.EnqueueDigests) (domain.ScanReport, error) {
	ctx = domain.WithActor(ctx, domain.SystemActor)
	// The scan's queries read date-range indexes; on SQLite they are chosen
	// only with statistics (Optimize), which a register grown since the
	// start may lack. Statistics make the scan fast, not correct: one that
	// cannot be refreshed now (the database busy) is not worth failing for.
	_ = db.Optimize(ctx)
	// Expiring contracts and scheduling confirmations come first, in
	// transactions of their own: a first scan over a large register
	// schedules thousands, and other writers wait only for one batch at a
	// time, not for the whole scan. Each step is safe to repeat, so a scan
	// cut short is completed by the next.
	prep, err := db.prepareScan(ctx, today)
	if err != nil {
		return domain.ScanReport{Today: today}, err
	}
	rep := domain.ScanReport{Today: today}
	err = db.inCopyTx(ctx, func(ctx context.Context, tx bun.Tx, cp copyFunc) error {
		// inTx holds the write lock: the ledger steps of concurrent scans
		// (replicas, the admin's "scan now") run one after the other and
		// each sees what the previous one committed.
		rep = prep
		settings, err := db.settings(ctx, tx)
		if err != nil {
			return err
		}
		p := settings.PolicySettings
		from, to := domain.ScanWindow(today, p)
		rec, err := newRecipients(ctx, tx)
		if err != nil {
			return err
		}
		// Reminders already in the ledger are skipped in Go, so a repeated
		// scan of the day writes nothing and costs a few queries; the rest
		// are written in batches. The window's ledger is read by due date;
		// that of the overdue items before it, by subject.
		existing, err := ledgerKeys(ctx, tx, from, to)
		if err != nil {
			return err
		}
		var fresh []*reminderRow
		for _, st := range domain.SubjectTypes {
			var items []dueItem
			if err := tx.NewRaw(dueQueries[st], to).Scan(ctx, &items); err != nil {
				return fmt.Errorf("store: scan %s: %w", st, err)
			}
			nameItems(st, items, db.location)
			items = mergeSameDay(items)
			last, err := lastOverdue(ctx, tx, db.location, st, items, from, existing)
			if err != nil {
				return err
			}
			for _, it := range items {
				stage, ok := domain.CurrentStage(it.DueDate, today, last[it.SubjectID+"|"+it.DueDate.String()], p)
				if it.Deadline != nil {
					// An incident step is overdue from its deadline's
					// instant, not days after its date.
					stage, ok = domain.IncidentStepStage(*it.Deadline, db.Now(), today, db.location, last[it.SubjectID+"|"+it.DueDate.String()], p)
				}
				if !ok {
					continue
				}
				for _, to := range rec.of(it.OwnerID, domain.EscalationAt(stage, p)) {
					row := db.newReminder(it, stage, to, today)
					if !existing[row.key()] {
						existing[row.key()] = true
						fresh = append(fresh, row)
					}
				}
			}
		}
		added, err := db.queueRemindersWith(ctx, tx, cp, fresh)
		if err != nil {
			return err
		}
		byRecipient := map[string][]string{}
		for _, row := range added {
			byRecipient[row.RecipientID] = append(byRecipient[row.RecipientID], row.ID)
		}
		rep.RemindersQueued = len(added)
		digests := make([]domain.Digest, 0, len(byRecipient))
		for person, ids := range byRecipient {
			digests = append(digests, domain.Digest{RecipientID: person, ReminderIDs: ids})
		}
		sort.Slice(digests, func(i, j int) bool { return digests[i].RecipientID < digests[j].RecipientID })
		rep.Digests = len(digests)
		if len(digests) == 0 || enqueue == nil {
			return nil
		}
		return enqueue(ctx, tx.Tx, digests)
	})
	return rep, err
}

// recipient is one person a reminder goes to.
type recipient struct {
	personID string
	locale   domain.Locale
	// as is why an escalated recipient is told ("" for the owner).
	as string
}

// recipients resolves owners to the people who are told: the owner when
// active; from the first overdue reminder, the owner's supervisor, or every
// active holder of the supervisor role when the owner has none; from the
// n-th repeat, every active ciso as well. Nobody is told twice.
type recipients struct {
	active      map[string]bool
	locale      map[string]domain.Locale
	supervisor  map[string]string
	supervisors []string
	cisos       []string
}

func newRecipients(ctx context.Context, tx bun.IDB) (*recipients, error) {
	var people []personRow
	if err := tx.NewSelect().Model(&people).Column("id", "active", "supervisor_id", "security_roles", "locale").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: load people for reminders: %w", err)
	}
	return recipientsOf(people), nil
}

// recipientsOf builds the recipients from every person's id, active,
// supervisor_id, security_roles and locale.
func recipientsOf(people []personRow) *recipients {
	r := &recipients{active: map[string]bool{}, locale: map[string]domain.Locale{}, supervisor: map[string]string{}}
	for _, p := range people {
		r.active[p.ID] = p.Active
		r.locale[p.ID] = domain.Locale(p.Locale)
		if p.SupervisorID != nil {
			r.supervisor[p.ID] = *p.SupervisorID
		}
		if !p.Active {
			continue
		}
		d := p.toDomain()
		if d.HasSecurityRole(domain.SecurityRoleSupervisor) {
			r.supervisors = append(r.supervisors, p.ID)
		}
		if d.HasSecurityRole(domain.SecurityRoleCISO) {
			r.cisos = append(r.cisos, p.ID)
		}
	}
	sort.Strings(r.supervisors)
	sort.Strings(r.cisos)
	return r
}

func (r *recipients) of(owner string, esc domain.Escalation) []recipient {
	var out []recipient
	add := func(id, as string) {
		if id == owner || !r.active[id] {
			return
		}
		for _, o := range out {
			if o.personID == id {
				return
			}
		}
		out = append(out, recipient{personID: id, locale: r.locale[id], as: as})
	}
	if r.active[owner] {
		out = append(out, recipient{personID: owner, locale: r.locale[owner]})
	}
	if esc.Supervisor {
		if sup, ok := r.supervisor[owner]; ok && r.active[sup] {
			add(sup, domain.EscalatedAsSupervisor)
		} else {
			for _, s := range r.supervisors {
				add(s, domain.EscalatedAsSupervisor)
			}
		}
	}
	if esc.CISO {
		for _, c := range r.cisos {
			add(c, domain.EscalatedAsCISO)
		}
	}
	return out
}

// mergeSameDay joins items of one subject due on one day into one, titles
// joined: a vendor's certifications share the vendor as their subject, and
// two of them expiring together must both be named in the one reminder the
// ledger's key allows.
func mergeSameDay(items []dueItem) []dueItem {
	at := make(map[string]int, len(items))
	out := items[:0:0]
	for _, it := range items {
		key := it.SubjectID + "|" + it.DueDate.String()
		if i, ok := at[key]; ok {
			out[i].Title += " / " + it.Title
			for l, t := range out[i].titles {
				out[i].titles[l] = t + " / " + it.titleFor(l)
			}
			continue
		}
		at[key] = len(out)
		out = append(out, it)
	}
	return out
}

// newReminder builds the ledger row of one stage for one recipient, reached
// on day today, titled in the recipient's locale.
func (db *DB) newReminder(it dueItem, stage domain.Stage, to recipient, today domain.Date) *reminderRow {
	return &reminderRow{
		ID: uuid.Must(uuid.NewV7()).String(), SubjectType: it.SubjectType, SubjectID: it.SubjectID,
		Title: truncateRunes(it.titleFor(to.locale), maxReminderTitle),
		Path:  it.apiPath(), DueDate: it.DueDate, Stage: stage.Name,
		Repeat: stage.Repeat, ReachedOn: today, RecipientID: to.personID, Escalated: to.as != "", EscalatedAs: to.as,
		Status: string(domain.ReminderQueued), CreatedAt: db.Now(),
	}
}

// key is the ledger's uniqueness: subject, due date, stage, repeat and
// recipient.
func (r *reminderRow) key() string {
	return r.SubjectType + "|" + r.SubjectID + "|" + r.DueDate.String() + "|" + r.Stage + "|" + strconv.Itoa(r.Repeat) + "|" + r.RecipientID
}

// ledgerKeys returns the keys of the ledger rows whose date lies in the
// window, read through the key's index, which leads with the due date. A
// cancelled row keeps its key: its mail may have gone out just before it was
// cancelled, and a new row would send that stage twice.
func ledgerKeys(ctx context.Context, tx bun.Tx, from, to domain.Date) (map[string]bool, error) {
	var rows []reminderRow
	err := tx.NewSelect().Model(&rows).Column("subject_type", "subject_id", "due_date", "stage", "repeat", "recipient_id").
		Where("due_date BETWEEN ? AND ?", from, to).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: read the ledger: %w", err)
	}
	keys := make(map[string]bool, len(rows))
	for i := range rows {
		keys[rows[i].key()] = true
	}
	return keys, nil
}

// overdueBatch is how many subjects one read of their overdue ledger names.
const overdueBatch = 500

// lastOverdue reads the overdue ledger rows of the items due before the
// window (overdue whatever the ledger says), adds their keys to existing and
// returns, per subject and due date, the latest overdue reminder written,
// with the day it was first reached. It reads by subject, through the
// subject index, so an item overdue for years costs its own rows only.
func lastOverdue(ctx context.Context, tx bun.Tx, loc *time.Location, st domain.SubjectType, items []dueItem, from domain.Date,
	existing map[string]bool) (map[string]*domain.Stage, error) {
	var ids []string
	seen := map[string]bool{}
	for _, it := range items {
		// An incident step is overdue within the window too, from its
		// deadline's instant: its repeats need its ledger as well.
		if (it.DueDate.Before(from) || it.Deadline != nil) && !seen[it.SubjectID] {
			seen[it.SubjectID] = true
			ids = append(ids, it.SubjectID)
		}
	}
	last := map[string]*domain.Stage{}
	for start := 0; start < len(ids); start += overdueBatch {
		var rows []reminderRow
		err := tx.NewSelect().Model(&rows).Column("subject_type", "subject_id", "due_date", "stage", "repeat", "recipient_id", "reached_on", "created_at").
			Where("subject_id IN (?) AND subject_type = ? AND stage = ?", bun.In(ids[start:min(start+overdueBatch, len(ids))]), string(st), domain.StageOverdue).
			Scan(ctx)
		if err != nil {
			return nil, fmt.Errorf("store: read the overdue ledger: %w", err)
		}
		for i := range rows {
			r := &rows[i]
			existing[r.key()] = true
			on := r.ReachedOn
			if on.IsZero() {
				on = domain.DateOf(r.CreatedAt, loc)
			}
			k := r.SubjectID + "|" + r.DueDate.String()
			cur := last[k]
			switch {
			case cur == nil || r.Repeat > cur.Repeat:
				last[k] = &domain.Stage{Name: domain.StageOverdue, Repeat: r.Repeat, On: on}
			case r.Repeat == cur.Repeat && on.Before(cur.On):
				cur.On = on // a recipient added later does not delay the next repeat
			}
		}
	}
	return last, nil
}

// reminderBatch is how many ledger rows one INSERT writes.
const reminderBatch = 1000

// queueReminders writes new ledger rows in batches and returns those
// written. The unique index still guards against a row written meanwhile:
// a batch that meets one is written again row by row, keeping what is new.
func (db *DB) queueReminders(ctx context.Context, tx bun.Tx, rows []*reminderRow) ([]*reminderRow, error) {
	return db.queueRemindersWith(ctx, tx, nil, rows)
}

// reminderCopyColumns are the ledger's columns a new row sets, in the
// order of reminderCopyRow's values; the lease columns and sent_at take
// their defaults.
var reminderCopyColumns = []string{"id", "subject_type", "subject_id", "title", "path", "due_date", "stage", "repeat",
	"reached_on", "recipient_id", "escalated", "escalated_as", "status", "message_id", "error", "attempts",
	"possible_duplicate", "cancel_reason", "created_at"}

// reminderCopyRow is r's values for COPY, in reminderCopyColumns' order.
func reminderCopyRow(r *reminderRow) []any {
	return []any{r.ID, r.SubjectType, r.SubjectID, r.Title, r.Path, pgDate(r.DueDate), r.Stage, r.Repeat,
		pgDate(r.ReachedOn), r.RecipientID, r.Escalated, r.EscalatedAs, r.Status, r.MessageID, r.Error, r.Attempts,
		r.PossibleDup, r.CancelReason, r.CreatedAt}
}

// pgDate is d as pgx encodes a DATE in COPY's binary format (NULL when
// zero): a time at midnight UTC, not Date's text.
func pgDate(d domain.Date) any {
	if d.IsZero() {
		return nil
	}
	t, err := time.Parse(time.DateOnly, d.String())
	if err != nil {
		return d.String()
	}
	return t
}

// queueRemindersWith is queueReminders, with PostgreSQL's COPY when cp
// is not nil (inCopyTx): all rows in one COPY, in a savepoint. COPY has no
// ON CONFLICT, so a row written meanwhile fails it; the savepoint then
// undoes it and the rows go the way of the INSERTs, which skip what exists.
func (db *DB) queueRemindersWith(ctx context.Context, tx bun.Tx, cp copyFunc, rows []*reminderRow) ([]*reminderRow, error) {
	if cp != nil && len(rows) > 0 {
		copied, err := copyReminders(ctx, tx, cp, rows)
		if err != nil {
			return nil, err
		}
		if copied {
			return rows, db.reminderChanges(ctx, tx, domain.AuditCreate, reminderIDs(rows)) // webhooks: reminder.created
		}
	}
	var added []*reminderRow
	for start := 0; start < len(rows); start += reminderBatch {
		batch := rows[start:min(start+reminderBatch, len(rows))]
		// bun returns the columns it leaves to their defaults (sent_at) and
		// scans them into the model's slice, which it cuts to the rows
		// returned: it gets a copy, or a conflict would leave batch holding
		// the wrong rows.
		ins := slices.Clone(batch)
		res, err := tx.NewInsert().Model(&ins).On("CONFLICT (subject_type, subject_id, due_date, stage, repeat, recipient_id) DO NOTHING").Exec(ctx)
		if err != nil {
			return nil, fmt.Errorf("store: queue reminders: %w", err)
		}
		if n, err := res.RowsAffected(); err == nil && int(n) == len(batch) {
			added = append(added, batch...)
			continue
		}
		// Some rows existed: find out which of this batch are ours.
		ids := make([]string, len(batch))
		for i, r := range batch {
			ids[i] = r.ID
		}
		var ours []string
		if err := tx.NewSelect().Model((*reminderRow)(nil)).Column("id").Where("id IN (?)", bun.In(ids)).Scan(ctx, &ours); err != nil {
			return nil, fmt.Errorf("store: queue reminders: %w", err)
		}
		mine := map[string]bool{}
		for _, id := range ours {
			mine[id] = true
		}
		for _, r := range batch {
			if mine[r.ID] {
				added = append(added, r)
			}
		}
	}
	return added, db.reminderChanges(ctx, tx, domain.AuditCreate, reminderIDs(added)) // webhooks: reminder.created
}

// copyReminders writes rows with one COPY inside a savepoint. It reports
// false, with the savepoint undone, when a row met the ledger's unique key.
func copyReminders(ctx context.Context, tx bun.Tx, cp copyFunc, rows []*reminderRow) (bool, error) {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT reminders_copy"); err != nil {
		return false, fmt.Errorf("store: queue reminders: %w", err)
	}
	values := make([][]any, len(rows))
	for i, r := range rows {
		values[i] = reminderCopyRow(r)
	}
	_, err := cp(ctx, "reminders", reminderCopyColumns, values)
	if err != nil {
		if domain.ErrorCodeOf(translate(err)) != domain.ECONFLICT {
			return false, fmt.Errorf("store: queue reminders: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT reminders_copy"); err != nil {
			return false, fmt.Errorf("store: queue reminders: %w", err)
		}
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT reminders_copy"); err != nil {
		return false, fmt.Errorf("store: queue reminders: %w", err)
	}
	return true, nil
}

func reminderIDs(rows []*reminderRow) []string {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids
}

// expireContracts ends the active contracts whose end date has passed and
// that do not renew themselves. It does what ending each one alone would
// (the contract expired with an audit event, its queued reminders and
// scheduled confirmations dropped, its vendor's tier and dates derived
// again), in a few statements for all of them: one UPDATE of the contracts,
// the reminders and confirmations by their set, each vendor refreshed once
// for all of its contracts that ended, and the audit events in one append.
func (db *DB) expireContracts(ctx context.Context, tx bun.Tx, today domain.Date) (int, error) {
	var rows []*contractRow
	if err := tx.NewSelect().Model(&rows).Where("status = ? AND auto_renew = ? AND end_date < ?", string(domain.ContractActive), false, today).
		Order("id").Scan(ctx); err != nil {
		return 0, fmt.Errorf("store: find ended contracts: %w", err)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	ids := make([]string, len(rows))
	for i, row := range rows {
		ids[i] = row.ID
	}
	now := db.Now()
	for start := 0; start < len(ids); start += reminderBatch {
		batch := ids[start:min(start+reminderBatch, len(ids))]
		// The write lock has been held since the contracts were read:
		// they are as read, and the count checks it.
		res, err := tx.NewUpdate().Model((*contractRow)(nil)).Set("status = ?", string(domain.ContractExpired)).
			Set("version = version + 1").Set("updated_at = ?", now).
			Where("id IN (?) AND status = ?", bun.In(batch), string(domain.ContractActive)).Exec(ctx)
		if err != nil {
			return 0, fmt.Errorf("store: expire contracts: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || int(n) != len(batch) {
			return 0, concurrentChange(entityContract)
		}
	}
	if err := db.cancelQueuedRemindersOf(ctx, tx, ids); err != nil {
		return 0, err
	}
	if err := db.dropScheduledConfirmationsOf(ctx, tx, ids); err != nil {
		return 0, err
	}
	after, err := db.refreshVendorsOf(ctx, tx, rows)
	if err != nil {
		return 0, err
	}
	entries := make([]auditEntry, len(rows))
	for i, row := range rows {
		entries[i] = auditEntry{Action: "expire", EntityType: entityContract, EntityID: row.ID,
			Reason: "end date " + row.EndDate.String() + " passed without auto-renewal", Before: row.toDomain(), After: after[row.ID].toDomain()}
	}
	return len(rows), db.appendAuditMany(ctx, tx, entries)
}

// refreshVendorsOf refreshes (refreshVendor) once each vendor of the
// contracts, which the caller has just changed and audits itself, and
// returns the contracts as they are stored afterwards, by id.
func (db *DB) refreshVendorsOf(ctx context.Context, tx bun.Tx, changed []*contractRow) (map[string]*contractRow, error) {
	ids := make(map[string]bool, len(changed))
	var vendors []string
	seen := map[string]bool{}
	for _, c := range changed {
		ids[c.ID] = true
		if !seen[c.VendorID] {
			seen[c.VendorID] = true
			vendors = append(vendors, c.VendorID)
		}
	}
	sort.Strings(vendors)
	for _, v := range vendors {
		if err := db.refreshVendorChanged(ctx, tx, v, ids); err != nil {
			return nil, err
		}
	}
	out := make(map[string]*contractRow, len(changed))
	keys := make([]string, 0, len(ids))
	for id := range ids {
		keys = append(keys, id)
	}
	for start := 0; start < len(keys); start += reminderBatch {
		var rows []*contractRow
		if err := tx.NewSelect().Model(&rows).Where("id IN (?)", bun.In(keys[start:min(start+reminderBatch, len(keys))])).Scan(ctx); err != nil {
			return nil, fmt.Errorf("store: load changed contracts: %w", err)
		}
		for _, r := range rows {
			out[r.ID] = r
		}
	}
	for id := range ids {
		if out[id] == nil {
			return nil, concurrentChange(entityContract)
		}
	}
	return out, nil
}

// scheduleBatch is about how many confirmations one transaction of a scan
// schedules, and how many contracts one read of the candidates returns:
// each batch is a handful of statements (the candidates, their scheduled
// confirmations, their clauses, one multi-row INSERT of the confirmations
// and one of their audit events), so other writers wait for one batch at a
// time, tens of milliseconds, not for the whole first scan of a large
// register.
const scheduleBatch = 1000

// prepareScan renews the auto-renewing contracts whose end passed,
// expires the others that ended, reopens the corrective actions whose risk
// acceptance ran out, then schedules the confirmations entering the
// reminder window, about scheduleBatch per transaction, and reports how
// many of each.
func (db *DB) prepareScan(ctx context.Context, today domain.Date) (rep domain.ScanReport, err error) {
	rep.Today = today
	scheduled := 0
	err = db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if rep.ContractsRenewed, err = db.renewContracts(ctx, tx, today); err != nil {
			return err
		}
		if rep.ContractsExpired, err = db.expireContracts(ctx, tx, today); err != nil {
			return err
		}
		rep.RiskAcceptancesExpired, err = db.reopenExpiredRiskAcceptances(ctx, tx, today)
		return err
	})
	if err != nil {
		return rep, err
	}
	defer func() { rep.ConfirmationsScheduled = scheduled }()
	// Contracts are read in the order of their due date and id, after the
	// last one read, so each read moves on and the loop ends; a contract
	// that comes due behind the cursor meanwhile is the next scan's. A
	// transaction reads until it has scheduleBatch contracts to schedule or
	// has read them all: a repeat scan, which finds every contract in the
	// window scheduled already, reads them in one transaction.
	var after *contractDue
	for done := false; !done; {
		err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			settings, err := db.settings(ctx, tx)
			if err != nil {
				return err
			}
			_, until := domain.ScanWindow(today, settings.PolicySettings)
			var todo []contractDue
			for len(todo) < scheduleBatch && !done {
				page, err := db.contractsDue(ctx, tx, until, after, scheduleBatch)
				if err != nil {
					return err
				}
				done = len(page) < scheduleBatch
				if len(page) > 0 {
					after = &page[len(page)-1]
				}
				unscheduled, err := withoutScheduledConfirmation(ctx, tx, page)
				if err != nil {
					return err
				}
				todo = append(todo, unscheduled...)
			}
			n, err := db.scheduleDueConfirmations(ctx, tx, todo)
			scheduled += n
			return err
		})
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// contractDue is what scheduling a contract's confirmation needs of the
// contract.
type contractDue struct {
	ID       string      `bun:"id"`
	VendorID string      `bun:"vendor_id"`
	Due      domain.Date `bun:"next_confirmation_due,type:date"`
	Nominal  domain.Date `bun:"next_confirmation_nominal,type:date"`
}

// contractsDue returns, in the order of (next confirmation due, id) after
// the contract after (nil: from the start), up to limit active contracts
// whose next confirmation enters the reminder window (until). It is a
// range of the partial index contracts_confirmation_due_idx (migration
// 0027), read in the index's order and stopped at limit, so it costs the
// rows it returns whatever the size of the register. Which of them need a
// confirmation is decided on the page (withoutScheduledConfirmation,
// scheduleDueConfirmations), by primary-key lookups, not in this query:
// anti-joins there are planned on table statistics, and those of the
// confirmations the scan itself is writing are stale during the scan.
func (db *DB) contractsDue(ctx context.Context, tx bun.Tx, until domain.Date, after *contractDue, limit int) ([]contractDue, error) {
	var due []contractDue
	q := tx.NewSelect().Table("contracts").Column("id", "vendor_id", "next_confirmation_due", "next_confirmation_nominal").
		Where("status = ? AND next_confirmation_due <= ?", string(domain.ContractActive), until)
	if after != nil {
		// The row comparison is the keyset; the date's own bound lets
		// a planner that estimates by the first column alone see how
		// little of the window is left.
		q = q.Where("next_confirmation_due >= ? AND (next_confirmation_due, id) > (?, ?)", after.Due, after.Due, after.ID)
	}
	if err := q.OrderExpr("next_confirmation_due, id").Limit(int64(limit)).Scan(ctx, &due); err != nil {
		return nil, fmt.Errorf("store: find contracts to confirm: %w", err)
	}
	return due, nil
}

// withoutScheduledConfirmation returns the contracts that have no
// scheduled confirmation, read through the unique index of scheduled
// confirmations (migration 0005).
func withoutScheduledConfirmation(ctx context.Context, tx bun.Tx, contracts []contractDue) ([]contractDue, error) {
	if len(contracts) == 0 {
		return nil, nil
	}
	var scheduled []string
	if err := tx.NewSelect().Table("confirmations").Column("contract_id").
		Where("contract_id IN (?) AND status = ?", bun.In(contractIDs(contracts)), string(domain.ConfirmationScheduled)).
		Scan(ctx, &scheduled); err != nil {
		return nil, fmt.Errorf("store: check scheduled confirmations: %w", err)
	}
	has := make(map[string]bool, len(scheduled))
	for _, id := range scheduled {
		has[id] = true
	}
	out := contracts[:0:0]
	for _, c := range contracts {
		if !has[c.ID] {
			out = append(out, c)
		}
	}
	return out, nil
}

func contractIDs(contracts []contractDue) []string {
	ids := make([]string, len(contracts))
	for i, c := range contracts {
		ids[i] = c.ID
	}
	return ids
}

// scheduleDueConfirmations creates the scheduled confirmation of each of
// the contracts that includes a clause, as scheduleConfirmation does one by
// one, in a few statements: their clauses are read in one query, the
// confirmations and their audit events written in multi-row INSERTs. The
// caller has checked, in the same transaction, what scheduleConfirmation
// checks per contract (active, nothing scheduled yet). It returns how many
// it scheduled.
func (db *DB) scheduleDueConfirmations(ctx context.Context, tx bun.Tx, contracts []contractDue) (int, error) {
	if len(contracts) == 0 {
		return 0, nil
	}
	clauses, err := db.catalogueItems(ctx, tx, domain.CatalogueClauses, true)
	if err != nil {
		return 0, err
	}
	var clauseRows []contractClauseRow
	if err := tx.NewSelect().Model(&clauseRows).Where("contract_id IN (?)", bun.In(contractIDs(contracts))).Scan(ctx); err != nil {
		return 0, fmt.Errorf("store: load contract clauses: %w", err)
	}
	byContract := make(map[string][]contractClauseRow, len(contracts))
	includes := make(map[string]bool, len(contracts))
	for _, r := range clauseRows {
		byContract[r.ContractID] = append(byContract[r.ContractID], r)
		includes[r.ContractID] = includes[r.ContractID] || r.Status == string(domain.ClauseIncluded)
	}
	rows := make([]*confirmationRow, 0, len(contracts))
	entries := make([]auditEntry, 0, len(contracts))
	today := db.today()
	for _, c := range contracts {
		if !includes[c.ID] {
			// A contract that includes no clause has nothing to confirm;
			// its owner sees that on the contract, and the scan does not
			// retry it.
			continue
		}
		row, err := db.newScheduledConfirmation(c.ID, c.VendorID, c.Due, nominalOr(c.Nominal, c.Due), coverageOf(clauses, byContract[c.ID]))
		if err != nil {
			return 0, err
		}
		rows = append(rows, row)
		conf := row.toDomain(today)
		entries = append(entries, auditEntry{Action: domain.AuditCreate, EntityType: entityConfirmation, EntityID: conf.ID, After: conf})
	}
	if len(rows) == 0 {
		return 0, nil
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		if domain.ErrorCodeOf(translate(err)) == domain.ECONFLICT {
			return 0, domain.Errorf(domain.ECONFLICT, "the contract already has a scheduled confirmation; complete that one first").WithJa(confirmationScheduledJa)
		}
		return 0, fmt.Errorf("store: insert confirmations: %w", err)
	}
	if err := db.appendAuditMany(ctx, tx, entries); err != nil {
		return 0, err
	}
	return len(rows), nil
}

// cancelQueuedReminders stops every queued reminder about a subject: its
// date moved or it ended, so what was queued for the old date is not sent.
// A row already sending is left to finish, since its e-mail may have gone
// out, but carries the reason: if its attempt then fails having delivered
// nothing, MarkRemindersRetry cancels it instead of queueing it again.
func (db *DB) cancelQueuedReminders(ctx context.Context, tx bun.Tx, subjectID string) error {
	return db.cancelQueuedRemindersOf(ctx, tx, []string{subjectID})
}

// cancelQueuedRemindersOf is cancelQueuedReminders for many subjects, in
// two statements per reminderBatch subjects.
func (db *DB) cancelQueuedRemindersOf(ctx context.Context, tx bun.Tx, subjectIDs []string) error {
	for start := 0; start < len(subjectIDs); start += reminderBatch {
		ids := subjectIDs[start:min(start+reminderBatch, len(subjectIDs))]
		var cancelled []string
		_, err := tx.NewUpdate().Model((*reminderRow)(nil)).Set("status = ?", string(domain.ReminderCancelled)).
			Set("cancel_reason = ?", domain.CancelSubjectChanged).
			Where("subject_id IN (?) AND status = ?", bun.In(ids), string(domain.ReminderQueued)).Returning("id").Exec(ctx, &cancelled)
		if err != nil {
			return fmt.Errorf("store: cancel reminders: %w", err)
		}
		if err := db.reminderChanges(ctx, tx, "cancelled", cancelled); err != nil { // webhooks: reminder.changed
			return err
		}
		_, err = tx.NewUpdate().Model((*reminderRow)(nil)).Set("cancel_reason = ?", domain.CancelSubjectChanged).
			Where("subject_id IN (?) AND status = ?", bun.In(ids), string(domain.ReminderSending)).Exec(ctx)
		if err != nil {
			return fmt.Errorf("store: mark reminders in flight: %w", err)
		}
	}
	return nil
}

// DigestToSend implements domain.ReminderService.
func (db *DB) DigestToSend(ctx context.Context, recipientID string, ids []string, today domain.Date) (*domain.DigestMail, error) {
	var person personRow
	if err := db.selectOne(ctx, db.bun.NewSelect().Model(&person).Where("id = ?", recipientID), &person); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound(entityPerson, recipientID)
		}
		return nil, wrap("load "+entityPerson, err)
	}
	settings, err := db.settings(ctx, db.bun)
	if err != nil {
		return nil, err
	}
	mail := &domain.DigestMail{Recipient: person.toDomain(), Items: []domain.DigestItem{}, JapaneseEraDates: settings.JapaneseEraDates}
	if len(ids) == 0 {
		return mail, nil
	}
	unsent := []string{string(domain.ReminderQueued), string(domain.ReminderSending)}
	if !person.Active {
		// Set inactive after the scan: inactive people receive nothing, not
		// even the resend of an attempt that may have failed.
		if err := db.cancelReminders(ctx, ids, unsent, domain.CancelRecipientInactive); err != nil {
			return nil, err
		}
		return mail, nil
	}
	var rows []*reminderRow
	err = db.selectAll(ctx, db.bun.NewSelect().Model(&rows).Where("id IN (?) AND status IN (?)", bun.In(ids), bun.In(unsent)).
		Order("due_date ASC", "subject_type ASC", "id ASC"), &rows)
	if err != nil {
		return nil, fmt.Errorf("store: load digest: %w", err)
	}
	// A queued row sent on a later day than its scan may have been
	// overtaken by a later stage of its date: it is not sent late. A row
	// sending is resent as it was, under the Message-ID it may already have
	// arrived with.
	var stale []string
	kept := rows[:0]
	for _, r := range rows {
		if r.Status == string(domain.ReminderQueued) &&
			domain.Superseded(r.Stage, r.Repeat, r.DueDate, r.ReachedOn, today, settings.PolicySettings) {
			stale = append(stale, r.ID)
			continue
		}
		kept = append(kept, r)
	}
	if err := db.cancelReminders(ctx, stale, []string{string(domain.ReminderQueued)}, domain.CancelSuperseded); err != nil {
		return nil, err
	}
	for _, r := range kept {
		rem := r.toDomain()
		if r.Status == string(domain.ReminderSending) && mail.MessageID == "" {
			mail.MessageID = r.MessageID
		}
		mail.Items = append(mail.Items, domain.DigestItem{Reminder: *rem, DaysLeft: today.DaysUntil(r.DueDate),
			Escalation: domain.EscalationAt(domain.Stage{Name: rem.Stage, Repeat: rem.Repeat}, settings.PolicySettings)})
	}
	return mail, nil
}

// cancelReminders cancels, for reason, those of the rows ids whose status
// is one of from.
func (db *DB) cancelReminders(ctx context.Context, ids, from []string, reason string) error {
	if len(ids) == 0 {
		return nil
	}
	return db.markRemindersChanged(ctx, "cancelled", func(q *bun.UpdateQuery) *bun.UpdateQuery {
		return q.Set("status = ?", string(domain.ReminderCancelled)).Set("cancel_reason = ?", reason).
			Where("id IN (?) AND status IN (?)", bun.In(ids), bun.In(from))
	})
}

// leaseNow is the time of leases: the wall clock, since a lease measures
// how long a worker has been silent, between processes. The store's clock
// is for calendar rules, and a test that walks it a year ahead must not
// make every live job look dead.
func leaseNow() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// errLeaseHeld rolls back a lease that another holder's live lease blocks.
var errLeaseHeld = errors.New("store: reminders leased by another job")

// LeaseReminders implements domain.ReminderService. It takes every free or
// expired lease among the rows, and its own, then rolls back if another
// holder still holds one: a job sends all of its rows or none. On
// PostgreSQL a competing lease waits for the row locks of the first and
// then finds them held. Leases run on the wall clock (leaseNow), not the
// store's clock, and replicas' clocks must agree to well within a lease
// (NTP does).
func (db *DB) LeaseReminders(ctx context.Context, ids []string, holder string, ttl time.Duration) (bool, error) {
	if len(ids) == 0 {
		return true, nil
	}
	return db.leaseTx(ctx, "lease reminders", ids, holder, func(now time.Time) *bun.UpdateQuery {
		q := db.bun.NewUpdate().Model((*reminderRow)(nil)).Set("lease_holder = ?", holder).Set("lease_until = ?", now.Add(ttl)).
			Where("id IN (?) AND status IN (?)", bun.In(ids), bun.In(unsentStatuses))
		return leaseFree(q, holder, now)
	})
}

// ClaimRemindersSending implements domain.ReminderService. It is a single
// UPDATE, committed on its own: the claim must be durable before the first
// byte of the message leaves, or a crash after the server's 250 would leave
// no trace that the message may have arrived.
func (db *DB) ClaimRemindersSending(ctx context.Context, ids []string, messageID string) error {
	if len(ids) == 0 {
		return nil
	}
	return db.markReminders(ctx, "sending", func(q *bun.UpdateQuery) *bun.UpdateQuery {
		// SET expressions read the row as it was: possible_duplicate turns
		// on when the row was already sending.
		return q.Set("status = ?", string(domain.ReminderSending)).Set("message_id = ?", messageID).
			Set("attempts = attempts + 1").
			Set("possible_duplicate = (possible_duplicate OR status = ?)", string(domain.ReminderSending)).
			Where("id IN (?) AND status IN (?)", bun.In(ids), bun.In([]string{string(domain.ReminderQueued), string(domain.ReminderSending)}))
	})
}

// MarkRemindersSent implements domain.ReminderService.
func (db *DB) MarkRemindersSent(ctx context.Context, ids []string, messageID string) error {
	if len(ids) == 0 {
		return nil
	}
	return db.markRemindersChanged(ctx, "sent", func(q *bun.UpdateQuery) *bun.UpdateQuery {
		// A sent row is no longer leased: the mark ends the lease, and the
		// job needs no statement of its own to end it.
		return q.Set("status = ?", string(domain.ReminderSent)).Set("message_id = ?", messageID).Set("sent_at = ?", db.Now()).
			Set("cancel_reason = ''").Set("lease_holder = ''").Set("lease_until = NULL").
			Where("id IN (?) AND status IN (?)", bun.In(ids), bun.In([]string{string(domain.ReminderQueued), string(domain.ReminderSending)}))
	})
}

// MarkRemindersFailed implements domain.ReminderService.
func (db *DB) MarkRemindersFailed(ctx context.Context, ids []string, answer string) error {
	if len(ids) == 0 {
		return nil
	}
	answer = cleanAnswer(answer)
	return db.markRemindersChanged(ctx, "failed", func(q *bun.UpdateQuery) *bun.UpdateQuery {
		return q.Set("status = ?", string(domain.ReminderFailed)).Set("error = ?", answer).Set("lease_holder = ''").Set("lease_until = NULL").
			Where("id IN (?) AND status IN (?)", bun.In(ids), bun.In([]string{string(domain.ReminderQueued), string(domain.ReminderSending)}))
	})
}

// MarkRemindersRetry implements domain.ReminderService.
func (db *DB) MarkRemindersRetry(ctx context.Context, ids []string, answer string, mayHaveBeenDelivered bool) error {
	if len(ids) == 0 {
		return nil
	}
	answer = cleanAnswer(answer)
	status := domain.ReminderQueued
	if mayHaveBeenDelivered {
		status = domain.ReminderSending
	}
	return db.markReminders(ctx, "for retry", func(q *bun.UpdateQuery) *bun.UpdateQuery {
		if !mayHaveBeenDelivered {
			// Nothing went out: a row whose subject changed meanwhile
			// (cancelQueuedReminders) is cancelled, not queued again.
			return q.Set("status = CASE WHEN cancel_reason = ? THEN ? ELSE ? END", domain.CancelSubjectChanged,
				string(domain.ReminderCancelled), string(status)).Set("error = ?", answer).
				Where("id IN (?) AND status = ?", bun.In(ids), string(domain.ReminderSending))
		}
		return q.Set("status = ?", string(status)).Set("error = ?", answer).
			Where("id IN (?) AND status = ?", bun.In(ids), string(domain.ReminderSending))
	})
}

// cleanAnswer makes a server's answer fit the error column.
func cleanAnswer(answer string) string {
	return truncateRunes(strings.ToValidUTF8(strings.TrimSpace(answer), "?"), maxReminderError)
}

// markAttempts is how often a mark is tried when PostgreSQL picks it as a
// deadlock victim.
const markAttempts = 3

// markReminders records what became of sent rows. It runs outside the write
// lock on purpose: a long scan holds that lock, and a mark that waited for it
// could time out and have River send the message again. A single UPDATE can
// still lose a deadlock against a scan touching the same rows; it is then
// simply tried again.
func (db *DB) markReminders(ctx context.Context, what string, update func(*bun.UpdateQuery) *bun.UpdateQuery) error {
	var err error
	for range markAttempts {
		err = db.execParams(ctx, nil, update(db.bun.NewUpdate().Model((*reminderRow)(nil))), nil)
		if err == nil || domain.ErrorCodeOf(translate(err)) != domain.ECONFLICT || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("store: mark reminders %s: %w", what, err)
	}
	return nil
}

// markRemindersChanged is markReminders for a change that webhooks hear
// of (sent, failed, cancelled): when a subscription asks for
// reminder.changed, the update and the deliveries of the rows it changed
// are one transaction (still outside the write lock). Otherwise it is the
// plain update.
func (db *DB) markRemindersChanged(ctx context.Context, what string, update func(*bun.UpdateQuery) *bun.UpdateQuery) error {
	if db.webhooks == nil {
		return db.markReminders(ctx, what, update)
	}
	var err error
	for range markAttempts {
		err = db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			subs, err := db.webhookTargets(ctx, tx, domain.EventReminderChanged)
			if err != nil {
				return err
			}
			if len(subs) == 0 {
				return db.execParams(ctx, tx.Tx, update(tx.NewUpdate().Model((*reminderRow)(nil))), nil)
			}
			var ids []string
			if err := db.execParams(ctx, tx.Tx, update(tx.NewUpdate().Model((*reminderRow)(nil))).Returning("id"), scanIDs(&ids)); err != nil {
				return err
			}
			return db.reminderChanges(ctx, tx, what, ids)
		})
		if err == nil || domain.ErrorCodeOf(translate(err)) != domain.ECONFLICT || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("store: mark reminders %s: %w", what, err)
	}
	return nil
}

// ListReminders implements domain.ReminderService.
func (db *DB) ListReminders(ctx context.Context, f domain.ReminderFilter, p domain.PageRequest) (domain.Page[*domain.Reminder], error) {
	var rows []*reminderRow
	q := db.bun.NewSelect().Model(&rows)
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.RecipientID != "" {
		q = q.Where("recipient_id = ?", f.RecipientID)
	}
	if f.SubjectType != "" {
		q = q.Where("subject_type = ?", string(f.SubjectType))
	}
	if f.SubjectID != "" {
		q = q.Where("subject_id = ?", f.SubjectID)
	}
	if f.Stage != "" {
		q = q.Where("stage = ?", f.Stage)
	}
	q, err := whereFiscalYear(q, "due_date", f.FiscalYear)
	if err != nil {
		return domain.Page[*domain.Reminder]{}, err
	}
	return listPage(ctx, q, &rows, p, "list reminders",
		(*reminderRow).toDomain,
		func(r *domain.Reminder) string { return r.ID })
}

// maxReminderTitle is the length of reminders.title, in characters.
const maxReminderTitle = 500

// maxReminderError is how much of a server's answer a failed row keeps, in
// characters.
const maxReminderError = 2000

// truncateRunes shortens s to at most n characters, marking the cut.
func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
