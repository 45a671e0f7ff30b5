package web

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/vendorwatch/vendorwatch/domain"
)

// vendorRoutes serves the vendors (委託事業者): the list, one vendor with
// its selection, certifications, risk tier, contracts and open corrective
// actions, and the status changes the API offers (approve, suspend,
// reinstate, terminate).
func (h *Handler) vendorRoutes(r chi.Router) {
	r.Get("/vendors", h.vendorList)
	r.Get("/vendors/{id}", h.vendorDetail)
	r.With(h.needs(domain.PermWrite)).Post("/vendors/{id}/approve", h.vendorApprove)
	r.With(h.needs(domain.PermWrite)).Post("/vendors/{id}/status", h.vendorChangeStatus)
}

// vendorStatuses and vendorTiers are the filter's choices, in the order
// people read them.
var (
	vendorStatuses = []domain.VendorStatus{domain.VendorCandidate, domain.VendorApproved, domain.VendorSuspended, domain.VendorTerminated}
	vendorTiers    = []domain.RiskTier{domain.RiskHigh, domain.RiskMedium, domain.RiskLow, domain.RiskUnassessed}
)

// vendorListData is the vendor list page.
type vendorListData struct {
	Items    []*domain.Vendor
	Names    map[string]string
	List     List
	Statuses []domain.VendorStatus
	Tiers    []domain.RiskTier
}

func (h *Handler) vendorList(w http.ResponseWriter, r *http.Request) {
	lq := readList(r)
	q := r.URL.Query()
	f := domain.VendorFilter{Q: lq.Q}
	for _, s := range vendorStatuses {
		if q.Get("status") == string(s) {
			f.Status = s
		}
	}
	for _, t := range vendorTiers {
		if q.Get("risk_tier") == string(t) {
			f.RiskTier = t
		}
	}
	if q.Get("mine") == "1" {
		f.OwnerID = stateOf(r).actor.PersonID
	}
	if exported(h, w, r, "vendors", func(p domain.PageRequest) (domain.Page[*domain.Vendor], error) {
		return h.cfg.Vendors.ListVendors(r.Context(), f, p)
	}) {
		return
	}
	page, err := h.cfg.Vendors.ListVendors(r.Context(), f, lq.Page)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ids := make([]string, 0, len(page.Items))
	for _, v := range page.Items {
		ids = append(ids, v.OwnerID)
	}
	h.page(w, r, "vendors_list.html", &vendorListData{Items: page.Items, Names: h.outsourcingNames(r.Context(), ids...),
		List: newList("/vendors", lq, page.NextCursor, h.today()), Statuses: vendorStatuses, Tiers: vendorTiers})
}

// vendorCert is a certification with whether it expires soon.
type vendorCert struct {
	domain.Certification
	Expiring bool
}

// vendorTierRow is one active contract and the tier it alone gives: why
// the vendor has its tier.
type vendorTierRow struct {
	Contract *domain.Contract
	Top      domain.Confidentiality
	Tier     domain.RiskTier
}

// vendorData is the vendor page.
type vendorData struct {
	V     *domain.Vendor
	Names map[string]string
	// Criteria are the selection criteria by code, for their titles.
	Criteria  map[string]*domain.CatalogueItem
	Certs     []vendorCert
	Contracts []*domain.Contract
	// MoreContracts says the vendor has more contracts than are listed.
	MoreContracts bool
	TierRows      []vendorTierRow
	Actions       []*domain.CorrectiveAction
	MoreActions   bool
	// Moves are the statuses the vendor may move to with a reason.
	Moves []domain.VendorStatus
	// MayApprove says whether the status allows an approval.
	MayApprove bool
	// Evidence is the vendor's files.
	Evidence *EvidenceSection
}

// vendorPageSize bounds the contracts and actions a vendor page lists.
const vendorPageSize = 50

