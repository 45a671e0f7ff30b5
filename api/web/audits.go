package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/vendorwatch/vendorwatch/domain"
)

// auditRoutes registers the audit (監査) pages: the list, a new audit, one
// audit with its findings and the form to record one, and the report.
func (h *Handler) auditRoutes(r chi.Router) {
	r.Get("/audits", h.auditList)
	r.With(h.needs(domain.PermWrite)).Get("/audits/new", h.auditNew)
	r.With(h.needs(domain.PermWrite)).Post("/audits", h.auditCreate)
	r.Get("/audits/{id}", h.auditRecordPage)
	r.With(h.needs(domain.PermWrite)).Post("/audits/{id}", h.auditUpdate)
	// Auditors record findings too (create-audit-finding): the service
	// decides who may.
	r.Post("/audits/{id}/findings", h.findingCreate)
	r.Get("/audits/{id}/report", h.auditReport)
	r.Get("/audits/{id}/report.xlsx", h.auditReportXLSX)
	r.Get("/audit-findings/{id}", h.findingGo)
}

var auditStatuses = []domain.AuditStatus{domain.AuditPlanned, domain.AuditInProgress, domain.AuditCompleted}

// auditListData is the audits list page's data.
type auditListData struct {
	Audits   []*domain.Audit
	List     List
	Status   string
	Statuses []domain.AuditStatus
}

func (h *Handler) auditList(w http.ResponseWriter, r *http.Request) {
	lq := readList(r)
	d := auditListData{Statuses: auditStatuses}
	f := domain.AuditRecordFilter{FiscalYear: lq.FiscalYear}
	switch s := domain.AuditStatus(r.URL.Query().Get("status")); s {
	case domain.AuditPlanned, domain.AuditInProgress, domain.AuditCompleted:
		f.Status, d.Status = s, string(s)
	}
	if exported(h, w, r, "audits", func(p domain.PageRequest) (domain.Page[*domain.Audit], error) {
		return h.cfg.Audits.ListAudits(r.Context(), f, p)
	}) {
		return
	}
	page, err := h.cfg.Audits.ListAudits(r.Context(), f, lq.Page)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Audits = page.Items
	d.List = newList("/audits", lq, page.NextCursor, h.today())
	h.page(w, r, "audits_list.html", d)
}

// auditRecordForm is what the audit forms offer.
type auditRecordForm struct {
	A          *domain.Audit
	FiscalYear int
	People     []*domain.Person
	Statuses   []domain.AuditStatus
}

// auditFields is what the audit-fields partial sees.
type auditFields struct {
	P          *Page
	A          *domain.Audit
	FiscalYear int
	People     []*domain.Person
	Statuses   []domain.AuditStatus
}

// With passes the form's data and page p to the audit-fields partial.
func (d auditRecordForm) With(p *Page) auditFields {
	return auditFields{P: p, A: d.A, FiscalYear: d.FiscalYear, People: d.People, Statuses: d.Statuses}
}

func (h *Handler) loadAuditForm(r *http.Request) (*auditRecordForm, error) {
	active := true
	people, err := h.cfg.People.ListPeople(r.Context(), domain.PersonFilter{Active: &active}, domain.PageRequest{Limit: domain.MaxPageSize})
	if err != nil {
		return nil, err
	}
	return &auditRecordForm{FiscalYear: domain.FiscalYearOf(h.today()), People: people.Items, Statuses: auditStatuses}, nil
}

func (h *Handler) auditNew(w http.ResponseWriter, r *http.Request) {
	d, err := h.loadAuditForm(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "audits_new.html", d)
}

// auditInput reads the audit form.
func auditInput(ff *formFields) domain.AuditInput {
	in := domain.AuditInput{FiscalYear: ff.Int("fiscal_year"), Title: ff.String("title"), Scope: ff.String("scope"),
		AuditorPersonID: ff.String("auditor_person_id"), AuditorName: ff.String("auditor_name"),
		Status: domain.AuditStatus(ff.String("status")), Summary: ff.String("summary")}
	if d := ff.Date("start_date", false); d != nil {
		in.StartDate = *d
	}
	if d := ff.Date("end_date", false); d != nil {
		in.EndDate = *d
	}
	return in
}

func (h *Handler) auditCreate(w http.ResponseWriter, r *http.Request) {
	ff := newFormFields(r)
	in := auditInput(ff)
	err := ff.Err()
	var a *domain.Audit
	if err == nil {
		a, err = h.cfg.Audits.CreateAudit(r.Context(), in)
	}
	if err != nil {
		d, lerr := h.loadAuditForm(r)
		if lerr != nil {
			h.fail(w, r, lerr)
			return
		}
		h.refused(w, r, "audits_new.html", d, err)
		return
	}
	redirect(w, r, "/audits/"+a.ID, "audit_created")
}

