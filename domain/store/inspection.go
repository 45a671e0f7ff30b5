package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

var _ domain.InspectionService = (*DB)(nil)

const (
	entityInspectionCampaign = "inspection_campaign"
	entityInspectionAnswer   = "inspection_answer"
	entityInspectionAssign   = "inspection_assignment"
)

type campaignRow struct {
	bun.BaseModel `bun:"table:inspection_campaigns"`

	ID             string      `bun:"id,pk"`
	FiscalYear     int         `bun:"fiscal_year"`
	Title          string      `bun:"title"`
	Description    string      `bun:"description"`
	DueDate        domain.Date `bun:"due_date,type:date"`
	DueDateNominal domain.Date `bun:"due_date_nominal,type:date"`
	ItemCodes      string      `bun:"item_codes"`
	Status         string      `bun:"status"`
	ClosedBy       *string     `bun:"closed_by"`
	ClosedAt       *time.Time  `bun:"closed_at"`
	CreatedBy      *string     `bun:"created_by"`
	Version        int         `bun:"version"`
	CreatedAt      time.Time   `bun:"created_at"`
	UpdatedAt      time.Time   `bun:"updated_at"`
}

func (r *campaignRow) codes() []string {
	var out []string
	_ = json.Unmarshal([]byte(r.ItemCodes), &out)
	if out == nil {
		out = []string{}
	}
	return out
}

