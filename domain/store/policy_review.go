package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

var _ domain.PolicyReviewService = (*DB)(nil)

type policyReviewRow struct {
	bun.BaseModel `bun:"table:policy_reviews"`

	ID                 string      `bun:"id,pk"`
	Trigger            string      `bun:"trigger_kind"`
	TriggerID          *string     `bun:"trigger_id"`
	TriggerDescription string      `bun:"trigger_description"`
	Decision           string      `bun:"decision"`
	Status             string      `bun:"status"`
	OwnerID            string      `bun:"owner_id"`
	DraftedBy          *string     `bun:"drafted_by"`
	ChangedBy          *string     `bun:"changed_by"`
	ApproverID         *string     `bun:"approver_id"`
	ApprovedAt         *time.Time  `bun:"approved_at"`
	NextReviewDue      domain.Date `bun:"next_review_due,type:date"`
	NextReviewNominal  domain.Date `bun:"next_review_nominal,type:date"`
	SupersededBy       *string     `bun:"superseded_by"`
	Version            int         `bun:"version"`
	CreatedAt          time.Time   `bun:"created_at"`
	UpdatedAt          time.Time   `bun:"updated_at"`
}

type policyReviewChangeRow struct {
	bun.BaseModel `bun:"table:policy_review_changes"`

	ReviewID     string `bun:"review_id,pk"`
	Position     int    `bun:"position,pk"`
	AuditEventID string `bun:"audit_event_id"`
}

const entityPolicyReview = "policy_review"

// policyReviewTriggerTables name, per trigger, the table of the record
// trigger_id must name.
//
// policyReviewTriggerTables are the tables of the records a trigger names:
// checkTriggerRecord refuses a trigger_id that names no such row (422 at
// trigger_id).
var policyReviewTriggerTables = map[domain.PolicyReviewTrigger]string{
	domain.TriggerAuditResult:          "audits",
	domain.TriggerSelfInspectionResult: "inspection_campaigns",
	domain.TriggerIncident:             "incidents",
}

// checkTriggerRecord checks that the record a trigger names exists, where
// policyReviewTriggerTables knows its table.
func checkTriggerRecord(ctx context.Context, tx bun.IDB, fe *domain.FieldErrors, in domain.PolicyReviewInput) error {
	table, ok := policyReviewTriggerTables[in.Trigger]
	if !ok || in.TriggerID == "" {
		return nil
	}
	exists, err := tx.NewSelect().Table(table).Where("id = ?", in.TriggerID).Exists(ctx)
	if err != nil {
		return fmt.Errorf("store: check %s: %w", table, err)
	}
	if !exists {
		fe.AddJa("trigger_id", "no "+strings.TrimSuffix(table, "s")+" has this id", "指定した記録は登録されていません。", in.TriggerID)
	}
	return nil
}

