package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/vendorwatch/vendorwatch/domain"
)

// correctiveActionRoutes registers the corrective action pages: the list,
// one action, and its two ways to close: done with a resolution, or the
// risk accepted for a while by a supervisor or CISO.
func (h *Handler) correctiveActionRoutes(r chi.Router) {
	r.Get("/corrective-actions", h.correctiveActionList)
	r.Get("/corrective-actions/{id}", h.correctiveActionPage)
	r.With(h.needs(domain.PermWrite)).Post("/corrective-actions/{id}/complete", h.correctiveActionComplete)
	r.With(h.needs(domain.PermWrite)).Post("/corrective-actions/{id}/accept-risk", h.correctiveActionAcceptRisk)
}

// correctiveActionRow is one row of the corrective actions list.
type correctiveActionRow struct {
	A             *domain.CorrectiveAction
	ContractTitle string
}

// correctiveActionListData is the corrective actions list page's data.
type correctiveActionListData struct {
	Rows     []correctiveActionRow
	List     List
	Status   string
	Statuses []domain.ActionStatus
	// Owner is "me" when the list shows the signed-in person's actions.
	Owner string
	// OwnerID is an owner given by id (from another page's link).
	OwnerID string
}

func (h *Handler) correctiveActionList(w http.ResponseWriter, r *http.Request) {
	lq := readList(r)
	q := r.URL.Query()
	d := correctiveActionListData{Statuses: []domain.ActionStatus{domain.ActionOpen, domain.ActionDone, domain.ActionRiskAccepted}}
	f := domain.CorrectiveActionFilter{FiscalYear: lq.FiscalYear}
	switch s := domain.ActionStatus(q.Get("status")); s {
	case domain.ActionOpen, domain.ActionDone, domain.ActionRiskAccepted:
		f.Status, d.Status = s, string(s)
	}
	if q.Get("owner") == "me" {
		d.Owner = "me"
		if me := stateOf(r).me; me != nil {
			f.OwnerID = me.ID
		}
	} else if id := q.Get("owner_id"); id != "" {
		f.OwnerID, d.OwnerID = id, id
	}
	if exported(h, w, r, "corrective-actions", func(p domain.PageRequest) (domain.Page[*domain.CorrectiveAction], error) {
		return h.cfg.CorrectiveActions.ListCorrectiveActions(r.Context(), f, p)
	}) {
		return
	}
	page, err := h.cfg.CorrectiveActions.ListCorrectiveActions(r.Context(), f, lq.Page)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.List = newList("/corrective-actions", lq, page.NextCursor, h.today())
	titles := contractTitles{h: h, r: r}
	for _, a := range page.Items {
		d.Rows = append(d.Rows, correctiveActionRow{A: a, ContractTitle: titles.title(a.ContractID)})
	}
	h.page(w, r, "corrective_list.html", d)
}

// correctiveActionData is one corrective action's page data.
type correctiveActionData struct {
	A *domain.CorrectiveAction
	// SourcePath is the page of what opened the action; "" when it has none.
	SourcePath string
	Contract   *domain.Contract
	Vendor     *domain.Vendor
	// Owner and ClosedBy name the people (their id when unreadable).
	Owner    string
	ClosedBy string
	// Finding is the checklist item whose finding opened the action, with
	// its title in the page's language; nil when it cannot be read.
	Finding      *domain.ChecklistItem
	FindingTitle string
	Open         bool
	// MayAcceptRisk says the signed-in person holds a security role that
	// may accept a risk, so the page offers the form; the service still
	// decides (separation of duties).
	MayAcceptRisk bool
	// Evidence is the action's files.
	Evidence *EvidenceSection
}

