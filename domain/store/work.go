package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

var _ domain.WorkService = (*DB)(nil)

// MyWork implements domain.WorkService. The due items are the due-scan's
// own (dueQueries), kept to the person and the people whose overdue
// reminders escalate to them (recipients.of), so the page and the e-mails
// never disagree; the approvals are those the domain's rules let the person
// give. It reads the settings, the people, one query per subject type and
// one per kind of approval the person may give.
func (db *DB) MyWork(ctx context.Context, today domain.Date) (*domain.Work, error) {
	settings, err := db.settings(ctx, db.bun)
	if err != nil {
		return nil, err
	}
	p := settings.PolicySettings
	from, horizon := domain.ScanWindow(today, p)
	w := &domain.Work{Today: today, Horizon: horizon, HorizonDays: today.DaysUntil(horizon), Items: []domain.WorkItem{}}
	a := actorOf(ctx)
	if a.PersonID == "" {
		return w, nil
	}
	var people []personRow
	if err := db.bun.NewSelect().Model(&people).Column("id", "name", "active", "supervisor_id", "security_roles", "locale").
		Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: load people for my work: %w", translate(err))
	}
	var me *domain.Person
	names := make(map[string]string, len(people))
	for i := range people {
		names[people[i].ID] = people[i].Name
		if people[i].ID == a.PersonID {
			me = people[i].toDomain()
		}
	}
	if me == nil {
		return w, nil
	}
	staff := supervisedBy(recipientsOf(people), people, me.ID)
	toldAsCISO, err := db.toldAsCISO(ctx, me)
	if err != nil {
		return nil, err
	}
	for _, st := range domain.SubjectTypes {
		items, err := db.myDueItems(ctx, st, me.ID, staff, toldAsCISO[st], horizon, from)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			wi := domain.WorkItem{Kind: domain.WorkKind(st), SubjectID: it.SubjectID, Title: it.titleFor(me.Locale),
				Path: domain.PagePathOf(it.apiPath()), DueDate: it.DueDate, OwnerID: it.OwnerID,
				Overdue: it.DueDate.Before(today) || (it.Deadline != nil && !db.Now().Before(*it.Deadline))}
			if it.OwnerID != me.ID {
				switch {
				case toldAsCISO[st][it.SubjectID+"|"+it.DueDate.String()]:
					wi.AsCISO = true
				case slices.Contains(staff, it.OwnerID) && it.Deadline != nil && !db.Now().Before(*it.Deadline):
					// An incident step escalates from its deadline's instant.
					wi.AsSupervisor = true
				case slices.Contains(staff, it.OwnerID) && domain.SupervisorTold(it.DueDate, today, p):
					wi.AsSupervisor = true
				default:
					continue
				}
				wi.OwnerName = names[it.OwnerID]
			}
			w.Items = append(w.Items, wi)
		}
	}
	for _, approvals := range []func(context.Context, domain.Actor, *domain.Person) ([]domain.WorkItem, error){
		db.waiversToApprove, db.vendorsToApprove, db.cloudServicesToApprove, db.policyReviewsToApprove,
	} {
		items, err := approvals(ctx, a, me)
		if err != nil {
			return nil, err
		}
		w.Items = append(w.Items, items...)
	}
	domain.SortWork(w.Items)
	return w, nil
}

// supervisedBy returns the people whose overdue reminders go to person me
// as their supervisor: those whose supervisor me is, and, when me holds the
// supervisor role, those without an active supervisor.
func supervisedBy(rec *recipients, people []personRow, me string) []string {
	var out []string
	for i := range people {
		if people[i].ID == me {
			continue
		}
		for _, to := range rec.of(people[i].ID, domain.Escalation{Supervisor: true}) {
			if to.personID == me && to.as == domain.EscalatedAsSupervisor {
				out = append(out, people[i].ID)
				break
			}
		}
	}
	return out
}