func (r *policyReviewRow) toDomain() *domain.PolicyReview {
	return &domain.PolicyReview{
		ID: r.ID, Trigger: domain.PolicyReviewTrigger(r.Trigger), TriggerID: deref(r.TriggerID), TriggerDescription: r.TriggerDescription,
		Decision: r.Decision, Changes: []domain.PolicyChange{}, Status: domain.PolicyReviewStatus(r.Status), OwnerID: r.OwnerID,
		DraftedBy: deref(r.DraftedBy), ChangedBy: deref(r.ChangedBy), ApproverID: deref(r.ApproverID), ApprovedAt: utcPtr(r.ApprovedAt),
		NextReviewDue: r.NextReviewDue, NextReviewNominal: nominalOr(r.NextReviewNominal, r.NextReviewDue), SupersededBy: deref(r.SupersededBy),
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// attachChanges reads the linked changes of reviews, with their audit
// events, in two queries.
func attachChanges(ctx context.Context, idb bun.IDB, reviews ...*domain.PolicyReview) error {
	if len(reviews) == 0 {
		return nil
	}
	ids := make([]string, len(reviews))
	byID := make(map[string]*domain.PolicyReview, len(reviews))
	for i, r := range reviews {
		ids[i] = r.ID
		byID[r.ID] = r
	}
	var links []policyReviewChangeRow
	if err := idb.NewSelect().Model(&links).Where("review_id IN (?)", bun.In(ids)).Order("review_id", "position").Scan(ctx); err != nil {
		return wrap("load policy review changes", err)
	}
	if len(links) == 0 {
		return nil
	}
	eventIDs := make([]string, 0, len(links))
	for _, l := range links {
		eventIDs = append(eventIDs, l.AuditEventID)
	}
	events, err := auditEventsByID(ctx, idb, eventIDs)
	if err != nil {
		return err
	}
	for _, l := range links {
		r := byID[l.ReviewID]
		if e, ok := events[l.AuditEventID]; ok {
			r.Changes = append(r.Changes, domain.PolicyChangeOf(e))
		} else {
			r.Changes = append(r.Changes, domain.PolicyChange{AuditEventID: l.AuditEventID, Fields: []string{},
				Summary: "the audit event is missing from the chain", SummaryJa: "監査記録にこの変更が見つかりません。"})
		}
	}
	return nil
}

// auditEventsByID reads the audit events with the given ids.
func auditEventsByID(ctx context.Context, idb bun.IDB, ids []string) (map[string]*domain.AuditEvent, error) {
	out := make(map[string]*domain.AuditEvent, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []*auditEventRow
	if err := idb.NewSelect().Model(&rows).Where("id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, wrap("load audit events", err)
	}
	for _, r := range rows {
		out[r.ID] = r.toDomain()
	}
	return out, nil
}

// checkPolicyChanges refuses, at changes[i], an id that names no audit
// event or an event that is no settings or catalogue change.
func checkPolicyChanges(ctx context.Context, tx bun.IDB, fe *domain.FieldErrors, ids []string) error {
	events, err := auditEventsByID(ctx, tx, ids)
	if err != nil {
		return err
	}
	for i, id := range ids {
		field := fmt.Sprintf("changes[%d]", i)
		e, ok := events[id]
		switch {
		case !ok:
			fe.AddJa(field, "no audit event has this id", "この監査記録は見つかりません。", id)
		case e.Action == domain.AuditSeed:
			fe.AddJa(field, "records the seeding of a new database, not a change the review made",
				"これは初期データの登録の記録で、見直しによる変更ではありません。", id)
		case !domain.IsPolicyChange(e):
			fe.AddJa(field, fmt.Sprintf("records a change of a %s, not of the settings or a catalogue", e.EntityType),
				"設定又は一覧の変更の記録ではありません（"+entityJa(e.EntityType)+"の記録です）。", id)
		}
	}
	return nil
}

// FindPolicyReview implements domain.PolicyReviewService.
func (db *DB) FindPolicyReview(ctx context.Context, id string) (*domain.PolicyReview, error) {
	return db.findPolicyReview(ctx, db.bun, id)
}

func (db *DB) findPolicyReview(ctx context.Context, idb bun.IDB, id string) (*domain.PolicyReview, error) {
	var row policyReviewRow
	if err := loadRow(ctx, idb, &row, entityPolicyReview, id); err != nil {
		return nil, err
	}
	r := row.toDomain()
	return r, attachChanges(ctx, idb, r)
}

// ListPolicyReviews implements domain.PolicyReviewService.
func (db *DB) ListPolicyReviews(ctx context.Context, f domain.PolicyReviewFilter, p domain.PageRequest) (domain.Page[*domain.PolicyReview], error) {
	var rows []*policyReviewRow
	q := db.bun.NewSelect().Model(&rows)
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.Trigger != "" {
		q = q.Where("trigger_kind = ?", string(f.Trigger))
	}
	if f.OwnerID != "" {
		q = q.Where("owner_id = ?", f.OwnerID)
	}
	q, err := whereFiscalYear(q, "next_review_due", f.FiscalYear)
	if err != nil {
		return domain.Page[*domain.PolicyReview]{}, err
	}
	page, err := listPage(ctx, q, &rows, p, "list policy reviews", (*policyReviewRow).toDomain,
		func(r *domain.PolicyReview) string { return r.ID })
	if err != nil {
		return page, err
	}
	return page, attachChanges(ctx, db.bun, page.Items...)
}

// checkPolicyReviewInput validates a draft and checks what it refers to:
// the owner, the trigger's record and the changes.
func (db *DB) checkPolicyReviewInput(ctx context.Context, tx bun.IDB, in *domain.PolicyReviewInput, owner string) error {
	fe := domain.PolicyReviewInputProblems(*in)
	if owner == "" {
		fe.AddJa("owner_id", "name who follows the next review up (the caller has no person)", "次回の見直しの担当者を指定してください。", nil)
	}
	if err := requirePerson(ctx, tx, &fe, "owner_id", owner); err != nil {
		return err
	}
	if err := checkTriggerRecord(ctx, tx, &fe, *in); err != nil {
		return err
	}
	if err := checkPolicyChanges(ctx, tx, &fe, in.Changes); err != nil {
		return err
	}
	return fe.ErrJa("the policy review breaks one or more rules", "情報セキュリティポリシーの見直しの内容に誤りがあります。")
}

// normalizePolicyReviewInput validates the shape of in and trims it.
func normalizePolicyReviewInput(in *domain.PolicyReviewInput) error {
	if err := domain.Validate(in); err != nil {
		return err
	}
	in.TriggerDescription, in.Decision = strings.TrimSpace(in.TriggerDescription), strings.TrimSpace(in.Decision)
	in.TriggerID = strings.ToLower(in.TriggerID)
	for i := range in.Changes {
		in.Changes[i] = strings.ToLower(in.Changes[i])
	}
	return nil
}

// apply writes a draft's fields over the row, its next review date moved
// to a business day by cal.
func (r *policyReviewRow) apply(in domain.PolicyReviewInput, owner string, cal domain.BusinessCalendar) {
	r.Trigger, r.TriggerID, r.TriggerDescription, r.Decision = string(in.Trigger), strPtr(in.TriggerID), in.TriggerDescription, in.Decision
	r.OwnerID, r.NextReviewNominal, r.NextReviewDue = owner, in.NextReviewDue, domain.Date{}
	if !in.NextReviewDue.IsZero() {
		r.NextReviewDue = cal.BusinessDueDate(in.NextReviewDue)
	}
}

// writeChanges replaces the links of a review.
func writeChanges(ctx context.Context, tx bun.Tx, reviewID string, ids []string) error {
	if _, err := tx.NewDelete().Model((*policyReviewChangeRow)(nil)).Where("review_id = ?", reviewID).Exec(ctx); err != nil {
		return fmt.Errorf("store: clear policy review changes: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	rows := make([]policyReviewChangeRow, len(ids))
	for i, id := range ids {
		rows[i] = policyReviewChangeRow{ReviewID: reviewID, Position: i, AuditEventID: id}
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return wrap("insert policy review changes", translate(err))
	}
	return nil
}

// CreatePolicyReview implements domain.PolicyReviewService.
func (db *DB) CreatePolicyReview(ctx context.Context, in domain.PolicyReviewInput) (*domain.PolicyReview, error) {
	if err := normalizePolicyReviewInput(&in); err != nil {
		return nil, err
	}
	actor := actorOf(ctx)
	owner := in.OwnerID
	if owner == "" {
		owner = actor.PersonID
	}
	var out *domain.PolicyReview
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := db.checkPolicyReviewInput(ctx, tx, &in, owner); err != nil {
			return err
		}
		cal, err := db.calendar(ctx, tx)
		if err != nil {
			return err
		}
		now := db.Now()
		row := &policyReviewRow{ID: uuid.Must(uuid.NewV7()).String(), Status: string(domain.PolicyReviewDraft),
			DraftedBy: strPtr(actor.PersonID), ChangedBy: strPtr(actor.PersonID), Version: 1, CreatedAt: now, UpdatedAt: now}
		row.apply(in, owner, cal)
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return wrap("insert policy review", translate(err))
		}
		if err := writeChanges(ctx, tx, row.ID, in.Changes); err != nil {
			return err
		}
		if out, err = db.findPolicyReview(ctx, tx, row.ID); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditCreate, EntityType: entityPolicyReview, EntityID: row.ID, After: out})
	})
	return out, err
}