// loadCorrectiveAction reads an action and what its page shows with it.
func (h *Handler) loadCorrectiveAction(r *http.Request, id string) (*correctiveActionData, error) {
	ctx := r.Context()
	a, err := h.cfg.CorrectiveActions.FindCorrectiveAction(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &correctiveActionData{A: a, Open: a.Status == domain.ActionOpen, MayAcceptRisk: domain.MayAcceptRisk(stateOf(r).me)}
	if p, ok := actionSourcePages[a.Source]; ok && a.SourceID != "" {
		d.SourcePath = p + a.SourceID
	}
	if a.ContractID != "" {
		if d.Contract, err = h.cfg.Contracts.FindContract(ctx, a.ContractID); err != nil {
			return nil, err
		}
	}
	if a.VendorID != "" {
		if d.Vendor, err = h.cfg.Vendors.FindVendor(ctx, a.VendorID); err != nil {
			return nil, err
		}
	}
	d.Owner = h.personName(r, a.OwnerID)
	d.ClosedBy = h.personName(r, a.ClosedBy)
	if a.ConfirmationID == "" {
		return d, nil
	}
	if c, err := h.cfg.Confirmations.FindConfirmation(ctx, a.ConfirmationID); err == nil {
		for i := range c.Checklist {
			if it := &c.Checklist[i]; it.CorrectiveActionID == a.ID {
				d.Finding, d.FindingTitle = it, it.TitleJa
				if localeOf(r) == domain.LocaleEn && it.TitleEn != "" {
					d.FindingTitle = it.TitleEn
				}
			}
		}
	}
	d.Evidence = h.evidenceSection(r, domain.EvidenceCorrectiveAction, a.ID, nil)
	return d, nil
}

// actionSourcePages are the pages of the records that open corrective
// actions, by source; the source's id completes the path.
var actionSourcePages = map[domain.ActionSource]string{
	domain.SourceConfirmation: "/confirmations/",
	domain.SourceIncident:     "/incidents/",
	// Both redirect to the answer's place on its answering page, and to
	// the finding on its audit's page.
	domain.SourceInspectionAnswer: "/inspection-answers/",
	domain.SourceAuditFinding:     "/audit-findings/",
}

// personName is a person's name, their id when they cannot be read, or ""
// for none.
func (h *Handler) personName(r *http.Request, id string) string {
	if id == "" {
		return ""
	}
	if p, err := h.cfg.People.FindPerson(r.Context(), id); err == nil {
		return p.Name
	}
	return id
}

func (h *Handler) correctiveActionPage(w http.ResponseWriter, r *http.Request) {
	d, err := h.loadCorrectiveAction(r, chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "corrective_show.html", d)
}

func (h *Handler) correctiveActionComplete(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	d, err := h.loadCorrectiveAction(r, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ff := newFormFields(r)
	version := ff.Version()
	if err := ff.Err(); err != nil {
		h.refused(w, r, "corrective_show.html", d, err)
		return
	}
	in := domain.ActionClosure{Resolution: ff.String("resolution")}
	if _, err := h.cfg.CorrectiveActions.CompleteCorrectiveAction(r.Context(), id, version, in); err != nil {
		h.refused(w, r, "corrective_show.html", d, err)
		return
	}
	redirect(w, r, pathf("/corrective-actions/%s", id), "corrective_completed")
}

// riskField names the risk form's fields apart from the completion form's
// on the same page: its reason is posted as risk_resolution.
func riskField(name string) string {
	if name == "resolution" {
		return "risk_resolution"
	}
	return name
}

func (h *Handler) correctiveActionAcceptRisk(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	d, err := h.loadCorrectiveAction(r, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ff := newFormFields(r)
	version := ff.Version()
	in := domain.RiskAcceptance{Resolution: ff.String("risk_resolution")}
	if until := ff.Date("accepted_until", false); until != nil {
		in.AcceptedUntil = *until
	}
	if err := ff.Err(); err != nil {
		h.refused(w, r, "corrective_show.html", d, err)
		return
	}
	if _, err := h.cfg.CorrectiveActions.AcceptCorrectiveActionRisk(r.Context(), id, version, in); err != nil {
		h.refused(w, r, "corrective_show.html", d, renameFields(err, riskField))
		return
	}
	redirect(w, r, pathf("/corrective-actions/%s", id), "corrective_risk_accepted")
}
