package store

import (
	"context"
	"sort"

	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

// InspectionReport implements domain.InspectionService: the campaign's
// coverage by department, its not_compliant answers with their corrective
// actions, and the register's figures for its fiscal year, read in one
// read-only snapshot.
func (db *DB) InspectionReport(ctx context.Context, campaignID string) (*domain.InspectionReport, error) {
	var out *domain.InspectionReport
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var c campaignRow
		if err := loadRow(ctx, tx, &c, entityInspectionCampaign, campaignID); err != nil {
			return err
		}
		rep, err := db.newReport(ctx, tx, domain.ReportCampaign, c.ID, c.Title, c.FiscalYear, c.Status)
		if err != nil {
			return err
		}
		rep.DueDate = c.DueDate
		campaign, err := db.campaignOf(ctx, tx, &c)
		if err != nil {
			return err
		}
		var answers []*answerRow
		if err := tx.NewSelect().Model(&answers).Where("campaign_id = ?", c.ID).Order("position", "id").Scan(ctx); err != nil {
			return wrap("load answers for the report", err)
		}
		names, err := nameMaps(ctx, tx)
		if err != nil {
			return err
		}
		titles, err := checklistTitles(ctx, tx)
		if err != nil {
			return err
		}
		byDept := map[string]*domain.DepartmentCoverage{}
		var order []string
		dept := func(id string) *domain.DepartmentCoverage {
			if d, ok := byDept[id]; ok {
				return d
			}
			d := &domain.DepartmentCoverage{DepartmentID: id, DepartmentName: names.departments[id]}
			byDept[id] = d
			order = append(order, id)
			return d
		}
		for _, a := range campaign.Assignees {
			dept(a.DepartmentID).Assignees++
		}
		var actionIDs []string
		for _, a := range answers {
			d := dept(a.DepartmentID)
			d.Assigned++
			if a.Answer == "" {
				continue
			}
			d.Answered++
			switch domain.AnswerValue(a.Answer) {
			case domain.AnswerCompliant:
				d.Compliant++
			case domain.AnswerNotCompliant:
				d.NotCompliant++
			case domain.AnswerNotApplicable:
				d.NotApplicable++
			}
			if a.KeptPrefill != nil {
				if *a.KeptPrefill {
					d.KeptPrefill++
				} else {
					d.ChangedPrefill++
				}
			}
			if a.Answer == string(domain.AnswerNotCompliant) {
				line := domain.NonComplianceLine{Kind: "answer", ID: a.ID, ItemCode: a.ItemCode, ItemTitle: titles[a.ItemCode],
					DepartmentName: names.departments[a.DepartmentID], PersonName: names.people[a.PersonID], Description: a.Note,
					CorrectiveActionID: deref(a.CorrectiveActionID)}
				rep.NonCompliance = append(rep.NonCompliance, line)
				if line.CorrectiveActionID != "" {
					actionIDs = append(actionIDs, line.CorrectiveActionID)
				}
			}
		}
		sort.SliceStable(order, func(i, j int) bool { return byDept[order[i]].DepartmentName < byDept[order[j]].DepartmentName })
		for _, id := range order {
			rep.Coverage = append(rep.Coverage, *byDept[id])
			rep.Total.Add(*byDept[id])
		}
		return db.finishReport(ctx, tx, rep, actionIDs, &out)
	})
	return out, translate(err)
}

// AuditReport implements domain.AuditRecordService: the audit's findings
// with their corrective actions and the register's figures for its fiscal
// year.
func (db *DB) AuditReport(ctx context.Context, auditID string) (*domain.InspectionReport, error) {
	var out *domain.InspectionReport
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var a auditRow
		if err := loadRow(ctx, tx, &a, entityAudit, auditID); err != nil {
			return err
		}
		rep, err := db.newReport(ctx, tx, domain.ReportAudit, a.ID, a.Title, a.FiscalYear, a.Status)
		if err != nil {
			return err
		}
		names, err := nameMaps(ctx, tx)
		if err != nil {
			return err
		}
		rep.Scope, rep.StartDate, rep.EndDate, rep.Summary = a.Scope, a.StartDate, a.EndDate, a.Summary
		rep.AuditorName = a.AuditorName
		if a.AuditorPersonID != nil {
			rep.AuditorName = names.people[*a.AuditorPersonID]
		}
		findings, err := findingsOf(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		var actionIDs []string
		for _, f := range findings {
			line := domain.NonComplianceLine{Kind: "finding", ID: f.ID, Description: f.Description, Severity: f.Severity,
				SubjectType: f.SubjectType, SubjectID: f.SubjectID, PersonName: names.people[f.RecordedBy], CorrectiveActionID: f.CorrectiveActionID}
			rep.NonCompliance = append(rep.NonCompliance, line)
			if f.CorrectiveActionID != "" {
				actionIDs = append(actionIDs, f.CorrectiveActionID)
			}
		}
		return db.finishReport(ctx, tx, rep, actionIDs, &out)
	})
	return out, translate(err)
}