// changeDraftReview runs the steps shared by every change of a draft.
func (db *DB) changeDraftReview(ctx context.Context, id string, ifVersion *int,
	change func(ctx context.Context, tx bun.Tx, row *policyReviewRow, before *domain.PolicyReview) (action, reason string, err error)) (*domain.PolicyReview, error) {
	var out *domain.PolicyReview
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row policyReviewRow
		if err := loadRow(ctx, tx, &row, entityPolicyReview, id); err != nil {
			return err
		}
		if err := checkVersion(entityPolicyReview, row.Version, ifVersion); err != nil {
			return err
		}
		if row.Status != string(domain.PolicyReviewDraft) {
			return domain.Errorf(domain.ECONFLICT, "the policy review is already %s; record a new review instead", row.Status).
				WithJa("この見直しは既に%sです。変更する場合は、新しい見直しを記録してください。", statusJa(entityPolicyReview, row.Status))
		}
		before := row.toDomain()
		if err := attachChanges(ctx, tx, before); err != nil {
			return err
		}
		action, reason, err := change(ctx, tx, &row, before)
		if err != nil {
			return err
		}
		read := row.Version
		row.Version, row.UpdatedAt = read+1, db.Now()
		if err := updateRow(ctx, tx, &row, entityPolicyReview, id, read, ifVersion); err != nil {
			return err
		}
		if out, err = db.findPolicyReview(ctx, tx, id); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, auditEntry{Action: action, EntityType: entityPolicyReview, EntityID: id, Reason: reason, Before: before, After: out})
	})
	return out, err
}