func (r *campaignRow) toDomain(assignees []domain.InspectionAssignee) *domain.InspectionCampaign {
	if assignees == nil {
		assignees = []domain.InspectionAssignee{}
	}
	return &domain.InspectionCampaign{
		ID: r.ID, FiscalYear: r.FiscalYear, Title: r.Title, Description: r.Description, DueDate: r.DueDate,
		DueDateNominal: nominalOr(r.DueDateNominal, r.DueDate), ItemCodes: r.codes(), Assignees: assignees,
		Status: domain.CampaignStatus(r.Status), ClosedAt: utcPtr(r.ClosedAt), ClosedBy: deref(r.ClosedBy), CreatedBy: deref(r.CreatedBy),
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

type assignmentRow struct {
	bun.BaseModel `bun:"table:inspection_assignments"`

	ID           string     `bun:"id,pk"`
	CampaignID   string     `bun:"campaign_id"`
	PersonID     string     `bun:"person_id"`
	DepartmentID string     `bun:"department_id"`
	CompletedAt  *time.Time `bun:"completed_at"`
	CreatedAt    time.Time  `bun:"created_at"`
}

type answerRow struct {
	bun.BaseModel `bun:"table:inspection_answers"`

	ID                 string     `bun:"id,pk"`
	CampaignID         string     `bun:"campaign_id"`
	AssignmentID       string     `bun:"assignment_id"`
	PersonID           string     `bun:"person_id"`
	DepartmentID       string     `bun:"department_id"`
	ItemCode           string     `bun:"item_code"`
	Position           int        `bun:"position"`
	Answer             string     `bun:"answer"`
	Note               string     `bun:"note"`
	Prefill            *string    `bun:"prefill"`
	KeptPrefill        *bool      `bun:"kept_prefill"`
	AnsweredBy         *string    `bun:"answered_by"`
	AnsweredAt         *time.Time `bun:"answered_at"`
	CorrectiveActionID *string    `bun:"corrective_action_id"`
	Version            int        `bun:"version"`
	CreatedAt          time.Time  `bun:"created_at"`
	UpdatedAt          time.Time  `bun:"updated_at"`
}

func (r *answerRow) toDomain() *domain.InspectionAnswer {
	a := &domain.InspectionAnswer{
		ID: r.ID, CampaignID: r.CampaignID, AssignmentID: r.AssignmentID, PersonID: r.PersonID, DepartmentID: r.DepartmentID,
		ItemCode: r.ItemCode, Answer: domain.AnswerValue(r.Answer), Note: r.Note, KeptPrefill: r.KeptPrefill,
		AnsweredBy: deref(r.AnsweredBy), AnsweredAt: utcPtr(r.AnsweredAt), CorrectiveActionID: deref(r.CorrectiveActionID),
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if r.Prefill != nil {
		var p domain.InspectionPrefill
		if json.Unmarshal([]byte(*r.Prefill), &p) == nil {
			a.Prefill = &p
		}
	}
	return a
}

// assigneesOf returns the assignees of campaigns ids with their progress,
// in the order they were assigned, with one query.
func assigneesOf(ctx context.Context, tx bun.IDB, ids []string) (map[string][]domain.InspectionAssignee, error) {
	out := map[string][]domain.InspectionAssignee{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID           string     `bun:"id"`
		CampaignID   string     `bun:"campaign_id"`
		PersonID     string     `bun:"person_id"`
		DepartmentID string     `bun:"department_id"`
		CompletedAt  *time.Time `bun:"completed_at"`
		Items        int        `bun:"items"`
		Answered     int        `bun:"answered"`
	}
	err := tx.NewRaw(`SELECT a.id, a.campaign_id, a.person_id, a.department_id, a.completed_at,
			count(x.id) AS items, COALESCE(sum(CASE WHEN x.answer <> '' THEN 1 ELSE 0 END), 0) AS answered
		FROM inspection_assignments a LEFT JOIN inspection_answers x ON x.assignment_id = a.id
		WHERE a.campaign_id IN (?) GROUP BY a.id, a.campaign_id, a.person_id, a.department_id, a.completed_at ORDER BY a.id`, bun.In(ids)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("store: load inspection assignees: %w", translate(err))
	}
	for _, r := range rows {
		out[r.CampaignID] = append(out[r.CampaignID], domain.InspectionAssignee{ID: r.ID, PersonID: r.PersonID, DepartmentID: r.DepartmentID,
			Items: r.Items, Answered: r.Answered, CompletedAt: utcPtr(r.CompletedAt)})
	}
	return out, nil
}

func (db *DB) campaignOf(ctx context.Context, tx bun.IDB, row *campaignRow) (*domain.InspectionCampaign, error) {
	as, err := assigneesOf(ctx, tx, []string{row.ID})
	if err != nil {
		return nil, err
	}
	return row.toDomain(as[row.ID]), nil
}

// checklistCodes resolves a campaign's items: every live checklist item
// when none is named, else the named ones, each a live item, in catalogue
// order.
func (db *DB) checklistCodes(ctx context.Context, tx bun.IDB, named []string, keep []string) ([]string, error) {
	items, err := db.catalogueItems(ctx, tx, domain.CatalogueInspectionChecklist, true)
	if err != nil {
		return nil, err
	}
	if len(named) == 0 {
		var out []string
		for _, it := range items {
			if it.RetiredAt == nil {
				out = append(out, it.Code)
			}
		}
		return out, nil
	}
	var fe domain.FieldErrors
	want := map[string]bool{}
	for i, code := range named {
		idx := slices.IndexFunc(items, func(it *domain.CatalogueItem) bool { return it.Code == code })
		switch {
		case idx < 0:
			fe.AddJa(fmt.Sprintf("item_codes[%d]", i), "is not an inspection_checklist item", "自己点検項目ではありません。", code)
		case items[idx].RetiredAt != nil && !slices.Contains(keep, code):
			fe.AddJa(fmt.Sprintf("item_codes[%d]", i), "the item is retired", "この項目は廃止されています。", code)
		case want[code]:
			fe.AddJa(fmt.Sprintf("item_codes[%d]", i), "is named twice", "同じ項目を二度指定しています。", code)
		}
		want[code] = true
	}
	if err := fe.ErrJa("the campaign's checklist breaks one or more rules", "自己点検項目の指定に誤りがあります。"); err != nil {
		return nil, err
	}
	var out []string
	for _, it := range items {
		if want[it.Code] {
			out = append(out, it.Code)
		}
	}
	return out, nil
}

// campaignAssignments resolves a campaign's departments and people.
func campaignAssignments(ctx context.Context, tx bun.IDB, in domain.InspectionCampaignInput) ([]domain.Assignment, error) {
	var people []personRow
	if err := tx.NewSelect().Model(&people).Column("id", "department_id", "active", "security_roles").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: load people for a campaign: %w", translate(err))
	}
	ap := make([]domain.AssignmentPerson, len(people))
	for i := range people {
		p := people[i].toDomain()
		ap[i] = domain.AssignmentPerson{ID: p.ID, DepartmentID: p.DepartmentID, Active: p.Active, Manager: p.HasSecurityRole(domain.SecurityRoleManager)}
	}
	return domain.Assignments(in, ap)
}

func checkCampaignInput(in domain.InspectionCampaignInput) error {
	if err := domain.Validate(in); err != nil {
		return err
	}
	if err := checkFiscalYear(in.FiscalYear); err != nil {
		return err
	}
	if in.DueDate.IsZero() {
		return domain.Invalid("the due date is required", domain.FieldError{Field: "due_date", Message: "is required", Ja: "入力してください。"}).
			WithJa("回答期限を入力してください。")
	}
	return nil
}

// CreateInspectionCampaign implements domain.InspectionService.
func (db *DB) CreateInspectionCampaign(ctx context.Context, in domain.InspectionCampaignInput) (*domain.InspectionCampaign, error) {
	if err := checkCampaignInput(in); err != nil {
		return nil, err
	}
	var out *domain.InspectionCampaign
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		codes, err := db.checklistCodes(ctx, tx, in.ItemCodes, nil)
		if err != nil {
			return err
		}
		assignments, err := campaignAssignments(ctx, tx, in)
		if err != nil {
			return err
		}
		cal, err := db.calendar(ctx, tx)
		if err != nil {
			return err
		}
		now := db.Now()
		body, _ := json.Marshal(codes)
		row := &campaignRow{ID: uuid.Must(uuid.NewV7()).String(), FiscalYear: in.FiscalYear, Title: strings.TrimSpace(in.Title),
			Description: strings.TrimSpace(in.Description), DueDate: cal.BusinessDueDate(in.DueDate), DueDateNominal: in.DueDate,
			ItemCodes: string(body), Status: string(domain.CampaignOpen), Version: 1, CreatedAt: now, UpdatedAt: now}
		if a := actorOf(ctx); a.PersonID != "" {
			row.CreatedBy = &a.PersonID
		}
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return wrap("insert inspection campaign", translate(err))
		}
		pf, err := db.newPrefills(ctx, tx)
		if err != nil {
			return err
		}
		for _, a := range assignments {
			if err := db.addAssignment(ctx, tx, pf, row, a, codes); err != nil {
				return err
			}
		}
		if out, err = db.campaignOf(ctx, tx, row); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditCreate, EntityType: entityInspectionCampaign, EntityID: row.ID, After: out})
	})
	return out, err
}