func (db *DB) newReport(ctx context.Context, tx bun.IDB, kind domain.ReportKind, id, title string, fy int, status string) (*domain.InspectionReport, error) {
	s, err := db.settings(ctx, tx)
	if err != nil {
		return nil, err
	}
	return &domain.InspectionReport{Kind: kind, SubjectID: id, Title: title, FiscalYear: fy, Status: status, BodyName: s.BodyName,
		ReportDate: db.today(), GeneratedAt: db.Now(), Coverage: []domain.DepartmentCoverage{}, NonCompliance: []domain.NonComplianceLine{}}, nil
}

// finishReport adds the corrective actions' status and the figures.
func (db *DB) finishReport(ctx context.Context, tx bun.IDB, rep *domain.InspectionReport, actionIDs []string, out **domain.InspectionReport) error {
	if len(actionIDs) > 0 {
		var actions []*correctiveActionRow
		if err := tx.NewSelect().Model(&actions).Where("id IN (?)", bun.In(actionIDs)).Scan(ctx); err != nil {
			return wrap("load corrective actions for the report", err)
		}
		today := db.today()
		byID := map[string]*domain.CorrectiveAction{}
		for _, a := range actions {
			byID[a.ID] = a.toDomain(today)
		}
		for i := range rep.NonCompliance {
			l := &rep.NonCompliance[i]
			if a := byID[l.CorrectiveActionID]; a != nil {
				l.ActionStatus, l.ActionDueDate, l.ActionOverdue = a.Status, a.DueDate, a.Overdue
				if l.Severity == "" {
					l.Severity = a.Severity
				}
			}
		}
	}
	fig, err := db.registerFigures(ctx, tx, rep.FiscalYear)
	if err != nil {
		return err
	}
	rep.Figures = fig
	*out = rep
	return nil
}

type names struct {
	people      map[string]string
	departments map[string]string
}

func nameMaps(ctx context.Context, tx bun.IDB) (names, error) {
	n := names{people: map[string]string{}, departments: map[string]string{}}
	var rows []struct {
		ID   string `bun:"id"`
		Name string `bun:"name"`
	}
	if err := tx.NewRaw(`SELECT id, name FROM people`).Scan(ctx, &rows); err != nil {
		return n, wrap("load names", err)
	}
	for _, r := range rows {
		n.people[r.ID] = r.Name
	}
	rows = nil
	if err := tx.NewRaw(`SELECT id, name FROM departments`).Scan(ctx, &rows); err != nil {
		return n, wrap("load department names", err)
	}
	for _, r := range rows {
		n.departments[r.ID] = r.Name
	}
	return n, nil
}

func checklistTitles(ctx context.Context, tx bun.IDB) (map[string]string, error) {
	var rows []catalogueItemRow
	if err := tx.NewSelect().Model(&rows).Column("code", "title_ja").Where("catalogue = ?", string(domain.CatalogueInspectionChecklist)).Scan(ctx); err != nil {
		return nil, wrap("load checklist titles", err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.Code] = r.TitleJa
	}
	return out, nil
}

