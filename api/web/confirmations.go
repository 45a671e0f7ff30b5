package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/vendorwatch/vendorwatch/domain"
)

// confirmationRoutes registers the security confirmation pages: the list,
// one confirmation (the page a reminder e-mail links to) and the form that
// records its checklist.
func (h *Handler) confirmationRoutes(r chi.Router) {
	r.Get("/confirmations", h.confirmationList)
	r.Get("/confirmations/{id}", h.confirmationPage)
	r.With(h.needs(domain.PermWrite)).Post("/confirmations/{id}/complete", h.confirmationComplete)
}

// confirmationRow is one row of the confirmations list.
type confirmationRow struct {
	C             *domain.Confirmation
	ContractTitle string
}

// confirmationListData is the confirmations list page's data.
type confirmationListData struct {
	Rows []confirmationRow
	List List
	// Status is the status filter; Statuses are the choices.
	Status   string
	Statuses []domain.ConfirmationStatus
	// Contract is the contract the list is narrowed to, or nil.
	Contract *domain.Contract
}

func (h *Handler) confirmationList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lq := readList(r)
	q := r.URL.Query()
	f := domain.ConfirmationFilter{ContractID: q.Get("contract_id"), FiscalYear: lq.FiscalYear}
	status := domain.ConfirmationStatus(q.Get("status"))
	switch status {
	case domain.ConfirmationScheduled, domain.ConfirmationCompleted, domain.ConfirmationOverdue:
		f.Status = status
	default:
		status = ""
	}
	if exported(h, w, r, "confirmations", func(p domain.PageRequest) (domain.Page[*domain.Confirmation], error) {
		return h.cfg.Confirmations.ListConfirmations(ctx, f, p)
	}) {
		return
	}
	page, err := h.cfg.Confirmations.ListConfirmations(ctx, f, lq.Page)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := confirmationListData{Status: string(status), List: newList("/confirmations", lq, page.NextCursor, h.today()),
		Statuses: []domain.ConfirmationStatus{domain.ConfirmationScheduled, domain.ConfirmationOverdue, domain.ConfirmationCompleted}}
	titles := contractTitles{h: h, r: r}
	if f.ContractID != "" {
		d.Contract = titles.contract(f.ContractID)
	}
	for _, c := range page.Items {
		d.Rows = append(d.Rows, confirmationRow{C: c, ContractTitle: titles.title(c.ContractID)})
	}
	h.page(w, r, "confirmations_list.html", d)
}

// contractTitles looks each contract of a list up once.
type contractTitles struct {
	h    *Handler
	r    *http.Request
	seen map[string]*domain.Contract
}

// contract returns the contract, or nil when it cannot be read.
func (ct *contractTitles) contract(id string) *domain.Contract {
	if id == "" {
		return nil // an action that no contract concerns
	}
	if ct.seen == nil {
		ct.seen = map[string]*domain.Contract{}
	}
	if c, ok := ct.seen[id]; ok {
		return c
	}
	c, err := ct.h.cfg.Contracts.FindContract(ct.r.Context(), id)
	if err != nil {
		c = nil
	}
	ct.seen[id] = c
	return c
}

// title is the contract's title, or its id when it cannot be read.
func (ct *contractTitles) title(id string) string {
	if c := ct.contract(id); c != nil {
		return c.Title
	}
	return id
}

// checklistRow is one clause of a confirmation's checklist as the page
// shows it: its form field names are results[i].*, as the service names
// its errors.
type checklistRow struct {
	Index int
	Item  domain.ChecklistItem
	// Title is the clause's title in the page's language.
	Title string
	// Name is the prefix of the row's fields, such as "results[3]".
	Name string
	// Evidence is the recorded evidence, one reference a line.
	Evidence string
}

// Field is the name of one of the row's fields, such as "results[3].note".
func (c checklistRow) Field(name string) string { return c.Name + "." + name }

// confirmationData is one confirmation's page data.
type confirmationData struct {
	C        *domain.Confirmation
	Status   domain.ConfirmationStatus
	Contract *domain.Contract
	Vendor   *domain.Vendor
	// PerformedBy is who performed a completed confirmation (nil before,
	// or when the person cannot be read); Performer names them anyway.
	PerformedBy *domain.Person
	Performer   string
	Rows        []checklistRow
	// Findings are the rows whose finding opened a corrective action.
	Findings []checklistRow
	// Open says the confirmation can still be completed.
	Open bool
	// Results, Severities are the choices of the form.
	Results    []domain.ItemResult
	Severities []domain.Severity
	// Evidence is the confirmation's files, for the whole or one item.
	Evidence *EvidenceSection
}