// toldAsCISO returns, per subject type, the subjects and due dates
// ("id|date") whose overdue reminders the ledger holds for person me as
// ciso (escalated_as ciso, not cancelled): the CISO's home page shows what
// the CISO was told, however many repeats it took. Empty unless me holds
// the ciso role.
func (db *DB) toldAsCISO(ctx context.Context, me *domain.Person) (map[domain.SubjectType]map[string]bool, error) {
	out := map[domain.SubjectType]map[string]bool{}
	if !me.HasSecurityRole(domain.SecurityRoleCISO) {
		return out, nil
	}
	var rows []struct {
		SubjectType string      `bun:"subject_type"`
		SubjectID   string      `bun:"subject_id"`
		DueDate     domain.Date `bun:"due_date"`
	}
	if err := db.bun.NewRaw(`SELECT DISTINCT subject_type, subject_id, due_date FROM reminders
		WHERE recipient_id = ? AND escalated_as = ? AND status <> ?`,
		me.ID, domain.EscalatedAsCISO, string(domain.ReminderCancelled)).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("store: my work, told as ciso: %w", translate(err))
	}
	for _, r := range rows {
		st := domain.SubjectType(r.SubjectType)
		if out[st] == nil {
			out[st] = map[string]bool{}
		}
		out[st][r.SubjectID+"|"+r.DueDate.String()] = true
	}
	return out, nil
}

// myDueItems runs the scan's query of one subject type, kept to the items
// person me owns and the overdue items (due before from, ScanWindow's
// first day not yet overdue) of staff, titled and merged as the reminders
// are.
func (db *DB) myDueItems(ctx context.Context, st domain.SubjectType, me string, staff []string, asCISO map[string]bool, horizon, from domain.Date) ([]dueItem, error) {
	q, args := `SELECT d.* FROM (`+dueQueries[st]+`) d WHERE d.owner_id = ?`, []any{horizon, me}
	if len(staff) > 0 {
		q += ` OR (d.owner_id IN (?) AND d.due_date < ?)`
		args = append(args, bun.In(staff), from)
		if st == domain.SubjectIncidentStep {
			// An incident step is escalated from its deadline's instant.
			q += ` OR (d.owner_id IN (?) AND d.deadline <= ?)`
			args = append(args, bun.In(staff), db.Now())
		}
	}
	if len(asCISO) > 0 {
		ids := make([]string, 0, len(asCISO))
		for key := range asCISO {
			id, _, _ := strings.Cut(key, "|")
			ids = append(ids, id)
		}
		q += ` OR (d.subject_id IN (?) AND d.due_date < ?)`
		args = append(args, bun.In(ids), from)
	}
	var items []dueItem
	if err := db.bun.NewRaw(q+` ORDER BY d.due_date, d.subject_id`, args...).Scan(ctx, &items); err != nil {
		return nil, fmt.Errorf("store: my work, %s: %w", st, translate(err))
	}
	nameItems(st, items, db.location)
	return mergeSameDay(items), nil
}

// pendingWaiverRow is a clause with a waiver waiting for approval, with its
// contract's and clause's titles.
type pendingWaiverRow struct {
	ContractID               string     `bun:"contract_id"`
	ContractTitle            string     `bun:"contract_title"`
	Code                     string     `bun:"code"`
	TitleJa                  string     `bun:"title_ja"`
	TitleEn                  string     `bun:"title_en"`
	Status                   string     `bun:"status"`
	WaiverReason             string     `bun:"waiver_reason"`
	WaiverRequestedBy        *string    `bun:"waiver_requested_by"`
	WaiverRequestedAt        *time.Time `bun:"waiver_requested_at"`
	WaiverApprovedAt         *time.Time `bun:"waiver_approved_at"`
	PendingWaiverReason      string     `bun:"pending_waiver_reason"`
	PendingWaiverRequestedBy *string    `bun:"pending_waiver_requested_by"`
	PendingWaiverRequestedAt *time.Time `bun:"pending_waiver_requested_at"`
}