// ReplacePolicyReview implements domain.PolicyReviewService.
func (db *DB) ReplacePolicyReview(ctx context.Context, id string, ifVersion *int, in domain.PolicyReviewInput) (*domain.PolicyReview, error) {
	if err := normalizePolicyReviewInput(&in); err != nil {
		return nil, err
	}
	actor := actorOf(ctx)
	return db.changeDraftReview(ctx, id, ifVersion, func(ctx context.Context, tx bun.Tx, row *policyReviewRow, _ *domain.PolicyReview) (string, string, error) {
		owner := in.OwnerID
		if owner == "" {
			owner = row.OwnerID
		}
		if err := db.checkPolicyReviewInput(ctx, tx, &in, owner); err != nil {
			return "", "", err
		}
		cal, err := db.calendar(ctx, tx)
		if err != nil {
			return "", "", err
		}
		row.apply(in, owner, cal)
		if actor.PersonID != "" {
			row.ChangedBy = &actor.PersonID
		}
		return domain.AuditUpdate, "", writeChanges(ctx, tx, id, in.Changes)
	})
}

// ApprovePolicyReview implements domain.PolicyReviewService.
func (db *DB) ApprovePolicyReview(ctx context.Context, id string, ifVersion *int) (*domain.PolicyReview, error) {
	return db.changeDraftReview(ctx, id, ifVersion, func(ctx context.Context, tx bun.Tx, row *policyReviewRow, before *domain.PolicyReview) (string, string, error) {
		approver, err := callerPerson(ctx, tx)
		if err != nil {
			return "", "", err
		}
		if err := domain.PolicyReviewApprovalRefusal(approver, before); err != nil {
			return "", "", err
		}
		settings, err := db.settings(ctx, tx)
		if err != nil {
			return "", "", err
		}
		today := db.today()
		nominal := domain.NextPolicyReviewNominal(row.NextReviewNominal, today, settings.PolicySettings)
		if err := domain.PolicyReviewApprovalProblems(before, nominal, today).
			ErrJa("the policy review cannot be approved yet", "この見直しはまだ承認できません。"); err != nil {
			return "", "", err
		}
		now := db.Now()
		row.Status, row.ApproverID, row.ApprovedAt = string(domain.PolicyReviewApproved), &approver.ID, &now
		row.NextReviewNominal, row.NextReviewDue = nominal, domain.NewBusinessCalendar(settings.PolicySettings).BusinessDueDate(nominal)
		n, err := db.supersedePolicyReviews(ctx, tx, row.ID)
		if err != nil {
			return "", "", err
		}
		reason := "next review due " + row.NextReviewDue.String()
		if n > 0 {
			reason += "; supersedes " + strconv.Itoa(n) + " earlier approved review(s)"
		}
		return "approve", reason, nil
	})
}

// supersedePolicyReviews marks every approved review still current, other
// than id, as superseded by id: only the latest approved review's next date
// is due, and what was queued for the older date is not sent. It returns
// how many it superseded.
func (db *DB) supersedePolicyReviews(ctx context.Context, tx bun.Tx, id string) (int, error) {
	var rows []*policyReviewRow
	if err := tx.NewSelect().Model(&rows).Where("status = ? AND superseded_by IS NULL AND id <> ?", string(domain.PolicyReviewApproved), id).
		Scan(ctx); err != nil {
		return 0, fmt.Errorf("store: find current policy reviews: %w", err)
	}
	for _, row := range rows {
		before := row.toDomain()
		read := row.Version
		row.SupersededBy, row.Version, row.UpdatedAt = &id, read+1, db.Now()
		if err := updateRow(ctx, tx, row, entityPolicyReview, row.ID, read, nil); err != nil {
			return 0, err
		}
		if err := db.cancelQueuedReminders(ctx, tx, row.ID); err != nil {
			return 0, err
		}
		if err := db.appendAudit(ctx, tx, auditEntry{Action: "supersede", EntityType: entityPolicyReview, EntityID: row.ID,
			Reason: "policy review " + id + " was approved and names the next review date", Before: before, After: row.toDomain()}); err != nil {
			return 0, err
		}
	}
	return len(rows), nil
}

