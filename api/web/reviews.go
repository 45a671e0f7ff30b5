package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/vendorwatch/vendorwatch/domain"
)

// reviewRoutes registers the reviews' pages: the list, and the form that
// records a renewal review of a contract or a periodic review of a cloud
// service or social-media account (the API's create-review).
func (h *Handler) reviewRoutes(r chi.Router) {
	r.Get("/reviews", h.reviewList)
	r.With(h.needs(domain.PermWrite)).Get("/reviews/new", h.reviewNew)
	r.With(h.needs(domain.PermWrite)).Post("/reviews", h.reviewCreate)
}

// reviewSubjectPages are the staff pages of the subjects reviews are of:
// their API paths without /v1.
var reviewSubjectPages = map[domain.ReviewSubjectType]string{
	domain.ReviewContract:      "/contracts/",
	domain.ReviewCloudService:  "/cloud-services/",
	domain.ReviewSocialAccount: "/social-accounts/",
}

// reviewSubjectTypes are the subject types in the order the filter offers.
var reviewSubjectTypes = []domain.ReviewSubjectType{domain.ReviewContract, domain.ReviewCloudService, domain.ReviewSocialAccount}

// reviewOutcomes are the outcomes in the order the form offers.
var reviewOutcomes = []domain.ReviewOutcome{domain.OutcomeContinue, domain.OutcomeModify, domain.OutcomeTerminate}

// reviewListData is what the list of reviews shows.
type reviewListData struct {
	Reviews      []*domain.Review
	List         List
	SubjectType  domain.ReviewSubjectType
	SubjectTypes []domain.ReviewSubjectType
}

// SubjectPath is the page of a review's subject.
func (d reviewListData) SubjectPath(rv *domain.Review) string {
	return reviewSubjectPages[rv.SubjectType] + rv.SubjectID
}

// reviewList lists reviews, oldest first, by fiscal year and subject type.
func (h *Handler) reviewList(w http.ResponseWriter, r *http.Request) {
	lq := readList(r)
	st := domain.ReviewSubjectType(lq.Values.Get("subject_type"))
	if _, ok := reviewSubjectPages[st]; !ok {
		st = ""
	}
	if exported(h, w, r, "reviews", func(p domain.PageRequest) (domain.Page[*domain.Review], error) {
		return h.cfg.Reviews.ListReviews(r.Context(), domain.ReviewFilter{SubjectType: st, FiscalYear: lq.FiscalYear}, p)
	}) {
		return
	}
	page, err := h.cfg.Reviews.ListReviews(r.Context(), domain.ReviewFilter{SubjectType: st, FiscalYear: lq.FiscalYear}, lq.Page)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "reviews.html", reviewListData{Reviews: page.Items, List: newList("/reviews", lq, page.NextCursor, h.today()),
		SubjectType: st, SubjectTypes: reviewSubjectTypes})
}

// reviewFormData is what the review form shows: the subject, the people
// who may be named as reviewer, and the defaults.
type reviewFormData struct {
	SubjectType  domain.ReviewSubjectType
	SubjectID    string
	SubjectTitle string
	SubjectPath  string
	// EndDate is a contract's current end date, beside its new one.
	EndDate  domain.Date
	Outcomes []domain.ReviewOutcome
	People   []*domain.Person
	// ReviewerID is the reviewer chosen by default: the signed-in person.
	ReviewerID string
}

// IsContract reports whether the subject is a contract, which alone takes
// a new end date.
func (d reviewFormData) IsContract() bool { return d.SubjectType == domain.ReviewContract }

// loadReviewForm reads the subject and the active people for the form.
func (h *Handler) loadReviewForm(r *http.Request, st domain.ReviewSubjectType, id string) (reviewFormData, error) {
	d := reviewFormData{SubjectType: st, SubjectID: id, Outcomes: reviewOutcomes, ReviewerID: stateOf(r).actor.PersonID}
	var subjectErr error = domain.Errorf(domain.ENOTFOUND, "no such review subject")
	if path, ok := reviewSubjectPages[st]; ok && id != "" {
		d.SubjectPath = path + id
		subjectErr = h.loadReviewSubject(r, &d)
	}
	active := true
	people, err := h.cfg.People.ListPeople(r.Context(), domain.PersonFilter{Active: &active}, domain.PageRequest{Limit: domain.MaxPageSize})
	if err != nil {
		return d, err
	}
	d.People = people.Items
	if me := stateOf(r).me; me != nil {
		found := false
		for _, p := range d.People {
			found = found || p.ID == me.ID
		}
		if !found {
			d.People = append([]*domain.Person{me}, d.People...)
		}
	}
	return d, subjectErr
}

// loadReviewSubject reads the title of the form's subject.
func (h *Handler) loadReviewSubject(r *http.Request, d *reviewFormData) error {
	ctx := r.Context()
	switch d.SubjectType {
	case domain.ReviewContract:
		c, err := h.cfg.Contracts.FindContract(ctx, d.SubjectID)
		if err != nil {
			return err
		}
		d.SubjectTitle, d.EndDate = c.Title, c.EndDate
	case domain.ReviewCloudService:
		c, err := h.cfg.CloudServices.FindCloudService(ctx, d.SubjectID)
		if err != nil {
			return err
		}
		d.SubjectTitle = c.Name
	case domain.ReviewSocialAccount:
		a, err := h.cfg.SocialAccounts.FindSocialAccount(ctx, d.SubjectID)
		if err != nil {
			return err
		}
		d.SubjectTitle = a.Platform.DisplayName(localeOf(r)) + " @" + a.Handle
	}
	return nil
}

// reviewNew shows the form for the subject named in the query.
func (h *Handler) reviewNew(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d, err := h.loadReviewForm(r, domain.ReviewSubjectType(q.Get("subject_type")), q.Get("subject_id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "review_new.html", d)
}

// reviewCreate records the review through the same service call as the
// API's create-review, then returns to the subject's page.
func (h *Handler) reviewCreate(w http.ResponseWriter, r *http.Request) {
	ff := newFormFields(r)
	in := domain.ReviewInput{
		SubjectType: domain.ReviewSubjectType(ff.String("subject_type")),
		SubjectID:   ff.String("subject_id"),
		Outcome:     domain.ReviewOutcome(ff.String("outcome")),
		Notes:       ff.String("notes"),
		ReviewerID:  ff.String("reviewer_id"),
	}
	// An empty reviewed_on is the service's to refuse, with the other
	// fields; only a date that cannot be read is refused here.
	if d := ff.Date("reviewed_on", false); d != nil {
		in.ReviewedOn = *d
	}
	if d := ff.Date("new_end_date", false); d != nil {
		in.NewEndDate = *d
	}
	err := ff.Err()
	if err == nil {
		_, err = h.cfg.Reviews.CreateReview(r.Context(), in)
	}
	if err != nil {
		// The form is shown again with what the person typed; a subject
		// that cannot be read leaves its title out, and the error names it.
		d, _ := h.loadReviewForm(r, in.SubjectType, in.SubjectID)
		h.refused(w, r, "review_new.html", d, err)
		return
	}
	redirect(w, r, reviewSubjectPages[in.SubjectType]+in.SubjectID, "review_created")
}
