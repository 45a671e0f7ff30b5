package web

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/vendorwatch/vendorwatch/domain"
)

// contractRoutes serves the outsourcing contracts (委託契約): the list, one
// contract with its dates, confirmations and security clause coverage, and
// the forms the API offers on them: set a clause, ask for a waiver,
// approve one, activate the contract.
func (h *Handler) contractRoutes(r chi.Router) {
	r.Get("/contracts", h.contractList)
	r.Get("/contracts/{id}", h.contractDetail)
	r.With(h.needs(domain.PermWrite)).Post("/contracts/{id}/clauses", h.contractSetClause)
	r.With(h.needs(domain.PermWrite)).Post("/contracts/{id}/waivers", h.contractRequestWaiver)
	r.With(h.needs(domain.PermWrite)).Post("/contracts/{id}/clauses/{code}/approve-waiver", h.contractApproveWaiver)
	r.With(h.needs(domain.PermWrite)).Post("/contracts/{id}/activate", h.contractActivate)
}

// contractStatuses are the status filter's choices.
var contractStatuses = []domain.ContractStatus{domain.ContractDraft, domain.ContractActive, domain.ContractExpired, domain.ContractTerminated}

// contractListData is the contract list page.
type contractListData struct {
	Items    []*domain.Contract
	List     List
	Statuses []domain.ContractStatus
	// Vendors are the vendor filter's choices; VendorNames names the
	// vendors of the listed contracts.
	Vendors     []*domain.Vendor
	VendorNames map[string]string
	Clauses     []contractClauseChoice
}

// contractClauseChoice is one clause offered in a select, titled in the
// page's language.
type contractClauseChoice struct {
	Code, Title string
}

// clauseTitle is a catalogue title in the locale.
func clauseTitle(l domain.Locale, ja, en string) string {
	if l == domain.LocaleEn && en != "" {
		return en
	}
	return ja
}

func (h *Handler) contractList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lq := readList(r)
	q := r.URL.Query()
	f := domain.ContractFilter{Q: lq.Q, FiscalYear: lq.FiscalYear, VendorID: q.Get("vendor_id"), MissingClause: q.Get("missing_clause")}
	for _, s := range contractStatuses {
		if q.Get("status") == string(s) {
			f.Status = s
		}
	}
	if exported(h, w, r, "contracts", func(p domain.PageRequest) (domain.Page[*domain.Contract], error) {
		return h.cfg.Contracts.ListContracts(ctx, f, p)
	}) {
		return
	}
	page, err := h.cfg.Contracts.ListContracts(ctx, f, lq.Page)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	vendors, err := h.cfg.Vendors.ListVendors(ctx, domain.VendorFilter{}, domain.PageRequest{Limit: domain.MaxPageSize})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	items, err := h.cfg.Catalogues.ListCatalogueItems(ctx, domain.CatalogueClauses, false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &contractListData{Items: page.Items, List: newList("/contracts", lq, page.NextCursor, h.today()), Statuses: contractStatuses,
		Vendors: vendors.Items, VendorNames: map[string]string{}}
	l := localeOf(r)
	for _, it := range items {
		d.Clauses = append(d.Clauses, contractClauseChoice{Code: it.Code, Title: clauseTitle(l, it.TitleJa, it.TitleEn)})
	}
	for _, v := range vendors.Items {
		d.VendorNames[v.ID] = v.Name
	}
	for _, c := range page.Items {
		if _, ok := d.VendorNames[c.VendorID]; ok {
			continue
		}
		// Beyond the first page of vendors: ask for the few missing.
		if v, err := h.cfg.Vendors.FindVendor(ctx, c.VendorID); err == nil {
			d.VendorNames[v.ID] = v.Name
		}
	}
	h.page(w, r, "contracts_list.html", d)
}

// contractClauseRow is one catalogue clause on the contract, as the
// coverage table shows it.
type contractClauseRow struct {
	domain.ClauseCoverage
	Title string
	// State is what the status badge says: included, missing, waived (an
	// approved waiver) or pending (a waiver waiting for approval).
	State string
	// Pending is the waiver waiting for a second person, if any: the
	// clause's own or, on an active contract, an amendment.
	Pending *domain.ClauseWaiver
	// Waivers are the clause's waiver and amendment that exist, for who
	// asked and who approved.
	Waivers []*domain.ClauseWaiver
}

// contractRefusalLine is one clause named by an activation refusal.
type contractRefusalLine struct {
	Code, Text string
}

// contractData is the contract page.
type contractData struct {
	// Evidence is the contract's files.
	Evidence *EvidenceSection
	C        *domain.Contract
	Vendor   *domain.Vendor
	Names    map[string]string
	Clauses  []contractClauseRow
	// Missing counts the mandatory clauses that keep the contract from
	// activation (domain.MissingClauses).
	Missing           int
	NoticeDeadline    domain.Date
	Confirmations     []*domain.Confirmation
	MoreConfirmations bool
	// MayApproveWaivers says whether the person may be offered the
	// approve-waiver buttons: a writer holding a security role (the store
	// still refuses the one who asked).
	MayApproveWaivers bool
	// Refusal lists the clauses an activation refusal named.
	Refusal []contractRefusalLine
}