// loadConfirmation reads a confirmation and what its page shows with it.
func (h *Handler) loadConfirmation(r *http.Request, id string) (*confirmationData, error) {
	ctx := r.Context()
	c, err := h.cfg.Confirmations.FindConfirmation(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &confirmationData{C: c, Status: c.StatusOn(h.today()), Open: c.Status == domain.ConfirmationScheduled,
		Results:    []domain.ItemResult{domain.ItemOK, domain.ItemFinding, domain.ItemNotApplicable},
		Severities: []domain.Severity{domain.SeverityLow, domain.SeverityMedium, domain.SeverityHigh}}
	if d.Contract, err = h.cfg.Contracts.FindContract(ctx, c.ContractID); err != nil {
		return nil, err
	}
	if d.Vendor, err = h.cfg.Vendors.FindVendor(ctx, c.VendorID); err != nil {
		return nil, err
	}
	if c.PerformedBy != "" {
		d.Performer = c.PerformedBy
		if p, err := h.cfg.People.FindPerson(ctx, c.PerformedBy); err == nil {
			d.PerformedBy, d.Performer = p, p.Name
		}
	}
	en := localeOf(r) == domain.LocaleEn
	for i, it := range c.Checklist {
		row := checklistRow{Index: i, Item: it, Title: it.TitleJa, Name: fmt.Sprintf("results[%d]", i), Evidence: strings.Join(it.Evidence, "\n")}
		if en && it.TitleEn != "" {
			row.Title = it.TitleEn
		}
		d.Rows = append(d.Rows, row)
		if it.CorrectiveActionID != "" {
			d.Findings = append(d.Findings, row)
		}
	}
	items := make([]EvidenceItem, 0, len(d.Rows))
	for _, row := range d.Rows {
		items = append(items, EvidenceItem{Code: row.Item.Code, Title: row.Title})
	}
	d.Evidence = h.evidenceSection(r, domain.EvidenceConfirmation, c.ID, items)
	return d, nil
}

func (h *Handler) confirmationPage(w http.ResponseWriter, r *http.Request) {
	d, err := h.loadConfirmation(r, chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "confirmations_show.html", d)
}

// evidenceItem matches the name of one evidence reference's error, which
// the page shows next to the row's evidence box.
var evidenceItem = regexp.MustCompile(`^(results\[\d+\]\.evidence)\[\d+\]$`)

func (h *Handler) confirmationComplete(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	d, err := h.loadConfirmation(r, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ff := newFormFields(r)
	version := ff.Version()
	in := domain.ConfirmationCompletion{Notes: ff.String("notes")}
	if me := stateOf(r).me; me != nil {
		in.PerformedBy = me.ID
	}
	if on := ff.Date("performed_on", true); on != nil {
		in.PerformedOn = *on
	}
	for _, row := range d.Rows {
		res := domain.ItemResultInput{
			Code:     ff.String(row.Field("code")),
			Result:   domain.ItemResult(ff.String(row.Field("result"))),
			Note:     ff.String(row.Field("note")),
			Severity: domain.Severity(ff.String(row.Field("severity"))),
		}
		for _, line := range strings.Split(ff.String(row.Field("evidence")), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				res.Evidence = append(res.Evidence, line)
			}
		}
		if due := ff.Date(row.Field("action_due_date"), false); due != nil {
			res.ActionDueDate = *due
		}
		in.Results = append(in.Results, res)
	}
	if err := ff.Err(); err != nil {
		// A date that cannot be read stops the form before the service;
		// the domain's own checks are added so that one round shows every
		// problem.
		all := ff.errors
		if verr, ok := errorsAs(domain.Validate(&in)); ok {
			all = append(all, verr.Fields...)
		}
		all = append(all, domain.CompletionProblems(d.C.Checklist, in, h.today())...)
		h.refused(w, r, "confirmations_show.html", d, renameFields(all.Err(translate(localeOf(r), "form.fix_fields")), evidenceField))
		return
	}
	if _, err := h.cfg.Confirmations.CompleteConfirmation(r.Context(), id, version, in); err != nil {
		h.refused(w, r, "confirmations_show.html", d, renameFields(err, evidenceField))
		return
	}
	redirect(w, r, pathf("/confirmations/%s", id), "confirmation_completed")
}

// evidenceField names an evidence reference's error after the row's
// evidence box, where the page shows it.
func evidenceField(name string) string { return evidenceItem.ReplaceAllString(name, "$1") }

// renameFields returns err with its field names passed through rename, so
// that an error lands next to the control that carries it on the page.
func renameFields(err error, rename func(string) string) error {
	e, ok := errorsAs(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]domain.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		f.Field = rename(strings.TrimPrefix(f.Field, "body."))
		out.Fields[i] = f
	}
	return &out
}