// waiversToApprove returns the clause waivers of contracts still open that
// wait for approval and that person me may approve (MayApproveWaiver).
// The condition on the clause is written out as the partial index of
// migration 0015 states it, so the planner can use the index.
func (db *DB) waiversToApprove(ctx context.Context, _ domain.Actor, me *domain.Person) ([]domain.WorkItem, error) {
	if domain.MayApproveWaiver(me, "") != nil {
		return nil, nil
	}
	var rows []pendingWaiverRow
	err := db.bun.NewRaw(`SELECT cc.contract_id, c.title AS contract_title, cc.code, ci.title_ja, ci.title_en, cc.status, cc.waiver_reason,
			cc.waiver_requested_by, cc.waiver_requested_at, cc.waiver_approved_at,
			cc.pending_waiver_reason, cc.pending_waiver_requested_by, cc.pending_waiver_requested_at
		FROM contract_clauses cc JOIN contracts c ON c.id = cc.contract_id
		LEFT JOIN catalogue_items ci ON ci.catalogue = ? AND ci.code = cc.code
		WHERE c.status IN (?) AND ((cc.status = 'waived' AND cc.waiver_approved_at IS NULL) OR cc.pending_waiver_reason <> '')
		ORDER BY cc.contract_id, cc.code`,
		string(domain.CatalogueClauses), bun.In([]string{string(domain.ContractDraft), string(domain.ContractActive)})).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("store: my work, waivers: %w", translate(err))
	}
	var out []domain.WorkItem
	for _, r := range rows {
		cr := contractClauseRow{Status: r.Status, WaiverReason: r.WaiverReason, WaiverRequestedBy: r.WaiverRequestedBy,
			WaiverRequestedAt: r.WaiverRequestedAt, WaiverApprovedAt: r.WaiverApprovedAt, PendingWaiverReason: r.PendingWaiverReason,
			PendingWaiverRequestedBy: r.PendingWaiverRequestedBy, PendingWaiverRequestedAt: r.PendingWaiverRequestedAt}
		wv := cr.amendment()
		if wv == nil {
			wv = cr.waiver()
		}
		if wv == nil || !wv.Pending || domain.MayApproveWaiver(me, wv.RequestedBy) != nil {
			continue
		}
		clause := r.TitleJa
		if me.Locale == domain.LocaleEn && r.TitleEn != "" {
			clause = r.TitleEn
		}
		if clause == "" {
			clause = r.Code
		}
		out = append(out, domain.WorkItem{Kind: domain.WorkWaiverApproval, SubjectID: r.ContractID, Title: r.ContractTitle + ": " + clause,
			Path: "/contracts/" + r.ContractID, Since: wv.RequestedAt, Waiting: true})
	}
	return out, nil
}

// vendorsToApprove returns the candidate vendors whose selection is
// recorded and that person me may approve (MayApproveVendor).
func (db *DB) vendorsToApprove(ctx context.Context, _ domain.Actor, me *domain.Person) ([]domain.WorkItem, error) {
	if domain.MayApproveVendor(me, nil, "") != nil {
		return nil, nil
	}
	var rows []vendorRow
	err := db.bun.NewSelect().Model(&rows).Column("id", "name", "selected_by", "selection_recorded_by", "selection_recorded_at").
		Where("status = ? AND selection_recorded_at IS NOT NULL", string(domain.VendorCandidate)).Order("id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: my work, vendors: %w", translate(err))
	}
	var out []domain.WorkItem
	for _, r := range rows {
		if domain.MayApproveVendor(me, &domain.SelectionRecord{SelectedBy: deref(r.SelectedBy)}, deref(r.SelectionBy)) != nil {
			continue
		}
		out = append(out, domain.WorkItem{Kind: domain.WorkVendorApproval, SubjectID: r.ID, Title: r.Name, Path: "/vendors/" + r.ID,
			Since: utcPtr(r.SelectionAt), Waiting: true})
	}
	return out, nil
}

// cloudServicesToApprove returns the requested cloud services that person
// me may approve (CloudApprovalRefusal, CloudRequestChangeRefusal).
func (db *DB) cloudServicesToApprove(ctx context.Context, a domain.Actor, me *domain.Person) ([]domain.WorkItem, error) {
	if domain.CloudApprovalRefusal(a, me, "") != nil {
		return nil, nil
	}
	var rows []cloudServiceRow
	err := db.bun.NewSelect().Model(&rows).Column("id", "name", "requester_id", "request_changed_by", "updated_at").
		Where("status = ?", string(domain.CloudRequested)).Order("id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: my work, cloud services: %w", translate(err))
	}
	var out []domain.WorkItem
	for _, r := range rows {
		if domain.CloudApprovalRefusal(a, me, deref(r.RequesterID)) != nil || domain.CloudRequestChangeRefusal(a, me, deref(r.RequestChangedBy)) != nil {
			continue
		}
		since := r.UpdatedAt.UTC()
		out = append(out, domain.WorkItem{Kind: domain.WorkCloudServiceApproval, SubjectID: r.ID, Title: r.Name,
			Path: "/cloud-services/" + r.ID, Since: &since, Waiting: true})
	}
	return out, nil
}