func (h *Handler) contractData(r *http.Request, id string) (*contractData, error) {
	ctx := r.Context()
	c, err := h.cfg.Contracts.FindContract(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &contractData{C: c, NoticeDeadline: c.NoticeDeadline()}
	if d.Vendor, err = h.cfg.Vendors.FindVendor(ctx, c.VendorID); err != nil {
		return nil, err
	}
	coverage, err := h.cfg.Contracts.ContractClauses(ctx, id)
	if err != nil {
		return nil, err
	}
	d.Missing = len(domain.MissingClauses(coverage))
	l := localeOf(r)
	ids := []string{c.OwnerID}
	for _, cv := range coverage {
		row := contractClauseRow{ClauseCoverage: cv, Title: clauseTitle(l, cv.TitleJa, cv.TitleEn), State: string(cv.Status)}
		if cv.Status == domain.ClauseWaived && !cv.Waiver.Approved() {
			row.State = "pending"
		}
		for _, w := range []*domain.ClauseWaiver{cv.Waiver, cv.Amendment} {
			if w == nil {
				continue
			}
			ids = append(ids, w.RequestedBy, w.ApprovedBy)
			row.Waivers = append(row.Waivers, w)
			if w.Pending {
				row.Pending = w
			}
		}
		d.Clauses = append(d.Clauses, row)
	}
	confs, err := h.cfg.Confirmations.ListConfirmations(ctx, domain.ConfirmationFilter{ContractID: id}, domain.PageRequest{Limit: vendorPageSize})
	if err != nil {
		return nil, err
	}
	d.Confirmations, d.MoreConfirmations = confs.Items, confs.NextCursor != ""
	d.Names = h.outsourcingNames(ctx, ids...)
	st := stateOf(r)
	d.MayApproveWaivers = st.actor.Role.Allows(domain.PermWrite) && domain.HoldsSecurityRole(st.me)
	d.Evidence = h.evidenceSection(r, domain.EvidenceContract, c.ID, nil)
	return d, nil
}

func (h *Handler) contractDetail(w http.ResponseWriter, r *http.Request) {
	d, err := h.contractData(r, chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, &Page{Name: "contracts_detail.html", Title: d.C.Title, Data: d})
}

// contractRefused shows the contract page again with a refused form. An
// activation refusal names each missing clause as clauses.<code>: those
// are worded with the clause's title in the page's language, and listed
// beside the activate button.
func (h *Handler) contractRefused(w http.ResponseWriter, r *http.Request, id string, err error) {
	d, lerr := h.contractData(r, id)
	if lerr != nil {
		h.fail(w, r, lerr)
		return
	}
	e, ok := errorsAs(err)
	if !ok || e.Code != domain.EINVALID {
		h.refused(w, r, "contracts_detail.html", d, err)
		return
	}
	f := formOf(r, err)
	l := localeOf(r)
	for _, name := range f.Order {
		code, ok := strings.CutPrefix(name, "clauses.")
		if !ok {
			continue
		}
		key, title := "contracts.refusal.missing", code
		for _, row := range d.Clauses {
			if row.Code == code {
				title = row.Title
				if row.State == "pending" {
					key = "contracts.refusal.pending"
				}
			}
		}
		text := translate(l, key, title)
		f.Errors[name] = text
		d.Refusal = append(d.Refusal, contractRefusalLine{Code: code, Text: text})
	}
	if len(d.Refusal) > 0 {
		f.General = translate(l, "contracts.activation_refused", len(d.Refusal))
	}
	h.render(w, r, http.StatusUnprocessableEntity, &Page{Name: "contracts_detail.html", Title: d.C.Title, Form: f, Data: d})
}

// contractSetClause is set-contract-clause with included (and its
// article) or missing.
func (h *Handler) contractSetClause(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	ff := newFormFields(r)
	code := ff.String("code")
	if code == "" {
		ff.errors.Add("code", translate(ff.locale, "contracts.choose_clause"), code)
	}
	in := domain.ClauseCoverageInput{ArticleRef: ff.String("article_ref")}
	switch s := domain.ClauseStatus(ff.String("status")); s {
	case domain.ClauseIncluded, domain.ClauseMissing:
		in.Status = s
	default:
		ff.errors.Add("status", translate(ff.locale, "contracts.bad_status"), string(s))
	}
	if in.Status == domain.ClauseMissing {
		in.ArticleRef = ""
	}
	err := ff.Err()
	if err == nil {
		_, err = h.cfg.Contracts.SetContractClause(r.Context(), id, code, in)
	}
	if err != nil {
		h.contractRefused(w, r, id, err)
		return
	}
	redirect(w, r, "/contracts/"+id, "contracts_clause_set")
}

// contractRequestWaiver is set-contract-clause with waived and its reason:
// for a mandatory clause, a request that a second person approves.
func (h *Handler) contractRequestWaiver(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	ff := newFormFields(r)
	code := ff.String("waiver_code")
	if code == "" {
		ff.errors.Add("waiver_code", translate(ff.locale, "contracts.choose_clause"), code)
	}
	err := ff.Err()
	if err == nil {
		_, err = h.cfg.Contracts.SetContractClause(r.Context(), id, code,
			domain.ClauseCoverageInput{Status: domain.ClauseWaived, WaiverReason: ff.String("waiver_reason")})
	}
	if err != nil {
		h.contractRefused(w, r, id, err)
		return
	}
	redirect(w, r, "/contracts/"+id, "contracts_waiver_requested")
}

// contractApproveWaiver is approve-contract-clause-waiver; the store
// refuses a person without a security role and the one who asked.
func (h *Handler) contractApproveWaiver(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if _, err := h.cfg.Contracts.ApproveClauseWaiver(r.Context(), id, chi.URLParam(r, "code")); err != nil {
		h.contractRefused(w, r, id, err)
		return
	}
	redirect(w, r, "/contracts/"+id, "contracts_waiver_approved")
}

// contractActivate is activate-contract.
func (h *Handler) contractActivate(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	ff := newFormFields(r)
	version := ff.Version()
	err := ff.Err()
	if err == nil {
		_, err = h.cfg.Contracts.ActivateContract(r.Context(), id, version)
	}
	if err != nil {
		h.contractRefused(w, r, id, err)
		return
	}
	redirect(w, r, "/contracts/"+id, "contracts_activated")
}
