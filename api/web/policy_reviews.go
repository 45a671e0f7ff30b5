package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/vendorwatch/vendorwatch/domain"
)

// policyReviewRoutes registers the pages of the reviews of the policy
// itself (第8): the list, a draft's form (new and edit), one review with
// its linked changes, and the CISO's approval.
func (h *Handler) policyReviewRoutes(r chi.Router) {
	r.Get("/policy-reviews", h.policyReviewList)
	r.With(h.needs(domain.PermWrite)).Get("/policy-reviews/new", h.policyReviewNew)
	r.With(h.needs(domain.PermWrite)).Post("/policy-reviews", h.policyReviewCreate)
	r.Get("/policy-reviews/{id}", h.policyReviewPage)
	r.With(h.needs(domain.PermWrite)).Get("/policy-reviews/{id}/edit", h.policyReviewEdit)
	r.With(h.needs(domain.PermWrite)).Post("/policy-reviews/{id}", h.policyReviewReplace)
	r.With(h.needs(domain.PermWrite)).Post("/policy-reviews/{id}/approve", h.policyReviewApprove)
	r.With(h.needs(domain.PermWrite)).Post("/policy-reviews/{id}/delete", h.policyReviewDelete)
}

// policyReviewListData is the list page's data.
type policyReviewListData struct {
	Reviews  []*domain.PolicyReview
	List     List
	Status   string
	Statuses []domain.PolicyReviewStatus
	Owners   map[string]string
}