// addAssignment assigns a person to campaign c and creates their answers
// to codes, pre-filled from the register.
func (db *DB) addAssignment(ctx context.Context, tx bun.Tx, pf *prefills, c *campaignRow, a domain.Assignment, codes []string) error {
	now := db.Now()
	as := &assignmentRow{ID: uuid.Must(uuid.NewV7()).String(), CampaignID: c.ID, PersonID: a.PersonID, DepartmentID: a.DepartmentID, CreatedAt: now}
	if len(codes) == 0 {
		as.CompletedAt = &now
	}
	if _, err := tx.NewInsert().Model(as).Exec(ctx); err != nil {
		return wrap("insert inspection assignment", translate(err))
	}
	return db.addAnswers(ctx, tx, pf, c, as, codes, c.codes())
}

// addAnswers creates the answers of assignment as to codes, placed as in
// order, pre-filled from the register.
func (db *DB) addAnswers(ctx context.Context, tx bun.Tx, pf *prefills, c *campaignRow, as *assignmentRow, codes, order []string) error {
	now := db.Now()
	rows := make([]*answerRow, 0, len(codes))
	for _, code := range codes {
		p, err := pf.of(ctx, code, as.DepartmentID)
		if err != nil {
			return err
		}
		r := &answerRow{ID: uuid.Must(uuid.NewV7()).String(), CampaignID: c.ID, AssignmentID: as.ID, PersonID: as.PersonID,
			DepartmentID: as.DepartmentID, ItemCode: code, Position: slices.Index(order, code), Version: 1, CreatedAt: now, UpdatedAt: now}
		if p != nil {
			b, _ := json.Marshal(p)
			s := string(b)
			r.Prefill = &s
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return wrap("insert inspection answers", translate(err))
	}
	return nil
}

// FindInspectionCampaign implements domain.InspectionService.
func (db *DB) FindInspectionCampaign(ctx context.Context, id string) (*domain.InspectionCampaign, error) {
	var row campaignRow
	if err := loadRow(ctx, db.bun, &row, entityInspectionCampaign, id); err != nil {
		return nil, err
	}
	return db.campaignOf(ctx, db.bun, &row)
}

// ListInspectionCampaigns implements domain.InspectionService.
func (db *DB) ListInspectionCampaigns(ctx context.Context, f domain.InspectionCampaignFilter, p domain.PageRequest) (domain.Page[*domain.InspectionCampaign], error) {
	var rows []*campaignRow
	q := db.bun.NewSelect().Model(&rows)
	if f.FiscalYear != 0 {
		if err := checkFiscalYear(f.FiscalYear); err != nil {
			return domain.Page[*domain.InspectionCampaign]{}, err
		}
		q = q.Where("fiscal_year = ?", f.FiscalYear)
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	page, err := listPage(ctx, q, &rows, p, "list inspection campaigns",
		func(r *campaignRow) *domain.InspectionCampaign { return r.toDomain(nil) },
		func(c *domain.InspectionCampaign) string { return c.ID })
	if err != nil {
		return page, err
	}
	ids := make([]string, len(page.Items))
	for i, c := range page.Items {
		ids[i] = c.ID
	}
	as, err := assigneesOf(ctx, db.bun, ids)
	if err != nil {
		return page, err
	}
	for _, c := range page.Items {
		if a := as[c.ID]; a != nil {
			c.Assignees = a
		}
	}
	return page, nil
}

// changeOpenCampaign runs the steps shared by every change of an open
// campaign.
func (db *DB) changeOpenCampaign(ctx context.Context, id string, ifVersion *int, change func(ctx context.Context, tx bun.Tx, row *campaignRow) (action string, err error)) (*domain.InspectionCampaign, error) {
	var out *domain.InspectionCampaign
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row campaignRow
		if err := loadRow(ctx, tx, &row, entityInspectionCampaign, id); err != nil {
			return err
		}
		if err := checkVersion(entityInspectionCampaign, row.Version, ifVersion); err != nil {
			return err
		}
		if row.Status != string(domain.CampaignOpen) {
			return domain.Errorf(domain.ECONFLICT, "the inspection campaign is closed").WithJa("この自己点検は既に締め切られています。")
		}
		before, err := db.campaignOf(ctx, tx, &row)
		if err != nil {
			return err
		}
		action, err := change(ctx, tx, &row)
		if err != nil {
			return err
		}
		read := row.Version
		row.Version, row.UpdatedAt = read+1, db.Now()
		if err := updateRow(ctx, tx, &row, entityInspectionCampaign, id, read, ifVersion); err != nil {
			return err
		}
		if out, err = db.campaignOf(ctx, tx, &row); err != nil {
			return err
		}
		if out.Status != before.Status || out.DueDate != before.DueDate {
			for _, a := range before.Assignees {
				if err := db.cancelQueuedReminders(ctx, tx, a.ID); err != nil {
					return err
				}
			}
		}
		return db.appendAudit(ctx, tx, auditEntry{Action: action, EntityType: entityInspectionCampaign, EntityID: id, Before: before, After: out})
	})
	return out, err
}