// registerFigures computes the register's own figures for fiscal year fy.
func (db *DB) registerFigures(ctx context.Context, tx bun.IDB, fy int) (domain.RegisterFigures, error) {
	from, to := domain.FiscalYearRange(fy)
	f := domain.RegisterFigures{FiscalYear: fy, From: from, To: to, ContractsByStatus: []domain.StatusCount{}, IncidentsBySeverity: []domain.StatusCount{}}
	today := db.today()
	// Contracts in force at some time during the year.
	const inForce = `c.status <> 'draft' AND c.start_date <= ? AND (c.end_date IS NULL OR c.end_date >= ?)`
	var byStatus []domain.StatusCount
	if err := tx.NewRaw(`SELECT c.status AS key, count(*) AS count FROM contracts c WHERE `+inForce+` GROUP BY c.status ORDER BY c.status`, to, from).
		Scan(ctx, &byStatus); err != nil {
		return f, wrap("report contracts", err)
	}
	for _, s := range byStatus {
		f.Contracts += s.Count
		if s.Key == string(domain.ContractActive) {
			f.ContractsActive = s.Count
		}
	}
	if byStatus != nil {
		f.ContractsByStatus = byStatus
	}
	var confs []struct {
		Status  string      `bun:"status"`
		DueDate domain.Date `bun:"due_date"`
	}
	q, err := whereFiscalYear(tx.NewSelect().Table("confirmations").Column("status", "due_date"), "due_date", fy)
	if err != nil {
		return f, err
	}
	if err := q.Scan(ctx, &confs); err != nil {
		return f, wrap("report confirmations", err)
	}
	for _, c := range confs {
		f.ConfirmationsDue++
		switch {
		case c.Status == string(domain.ConfirmationCompleted):
			f.ConfirmationsCompleted++
		case c.Status == string(domain.ConfirmationOverdue) || c.DueDate.Before(today):
			f.ConfirmationsOverdue++
		}
	}
	var waivers struct {
		Approved int `bun:"approved"`
		Pending  int `bun:"pending"`
	}
	if err := tx.NewRaw(`SELECT
			COALESCE(sum(CASE WHEN cc.status = 'waived' AND cc.waiver_approved_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS approved,
			COALESCE(sum(CASE WHEN (cc.status = 'waived' AND cc.waiver_approved_at IS NULL) OR cc.pending_waiver_reason <> '' THEN 1 ELSE 0 END), 0) AS pending
		FROM contract_clauses cc JOIN contracts c ON c.id = cc.contract_id WHERE `+inForce, to, from).Scan(ctx, &waivers); err != nil {
		return f, wrap("report waivers", err)
	}
	f.Waivers, f.WaiversPending = waivers.Approved, waivers.Pending
	var actions []struct {
		Status string `bun:"status"`
	}
	if q, err = whereFiscalYear(tx.NewSelect().Table("corrective_actions").Column("status"), "due_date", fy); err != nil {
		return f, err
	}
	if err := q.Scan(ctx, &actions); err != nil {
		return f, wrap("report corrective actions", err)
	}
	for _, a := range actions {
		f.CorrectiveActionsOpened++
		if a.Status == string(domain.ActionOpen) {
			f.CorrectiveActionsOpen++
		}
	}
	counts := []struct {
		into *int
		sql  string
		args []any
	}{
		{&f.CloudServicesApproved, `SELECT count(*) FROM cloud_services WHERE approved_on >= ? AND approved_on <= ?`, []any{from, to}},
		{&f.CloudServicesInUse, `SELECT count(*) FROM cloud_services WHERE status = 'approved'`, nil},
		{&f.CloudServicesReviewed, `SELECT count(DISTINCT subject_id) FROM reviews WHERE subject_type = 'cloud_service' AND reviewed_on >= ? AND reviewed_on <= ?`, []any{from, to}},
		{&f.SocialAccountsActive, `SELECT count(*) FROM social_accounts WHERE status = 'active'`, nil},
		{&f.SocialAccountsReviewed, `SELECT count(DISTINCT subject_id) FROM reviews WHERE subject_type = 'social_account' AND reviewed_on >= ? AND reviewed_on <= ?`, []any{from, to}},
	}
	for _, c := range counts {
		if err := tx.NewRaw(c.sql, c.args...).Scan(ctx, c.into); err != nil {
			return f, wrap("report figures", err)
		}
	}
	bySeverity, err := db.incidentsBySeverity(ctx, tx, fy)
	if err != nil {
		return f, err
	}
	for _, s := range bySeverity {
		f.Incidents += s.Count
	}
	if bySeverity != nil {
		f.IncidentsBySeverity = bySeverity
	}
	return f, nil
}

// incidentsBySeverity counts the security incidents detected during fiscal
// year fy (from April 1 00:00 in the body's time zone to the next April 1),
// by severity code, in code order.
func (db *DB) incidentsBySeverity(ctx context.Context, tx bun.IDB, fy int) ([]domain.StatusCount, error) {
	from, until := domain.FiscalYearInstants(fy, db.location)
	var out []domain.StatusCount
	if err := tx.NewRaw(`SELECT severity AS key, count(*) AS count FROM incidents WHERE detected_at >= ? AND detected_at < ? GROUP BY severity ORDER BY severity`,
		from.UTC(), until.UTC()).Scan(ctx, &out); err != nil {
		return nil, wrap("report incidents", err)
	}
	return out, nil
}