func (h *Handler) policyReviewList(w http.ResponseWriter, r *http.Request) {
	lq := readList(r)
	d := policyReviewListData{Statuses: []domain.PolicyReviewStatus{domain.PolicyReviewDraft, domain.PolicyReviewApproved}}
	f := domain.PolicyReviewFilter{FiscalYear: lq.FiscalYear}
	switch s := domain.PolicyReviewStatus(r.URL.Query().Get("status")); s {
	case domain.PolicyReviewDraft, domain.PolicyReviewApproved:
		f.Status, d.Status = s, string(s)
	}
	if exported(h, w, r, "policy-reviews", func(p domain.PageRequest) (domain.Page[*domain.PolicyReview], error) {
		return h.cfg.PolicyReviews.ListPolicyReviews(r.Context(), f, p)
	}) {
		return
	}
	page, err := h.cfg.PolicyReviews.ListPolicyReviews(r.Context(), f, lq.Page)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	_, names, err := h.peopleNames(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Reviews, d.Owners = page.Items, names
	d.List = newList("/policy-reviews", lq, page.NextCursor, h.today())
	h.page(w, r, "policy_reviews_list.html", d)
}

// policyChangeRow is one change a draft may link: a checkbox on the form.
type policyChangeRow struct {
	domain.PolicyChange
	Checked bool
	// Field is the name of the checkbox's error (changes[i], i its place
	// among the changes sent) when the form was refused, else "".
	Field string
	// ID is the checkbox's element id.
	ID string
}

// policyReviewFormData is the draft form's data.
type policyReviewFormData struct {
	// Review is the draft edited; nil for a new one.
	Review   *domain.PolicyReview
	Triggers []domain.PolicyReviewTrigger
	People   []*domain.Person
	Changes  []policyChangeRow
	// Action is where the form posts.
	Action string
	// OwnerID is the owner the select shows chosen.
	OwnerID string
	// Interval is policy_review_interval_months, for the date's hint.
	Interval int
	// The fields' values before anything is typed: the draft's.
	Trigger, TriggerID, TriggerDescription, Decision, NextReviewDue string
}

// loadPolicyReviewForm reads what the form offers: the changes already
// linked (for an edit) and the candidates since the latest approved review,
// checked as the review or the refused form has them.
func (h *Handler) loadPolicyReviewForm(r *http.Request, rv *domain.PolicyReview, submitted url.Values) (*policyReviewFormData, error) {
	ctx := r.Context()
	d := &policyReviewFormData{Review: rv, Triggers: domain.PolicyReviewTriggers, Action: "/policy-reviews"}
	if me := stateOf(r).me; me != nil {
		d.OwnerID = me.ID
	}
	people, _, err := h.peopleNames(r)
	if err != nil {
		return nil, err
	}
	d.People = people
	s, err := h.cfg.Settings.GetSettings(ctx)
	if err != nil {
		return nil, err
	}
	d.Interval = s.PolicyReviewIntervalMonths
	cands, err := h.cfg.PolicyReviews.ListPolicyChangeCandidates(ctx, domain.PageRequest{Limit: domain.MaxPageSize})
	if err != nil {
		return nil, err
	}
	checked := map[string]bool{}
	var all []domain.PolicyChange
	seen := map[string]bool{}
	if rv != nil {
		d.Action, d.OwnerID = "/policy-reviews/"+rv.ID, rv.OwnerID
		d.Trigger, d.TriggerID, d.TriggerDescription, d.Decision = string(rv.Trigger), rv.TriggerID, rv.TriggerDescription, rv.Decision
		if !rv.NextReviewNominal.IsZero() {
			d.NextReviewDue = rv.NextReviewNominal.String()
		}
		for _, c := range rv.Changes {
			checked[c.AuditEventID], seen[c.AuditEventID] = true, true
			all = append(all, c)
		}
	}
	for _, c := range cands.Items {
		if !seen[c.AuditEventID] {
			seen[c.AuditEventID] = true
			all = append(all, *c)
		}
	}
	fields := map[string]string{}
	if submitted != nil {
		checked = map[string]bool{}
		for i, id := range submitted["changes"] {
			checked[id] = true
			fields[id] = fmt.Sprintf("changes[%d]", i)
			if !seen[id] {
				// Sent but no candidate (unknown, or no policy change):
				// shown with its error, so it can be unticked.
				seen[id] = true
				all = append(all, domain.PolicyChange{AuditEventID: id, Summary: id, SummaryJa: id})
			}
		}
	}
	for _, c := range all {
		row := policyChangeRow{PolicyChange: c, Checked: checked[c.AuditEventID], Field: fields[c.AuditEventID], ID: "f-change-" + c.AuditEventID}
		if row.Field != "" {
			row.ID = "f-" + row.Field
		}
		d.Changes = append(d.Changes, row)
	}
	return d, nil
}

func (h *Handler) policyReviewNew(w http.ResponseWriter, r *http.Request) {
	d, err := h.loadPolicyReviewForm(r, nil, nil)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "policy_review_form.html", d)
}

func (h *Handler) policyReviewEdit(w http.ResponseWriter, r *http.Request) {
	rv, err := h.cfg.PolicyReviews.FindPolicyReview(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d, err := h.loadPolicyReviewForm(r, rv, nil)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "policy_review_form.html", d)
}

// policyReviewInput reads the draft form.
func policyReviewInput(r *http.Request, ff *formFields) domain.PolicyReviewInput {
	in := domain.PolicyReviewInput{
		Trigger: domain.PolicyReviewTrigger(ff.String("trigger")), TriggerID: ff.String("trigger_id"),
		TriggerDescription: ff.String("trigger_description"), Decision: ff.String("decision"), OwnerID: ff.String("owner_id"),
		Changes: r.PostForm["changes"],
	}
	if d := ff.Date("next_review_due", false); d != nil {
		in.NextReviewDue = *d
	}
	return in
}

func (h *Handler) policyReviewCreate(w http.ResponseWriter, r *http.Request) {
	ff := newFormFields(r)
	in := policyReviewInput(r, ff)
	err := ff.Err()
	var created *domain.PolicyReview
	if err == nil {
		created, err = h.cfg.PolicyReviews.CreatePolicyReview(r.Context(), in)
	}
	if err != nil {
		d, lerr := h.loadPolicyReviewForm(r, nil, r.PostForm)
		if lerr != nil {
			h.fail(w, r, lerr)
			return
		}
		h.refused(w, r, "policy_review_form.html", d, err)
		return
	}
	redirect(w, r, pathf("/policy-reviews/%s", created.ID), "policy_review_created")
}