// ListPolicyChangeCandidates implements domain.PolicyReviewService.
func (db *DB) ListPolicyChangeCandidates(ctx context.Context, p domain.PageRequest) (domain.Page[*domain.PolicyChange], error) {
	var since struct {
		At *time.Time `bun:"at"`
	}
	if err := db.bun.NewSelect().Table("policy_reviews").ColumnExpr("MAX(approved_at) AS at").
		Where("status = ?", string(domain.PolicyReviewApproved)).Scan(ctx, &since); err != nil {
		return domain.Page[*domain.PolicyChange]{}, wrap("find the latest approved policy review", err)
	}
	var rows []*auditEventRow
	q := db.bun.NewSelect().Model(&rows).Where("entity_type IN (?) AND action <> ?", bun.In(domain.PolicyChangeEntityTypes), domain.AuditSeed)
	if since.At != nil {
		q = q.Where("occurred_at > ?", since.At.UTC())
	}
	after, err := decodeCursor(p.Cursor)
	if err != nil {
		return domain.Page[*domain.PolicyChange]{}, err
	}
	if after != "" {
		seq, err := strconv.ParseInt(after, 10, 64)
		if err != nil {
			return domain.Page[*domain.PolicyChange]{}, domain.Invalid("the cursor is not one this API issued",
				domain.FieldError{Field: "cursor", Message: "is not a cursor from a previous page", Ja: "前のページから続くページの指定ではありません。", Value: p.Cursor}).
				WithJa(badCursorJa)
		}
		q = q.Where("seq > ?", seq)
	}
	if err := q.Order("seq ASC").Limit(int64(p.Size()) + 1).Scan(ctx); err != nil {
		return domain.Page[*domain.PolicyChange]{}, wrap("list policy change candidates", err)
	}
	out := make([]*domain.PolicyChange, len(rows))
	for i, r := range rows {
		c := domain.PolicyChangeOf(r.toDomain())
		out[i] = &c
	}
	return finishPage(out, p, func(c *domain.PolicyChange) string { return strconv.FormatInt(c.Seq, 10) }), nil
}

// policyReviewsToApprove returns the drafted policy reviews that person me
// may approve (PolicyReviewApprovalRefusal): for a ciso, those someone
// else drafted and last changed.
func (db *DB) policyReviewsToApprove(ctx context.Context, _ domain.Actor, me *domain.Person) ([]domain.WorkItem, error) {
	if !domain.MayApprovePolicyReview(me) {
		return nil, nil
	}
	var rows []*policyReviewRow
	if err := db.bun.NewSelect().Model(&rows).Where("status = ?", string(domain.PolicyReviewDraft)).Order("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: my work, policy reviews: %w", translate(err))
	}
	var out []domain.WorkItem
	for _, r := range rows {
		if domain.PolicyReviewApprovalRefusal(me, r.toDomain()) != nil {
			continue
		}
		since := r.UpdatedAt.UTC()
		out = append(out, domain.WorkItem{Kind: domain.WorkPolicyReviewApproval, SubjectID: r.ID,
			Title: domain.PolicyReviewTrigger(r.Trigger).DisplayName(me.Locale) + ": " + truncateRunes(r.TriggerDescription, 80),
			Path:  "/policy-reviews/" + r.ID, Since: &since, Waiting: true})
	}
	return out, nil
}

// DeletePolicyReview implements domain.PolicyReviewService.
func (db *DB) DeletePolicyReview(ctx context.Context, id string, ifVersion *int) error {
	return db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row policyReviewRow
		if err := loadRow(ctx, tx, &row, entityPolicyReview, id); err != nil {
			return err
		}
		if err := checkVersion(entityPolicyReview, row.Version, ifVersion); err != nil {
			return err
		}
		if row.Status != string(domain.PolicyReviewDraft) {
			return domain.Errorf(domain.ECONFLICT, "only a draft can be deleted; this policy review is %s", row.Status).
				WithJa("削除できるのは起案中の見直しだけです。この見直しは%sです。", statusJa(entityPolicyReview, row.Status))
		}
		before := row.toDomain()
		if err := attachChanges(ctx, tx, before); err != nil {
			return err
		}
		if err := writeChanges(ctx, tx, id, nil); err != nil {
			return err
		}
		if err := deleteRow(ctx, tx, &row, entityPolicyReview, row.Version, ifVersion); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditDelete, EntityType: entityPolicyReview, EntityID: id, Before: before})
	})
}