// ReplaceInspectionCampaign implements domain.InspectionService.
func (db *DB) ReplaceInspectionCampaign(ctx context.Context, id string, ifVersion *int, in domain.InspectionCampaignInput) (*domain.InspectionCampaign, error) {
	if err := checkCampaignInput(in); err != nil {
		return nil, err
	}
	return db.changeOpenCampaign(ctx, id, ifVersion, func(ctx context.Context, tx bun.Tx, row *campaignRow) (string, error) {
		old := row.codes()
		codes, err := db.checklistCodes(ctx, tx, in.ItemCodes, old)
		if err != nil {
			return "", err
		}
		assignments, err := campaignAssignments(ctx, tx, in)
		if err != nil {
			return "", err
		}
		var have []*assignmentRow
		if err := tx.NewSelect().Model(&have).Where("campaign_id = ?", row.ID).Order("id").Scan(ctx); err != nil {
			return "", wrap("load inspection assignments", err)
		}
		keep := map[string]bool{}
		for _, a := range assignments {
			keep[a.PersonID] = true
		}
		// Answers that would go: those of removed items and of removed
		// assignees. An answered one refuses the change.
		var gone []*answerRow
		q := tx.NewSelect().Model(&gone).Where("campaign_id = ?", row.ID)
		var dropped []string
		for _, a := range have {
			if !keep[a.PersonID] {
				dropped = append(dropped, a.ID)
			}
		}
		switch {
		case len(codes) == 0: // every item goes
		case len(dropped) > 0:
			q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
				return q.Where("assignment_id IN (?)", bun.In(dropped)).WhereOr("item_code NOT IN (?)", bun.In(codes))
			})
		default:
			q = q.Where("item_code NOT IN (?)", bun.In(codes))
		}
		if err := q.Scan(ctx); err != nil {
			return "", wrap("load inspection answers", err)
		}
		var goneIDs []string
		for _, g := range gone {
			if g.Answer != "" {
				return "", domain.Errorf(domain.ECONFLICT, "item %s is already answered by one of the people the change removes or for an item it removes; it cannot be taken out of the campaign", g.ItemCode).
					WithJa("外そうとする項目又は職員について、既に回答（%s）があるため、変更できません。", g.ItemCode)
			}
			goneIDs = append(goneIDs, g.ID)
		}
		if len(goneIDs) > 0 {
			if _, err := tx.NewDelete().Model((*answerRow)(nil)).Where("id IN (?)", bun.In(goneIDs)).Exec(ctx); err != nil {
				return "", wrap("delete inspection answers", err)
			}
		}
		for _, id := range dropped {
			if err := db.cancelQueuedReminders(ctx, tx, id); err != nil {
				return "", err
			}
			if _, err := tx.NewDelete().Model((*assignmentRow)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
				return "", wrap("delete inspection assignment", err)
			}
		}
		cal, err := db.calendar(ctx, tx)
		if err != nil {
			return "", err
		}
		body, _ := json.Marshal(codes)
		row.FiscalYear, row.Title, row.Description = in.FiscalYear, strings.TrimSpace(in.Title), strings.TrimSpace(in.Description)
		row.DueDate, row.DueDateNominal, row.ItemCodes = cal.BusinessDueDate(in.DueDate), in.DueDate, string(body)
		for i, code := range codes {
			if _, err := tx.NewUpdate().Model((*answerRow)(nil)).Set("position = ?", i).Where("campaign_id = ? AND item_code = ?", row.ID, code).Exec(ctx); err != nil {
				return "", wrap("order inspection answers", err)
			}
		}
		pf, err := db.newPrefills(ctx, tx)
		if err != nil {
			return "", err
		}
		byPerson := map[string]*assignmentRow{}
		for _, a := range have {
			byPerson[a.PersonID] = a
		}
		for _, a := range assignments {
			as, ok := byPerson[a.PersonID]
			if !ok {
				if err := db.addAssignment(ctx, tx, pf, row, a, codes); err != nil {
					return "", err
				}
				continue
			}
			var missing []string
			for _, code := range codes {
				if !slices.Contains(old, code) {
					missing = append(missing, code)
				}
			}
			if err := db.addAnswers(ctx, tx, pf, row, as, missing, codes); err != nil {
				return "", err
			}
			if err := db.updateCompletion(ctx, tx, as.ID); err != nil {
				return "", err
			}
		}
		return domain.AuditUpdate, nil
	})
}