func (h *Handler) policyReviewReplace(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	rv, err := h.cfg.PolicyReviews.FindPolicyReview(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ff := newFormFields(r)
	version := ff.Version()
	in := policyReviewInput(r, ff)
	err = ff.Err()
	if err == nil {
		_, err = h.cfg.PolicyReviews.ReplacePolicyReview(r.Context(), id, version, in)
	}
	if err != nil {
		d, lerr := h.loadPolicyReviewForm(r, rv, r.PostForm)
		if lerr != nil {
			h.fail(w, r, lerr)
			return
		}
		h.refused(w, r, "policy_review_form.html", d, err)
		return
	}
	redirect(w, r, pathf("/policy-reviews/%s", id), "policy_review_saved")
}

// policyReviewData is one review's page data.
type policyReviewData struct {
	R        *domain.PolicyReview
	Owner    string
	Drafter  string
	Changer  string
	Approver string
	Draft    bool
	// Moved says the next review date was moved to a business day.
	Moved bool
	// MayApprove says the signed-in person may approve this draft
	// (PolicyReviewApprovalRefusal), so the page offers the button; the
	// service still decides.
	MayApprove bool
	// ApproveWho says why nobody here may approve, for the others.
	ApproveWho string
	// Evidence is the review's files.
	Evidence *EvidenceSection
}

func (h *Handler) loadPolicyReview(r *http.Request, id string) (*policyReviewData, error) {
	rv, err := h.cfg.PolicyReviews.FindPolicyReview(r.Context(), id)
	if err != nil {
		return nil, err
	}
	d := &policyReviewData{R: rv, Draft: rv.Status == domain.PolicyReviewDraft,
		Owner: h.personName(r, rv.OwnerID), Drafter: h.personName(r, rv.DraftedBy), Changer: h.personName(r, rv.ChangedBy),
		Approver: h.personName(r, rv.ApproverID), Moved: rv.NextReviewDue != rv.NextReviewNominal}
	if d.Draft {
		if err := domain.PolicyReviewApprovalRefusal(stateOf(r).me, rv); err == nil {
			d.MayApprove = true
		} else {
			d.ApproveWho = domain.MessageFor(err, localeOf(r))
		}
	}
	d.Evidence = h.evidenceSection(r, domain.EvidencePolicyReview, rv.ID, nil)
	return d, nil
}

func (h *Handler) policyReviewPage(w http.ResponseWriter, r *http.Request) {
	d, err := h.loadPolicyReview(r, chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "policy_review_show.html", d)
}

// policyReviewForm is the review's page, for its forms (recordForm).
func (h *Handler) policyReviewForm() recordPage {
	return recordPage{Template: "policy_review_show.html", Path: "/policy-reviews/%s",
		Load: func(r *http.Request, id string) (any, error) { return h.loadPolicyReview(r, id) }}
}

func (h *Handler) policyReviewApprove(w http.ResponseWriter, r *http.Request) {
	h.recordForm(w, r, h.policyReviewForm(), "policy_review_approved", nil, func(ctx context.Context, ff *formFields, id string, version *int) error {
		if err := ff.Err(); err != nil {
			return err
		}
		_, err := h.cfg.PolicyReviews.ApprovePolicyReview(ctx, id, version)
		return err
	})
}

func (h *Handler) policyReviewDelete(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	d, err := h.loadPolicyReview(r, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ff := newFormFields(r)
	version := ff.Version()
	if err := ff.Err(); err != nil {
		h.refused(w, r, "policy_review_show.html", d, err)
		return
	}
	if err := h.cfg.PolicyReviews.DeletePolicyReview(r.Context(), id, version); err != nil {
		h.refused(w, r, "policy_review_show.html", d, err)
		return
	}
	redirect(w, r, "/policy-reviews", "policy_review_deleted")
}