func (h *Handler) vendorData(r *http.Request, id string) (*vendorData, error) {
	ctx := r.Context()
	v, err := h.cfg.Vendors.FindVendor(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &vendorData{V: v, Criteria: map[string]*domain.CatalogueItem{}}
	criteria, err := h.cfg.Catalogues.ListCatalogueItems(ctx, domain.CatalogueSelectionCriteria, true)
	if err != nil {
		return nil, err
	}
	for _, c := range criteria {
		d.Criteria[c.Code] = c
	}
	settings, err := h.cfg.Settings.GetSettings(ctx)
	if err != nil {
		return nil, err
	}
	today := h.today()
	for _, c := range v.Certifications {
		d.Certs = append(d.Certs, vendorCert{Certification: c, Expiring: c.ExpiringOn(today, settings.PolicySettings)})
	}
	contracts, err := h.cfg.Contracts.ListContracts(ctx, domain.ContractFilter{VendorID: id}, domain.PageRequest{Limit: vendorPageSize})
	if err != nil {
		return nil, err
	}
	d.Contracts, d.MoreContracts = contracts.Items, contracts.NextCursor != ""
	for _, c := range contracts.Items {
		if c.Status != domain.ContractActive {
			continue
		}
		d.TierRows = append(d.TierRows, vendorTierRow{Contract: c, Top: domain.HighestConfidentiality(c.InformationAssets),
			Tier: domain.DeriveRiskTier([]domain.ContractRiskInput{{Active: true, Assets: c.InformationAssets, SubcontractingAllowed: c.SubcontractingAllowed}})})
	}
	actions, err := h.cfg.CorrectiveActions.ListCorrectiveActions(ctx, domain.CorrectiveActionFilter{VendorID: id, Status: domain.ActionOpen}, domain.PageRequest{Limit: vendorPageSize})
	if err != nil {
		return nil, err
	}
	d.Actions, d.MoreActions = actions.Items, actions.NextCursor != ""
	ids := []string{v.OwnerID, v.ApprovedBy}
	if v.Selection != nil {
		ids = append(ids, v.Selection.SelectedBy)
	}
	d.Names = h.outsourcingNames(ctx, ids...)
	d.MayApprove = v.Status.CanMoveTo(domain.VendorApproved)
	for _, s := range []domain.VendorStatus{domain.VendorSuspended, domain.VendorApproved, domain.VendorTerminated} {
		// Approval from a candidate carries no reason; from suspended it
		// is the reinstatement, which does.
		if v.Status.CanMoveTo(s) && (s != domain.VendorApproved || v.Status == domain.VendorSuspended) {
			d.Moves = append(d.Moves, s)
		}
	}
	d.Evidence = h.evidenceSection(r, domain.EvidenceVendor, v.ID, nil)
	return d, nil
}

func (h *Handler) vendorDetail(w http.ResponseWriter, r *http.Request) {
	d, err := h.vendorData(r, chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, &Page{Name: "vendors_detail.html", Title: d.V.Name, Data: d})
}

// vendorRefused shows the vendor page again with a refused form.
func (h *Handler) vendorRefused(w http.ResponseWriter, r *http.Request, id string, err error) {
	d, lerr := h.vendorData(r, id)
	if lerr != nil {
		h.fail(w, r, lerr)
		return
	}
	h.refused(w, r, "vendors_detail.html", d, err)
}

// vendorApprove is approve-vendor: the store checks the selection record
// and the approver's security role and separation of duties.
func (h *Handler) vendorApprove(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	ff := newFormFields(r)
	version := ff.Version()
	err := ff.Err()
	if err == nil {
		_, err = h.cfg.Vendors.ChangeVendorStatus(r.Context(), id, version, domain.VendorApproved, "")
	}
	if err != nil {
		h.vendorRefused(w, r, id, err)
		return
	}
	redirect(w, r, "/vendors/"+id, "vendors_approved")
}

// vendorChangeStatus is suspend-vendor, reinstate-vendor and
// terminate-vendor, each with the reason the API requires.
func (h *Handler) vendorChangeStatus(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	ff := newFormFields(r)
	version := ff.Version()
	var to domain.VendorStatus
	switch s := domain.VendorStatus(ff.String("to")); s {
	case domain.VendorSuspended, domain.VendorApproved, domain.VendorTerminated:
		to = s
	default:
		ff.errors.Add("to", translate(ff.locale, "vendors.bad_move"), string(s))
	}
	reason := ff.String("reason")
	if reason == "" {
		// The API's reason is required (minLength 1) on all three.
		ff.errors.Add("reason", translate(ff.locale, "form.required"), reason)
	}
	err := ff.Err()
	if err == nil {
		_, err = h.cfg.Vendors.ChangeVendorStatus(r.Context(), id, version, to, reason)
	}
	if err != nil {
		h.vendorRefused(w, r, id, err)
		return
	}
	redirect(w, r, "/vendors/"+id, "vendors_status_changed")
}

// outsourcingNames returns the names of people by id, for the vendor and
// contract pages; an id that names nobody (or "") is left out.
func (h *Handler) outsourcingNames(ctx context.Context, ids ...string) map[string]string {
	names := map[string]string{}
	for _, id := range ids {
		if id == "" {
			continue
		}
		if _, done := names[id]; done {
			continue
		}
		if p, err := h.cfg.People.FindPerson(ctx, id); err == nil {
			names[id] = p.Name
		} else {
			names[id] = ""
		}
	}
	for id, n := range names {
		if n == "" {
			delete(names, id)
		}
	}
	return names
}