// updateCompletion marks assignment id complete when none of its answers is
// unanswered, and incomplete otherwise; its queued reminders are cancelled
// once complete.
func (db *DB) updateCompletion(ctx context.Context, tx bun.Tx, id string) error {
	open, err := tx.NewSelect().Model((*answerRow)(nil)).Where("assignment_id = ? AND answer = ''", id).Count(ctx)
	if err != nil {
		return wrap("count unanswered items", err)
	}
	if open > 0 {
		_, err := tx.NewUpdate().Model((*assignmentRow)(nil)).Set("completed_at = NULL").Where("id = ?", id).Exec(ctx)
		return wrap("reopen inspection assignment", err)
	}
	res, err := tx.NewUpdate().Model((*assignmentRow)(nil)).Set("completed_at = ?", db.Now()).Where("id = ? AND completed_at IS NULL", id).Exec(ctx)
	if err != nil {
		return wrap("complete inspection assignment", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return db.cancelQueuedReminders(ctx, tx, id)
	}
	return nil
}

// CloseInspectionCampaign implements domain.InspectionService.
func (db *DB) CloseInspectionCampaign(ctx context.Context, id string, ifVersion *int) (*domain.InspectionCampaign, error) {
	return db.changeOpenCampaign(ctx, id, ifVersion, func(ctx context.Context, tx bun.Tx, row *campaignRow) (string, error) {
		now := db.Now()
		row.Status, row.ClosedAt = string(domain.CampaignClosed), &now
		if a := actorOf(ctx); a.PersonID != "" {
			row.ClosedBy = &a.PersonID
		}
		return "close", nil
	})
}

// ListInspectionAnswers implements domain.InspectionService.
func (db *DB) ListInspectionAnswers(ctx context.Context, campaignID string, f domain.InspectionAnswerFilter, p domain.PageRequest) (domain.Page[*domain.InspectionAnswer], error) {
	var c campaignRow
	if err := loadRow(ctx, db.bun, &c, entityInspectionCampaign, campaignID); err != nil {
		return domain.Page[*domain.InspectionAnswer]{}, err
	}
	var rows []*answerRow
	q := db.bun.NewSelect().Model(&rows).Where("campaign_id = ?", campaignID)
	if f.PersonID != "" {
		q = q.Where("person_id = ?", f.PersonID)
	}
	if f.DepartmentID != "" {
		q = q.Where("department_id = ?", f.DepartmentID)
	}
	if f.ItemCode != "" {
		q = q.Where("item_code = ?", f.ItemCode)
	}
	switch f.Answer {
	case "":
	case "unanswered":
		q = q.Where("answer = ''")
	default:
		q = q.Where("answer = ?", f.Answer)
	}
	return listPage(ctx, q, &rows, p, "list inspection answers",
		func(r *answerRow) *domain.InspectionAnswer { return r.toDomain() },
		func(a *domain.InspectionAnswer) string { return a.ID })
}

// FindInspectionAnswer implements domain.InspectionService.
func (db *DB) FindInspectionAnswer(ctx context.Context, id string) (*domain.InspectionAnswer, error) {
	var row answerRow
	if err := loadRow(ctx, db.bun, &row, entityInspectionAnswer, id); err != nil {
		return nil, err
	}
	return row.toDomain(), nil
}

// FindInspectionAssignment implements domain.InspectionService.
func (db *DB) FindInspectionAssignment(ctx context.Context, id string) (*domain.InspectionAssignment, error) {
	var as assignmentRow
	if err := loadRow(ctx, db.bun, &as, entityInspectionAssign, id); err != nil {
		return nil, err
	}
	var c campaignRow
	if err := loadRow(ctx, db.bun, &c, entityInspectionCampaign, as.CampaignID); err != nil {
		return nil, err
	}
	campaign, err := db.campaignOf(ctx, db.bun, &c)
	if err != nil {
		return nil, err
	}
	var rows []*answerRow
	if err := db.bun.NewSelect().Model(&rows).Where("assignment_id = ?", id).Order("position", "id").Scan(ctx); err != nil {
		return nil, wrap("load inspection answers", err)
	}
	out := &domain.InspectionAssignment{CampaignID: c.ID, Campaign: campaign, Answers: make([]*domain.InspectionAnswer, len(rows))}
	for _, a := range campaign.Assignees {
		if a.ID == id {
			out.InspectionAssignee = a
		}
	}
	for i, r := range rows {
		out.Answers[i] = r.toDomain()
	}
	return out, nil
}

// RefreshInspectionPrefills implements domain.InspectionService.
func (db *DB) RefreshInspectionPrefills(ctx context.Context, assignmentID string) (*domain.InspectionAssignment, error) {
	actor := actorOf(ctx)
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var as assignmentRow
		if err := loadRow(ctx, tx, &as, entityInspectionAssign, assignmentID); err != nil {
			return err
		}
		if actor.PersonID != as.PersonID && !actor.Role.Allows(domain.PermWrite) {
			return domain.Errorf(domain.EFORBIDDEN, "only the assignee, or a caller who may write the registers (editor, admin), refreshes these answers").
				WithJa("回答案を再読込できるのは、割り当てられた職員又は台帳を編集できる職員だけです。")
		}
		var c campaignRow
		if err := loadRow(ctx, tx, &c, entityInspectionCampaign, as.CampaignID); err != nil {
			return err
		}
		if c.Status != string(domain.CampaignOpen) {
			return domain.Errorf(domain.ECONFLICT, "the inspection campaign is closed").WithJa("この自己点検は既に締め切られています。")
		}
		var rows []*answerRow
		if err := tx.NewSelect().Model(&rows).Where("assignment_id = ? AND answer = ''", assignmentID).Order("position", "id").Scan(ctx); err != nil {
			return wrap("load inspection answers", err)
		}
		pf, err := db.newPrefills(ctx, tx)
		if err != nil {
			return err
		}
		for _, row := range rows {
			p, err := pf.of(ctx, row.ItemCode, row.DepartmentID)
			if err != nil || p == nil {
				if err != nil {
					return err
				}
				continue
			}
			before := row.toDomain()
			b, _ := json.Marshal(p)
			body := string(b)
			read := row.Version
			row.Prefill, row.Version, row.UpdatedAt = &body, read+1, db.Now()
			if err := updateRow(ctx, tx, row, entityInspectionAnswer, row.ID, read, nil); err != nil {
				return err
			}
			if err := db.appendAudit(ctx, tx, auditEntry{Action: "refresh_prefill", EntityType: entityInspectionAnswer, EntityID: row.ID,
				Before: before, After: row.toDomain()}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.FindInspectionAssignment(ctx, assignmentID)
}

// AnswerInspectionItem implements domain.InspectionService.
func (db *DB) AnswerInspectionItem(ctx context.Context, id string, ifVersion *int, in domain.InspectionAnswerInput) (*domain.InspectionAnswer, error) {
	if err := domain.Validate(in); err != nil {
		return nil, err
	}
	if in.Action != nil {
		if err := domain.Validate(in.Action); err != nil {
			return nil, err
		}
	}
	actor := actorOf(ctx)
	var out *domain.InspectionAnswer
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row answerRow
		if err := loadRow(ctx, tx, &row, entityInspectionAnswer, id); err != nil {
			return err
		}
		if actor.PersonID != row.PersonID && !actor.Role.Allows(domain.PermWrite) {
			return domain.Errorf(domain.EFORBIDDEN, "only the assignee, or a caller who may write the registers (editor, admin), answers this item").
				WithJa("この項目に回答できるのは、割り当てられた職員又は台帳を編集できる職員だけです。")
		}
		if err := checkVersion(entityInspectionAnswer, row.Version, ifVersion); err != nil {
			return err
		}
		var c campaignRow
		if err := loadRow(ctx, tx, &c, entityInspectionCampaign, row.CampaignID); err != nil {
			return err
		}
		if c.Status != string(domain.CampaignOpen) {
			return domain.Errorf(domain.ECONFLICT, "the inspection campaign is closed; its answers no longer change").
				WithJa("この自己点検は締め切られているため、回答を変更できません。")
		}
		before := row.toDomain()
		if err := domain.AnswerRefusal(before, in); err != nil {
			return err
		}
		note := strings.TrimSpace(in.Note)
		if in.Answer == domain.AnswerNotCompliant && row.CorrectiveActionID == nil {
			req := *in.Action
			var fe domain.FieldErrors
			if err := requirePerson(ctx, tx, &fe, "action.owner_id", req.OwnerID); err != nil {
				return err
			}
			if err := fe.ErrJa("the corrective action breaks one or more rules", "是正措置の内容に誤りがあります。"); err != nil {
				return err
			}
			if req.OwnerID == "" {
				req.OwnerID = row.PersonID
			}
			if req.Severity == "" {
				req.Severity = domain.SeverityMedium
			}
			desc := strings.TrimSpace(req.Description)
			if desc == "" {
				desc = note
			}
			a, err := db.openActionFor(ctx, tx, newAction{Source: domain.SourceInspectionAnswer, SourceID: row.ID, Description: desc,
				Severity: req.Severity, OwnerID: req.OwnerID, DueDate: req.DueDate, Reason: "self-inspection " + c.ID + ": " + row.ItemCode + " not compliant"})
			if err != nil {
				return err
			}
			row.CorrectiveActionID = &a.ID
		}
		now := db.Now()
		row.Answer, row.Note, row.AnsweredAt = string(in.Answer), note, &now
		row.AnsweredBy = nil
		if actor.PersonID != "" {
			row.AnsweredBy = &actor.PersonID
		}
		row.KeptPrefill = nil
		if before.Prefill != nil {
			kept := in.Answer == before.Prefill.SuggestedAnswer
			row.KeptPrefill = &kept
		}
		read := row.Version
		row.Version, row.UpdatedAt = read+1, now
		if err := updateRow(ctx, tx, &row, entityInspectionAnswer, id, read, ifVersion); err != nil {
			return err
		}
		if err := db.updateCompletion(ctx, tx, row.AssignmentID); err != nil {
			return err
		}
		out = row.toDomain()
		return db.appendAudit(ctx, tx, auditEntry{Action: "answer", EntityType: entityInspectionAnswer, EntityID: id, Before: before, After: out})
	})
	return out, err
}