// findingLine is one finding on an audit's page.
type findingLine struct {
	F          *domain.AuditFinding
	RecordedBy string
	Action     *domain.CorrectiveAction
}

// auditRecordData is one audit's page data.
type auditRecordData struct {
	auditRecordForm
	Auditor  string
	Findings []findingLine
	// MayRecord: the signed-in person may record findings (editor,
	// admin, auditor).
	MayRecord  bool
	Severities []domain.Severity
	// Evidence is the audit's files (the audit report, working papers).
	Evidence     *EvidenceSection
	SubjectTypes []domain.FindingSubjectType
}

func (h *Handler) loadAudit(r *http.Request, id string) (*auditRecordData, error) {
	ctx := r.Context()
	a, err := h.cfg.Audits.FindAudit(ctx, id)
	if err != nil {
		return nil, err
	}
	form, err := h.loadAuditForm(r)
	if err != nil {
		return nil, err
	}
	form.A = a
	role := stateOf(r).actor.Role
	d := &auditRecordData{auditRecordForm: *form, Auditor: a.AuditorName, MayRecord: role.Allows(domain.PermWrite) || role == domain.RoleAuditor,
		Severities:   []domain.Severity{domain.SeverityLow, domain.SeverityMedium, domain.SeverityHigh},
		SubjectTypes: []domain.FindingSubjectType{domain.FindingContract, domain.FindingVendor, domain.FindingConfirmation, domain.FindingCloudService, domain.FindingSocialAccount}}
	if a.AuditorPersonID != "" {
		d.Auditor = h.personName(r, a.AuditorPersonID)
	}
	d.Evidence = h.evidenceSection(r, domain.EvidenceAudit, a.ID, nil)
	findings, err := h.cfg.Audits.ListAuditFindings(ctx, id)
	if err != nil {
		return nil, err
	}
	n := h.names(r)
	for _, f := range findings {
		l := findingLine{F: f, RecordedBy: n.person(f.RecordedBy)}
		if f.CorrectiveActionID != "" {
			if ca, err := h.cfg.CorrectiveActions.FindCorrectiveAction(ctx, f.CorrectiveActionID); err == nil {
				l.Action = ca
			}
		}
		d.Findings = append(d.Findings, l)
	}
	return d, nil
}

func (h *Handler) auditRecordPage(w http.ResponseWriter, r *http.Request) {
	d, err := h.loadAudit(r, chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "audits_show.html", d)
}

func (h *Handler) auditUpdate(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	ff := newFormFields(r)
	in := auditInput(ff)
	version := ff.Version()
	err := ff.Err()
	if err == nil {
		_, err = h.cfg.Audits.ReplaceAudit(r.Context(), id, version, in)
	}
	if err != nil {
		d, lerr := h.loadAudit(r, id)
		if lerr != nil {
			h.fail(w, r, lerr)
			return
		}
		h.refused(w, r, "audits_show.html", d, err)
		return
	}
	redirect(w, r, "/audits/"+id, "audit_saved")
}

func (h *Handler) findingCreate(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	ff := newFormFields(r)
	in := domain.AuditFindingInput{Description: ff.String("description"), Severity: domain.Severity(ff.String("severity")),
		SubjectType: domain.FindingSubjectType(ff.String("subject_type")), SubjectID: ff.String("subject_id")}
	if ff.Bool("open_action") {
		in.Action = &domain.ActionRequest{OwnerID: ff.String("action_owner_id")}
		if d := ff.Date("action_due_date", false); d != nil {
			in.Action.DueDate = *d
		}
	}
	err := ff.Err()
	if err == nil {
		_, err = h.cfg.Audits.CreateAuditFinding(r.Context(), id, in)
	}
	if err != nil {
		if domain.ErrorCodeOf(err) == domain.ENOTFOUND {
			h.fail(w, r, err)
			return
		}
		d, lerr := h.loadAudit(r, id)
		if lerr != nil {
			h.fail(w, r, lerr)
			return
		}
		h.refused(w, r, "audits_show.html", d, renameFields(err, byName(map[string]string{"action.owner_id": "action_owner_id", "action.due_date": "action_due_date"})))
		return
	}
	redirectTo(w, r, "/audits/"+id, "finding_created", "findings")
}

// findingGo sends a link to a finding (a corrective action's source) to
// its audit's page.
func (h *Handler) findingGo(w http.ResponseWriter, r *http.Request) {
	f, err := h.cfg.Audits.FindAuditFinding(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/audits/"+f.AuditID+"#finding-"+f.ID, http.StatusSeeOther)
}

func (h *Handler) auditReport(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	rep, err := h.cfg.Audits.AuditReport(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.reportPage(w, r, rep, "/audits/"+id)
}

func (h *Handler) auditReportXLSX(w http.ResponseWriter, r *http.Request) {
	rep, err := h.cfg.Audits.AuditReport(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.reportXLSX(w, r, rep)
}
