package web

import (
	"net/http"
	"sort"

	"github.com/go-chi/chi/v5"

	"github.com/vendorwatch/vendorwatch/domain"
)

// socialAccountRoutes registers the pages of the body's official
// social-media accounts: the list, each account with its rules, the
// hand-over to another responsible person and the status forms, and the
// check of a draft post.
func (h *Handler) socialAccountRoutes(r chi.Router) {
	r.Get("/social-accounts", h.socialList)
	r.Get("/social-accounts/{id}", h.socialShow)
	r.With(h.needs(domain.PermWrite)).Post("/social-accounts/{id}/responsible-person", h.socialHandOver)
	r.With(h.needs(domain.PermWrite)).Post("/social-accounts/{id}/status", h.socialStatus)
	r.With(h.needs(domain.PermWrite)).Get("/social-accounts/{id}/post-check", h.socialPostCheckForm)
	r.With(h.needs(domain.PermWrite)).Post("/social-accounts/{id}/post-check", h.socialPostCheck)
}

// socialPlatforms and socialStatuses are what the list filters offer.
var (
	socialPlatforms = []domain.Platform{domain.PlatformX, domain.PlatformFacebook, domain.PlatformInstagram, domain.PlatformLine,
		domain.PlatformYouTube, domain.PlatformTikTok, domain.PlatformOther}
	socialStatuses = []domain.SocialAccountStatus{domain.SocialActive, domain.SocialSuspended, domain.SocialRetired}
)

// socialListData is what the list page shows.
type socialListData struct {
	Items     []*domain.SocialAccount
	List      List
	Platform  string
	Status    string
	Platforms []domain.Platform
	Statuses  []domain.SocialAccountStatus
}

func (h *Handler) socialList(w http.ResponseWriter, r *http.Request) {
	lq := readList(r)
	q := r.URL.Query()
	platform, status := domain.Platform(q.Get("platform")), domain.SocialAccountStatus(q.Get("status"))
	if !oneOf(platform, socialPlatforms) {
		platform = ""
	}
	if !oneOf(status, socialStatuses) {
		status = ""
	}
	if exported(h, w, r, "social-accounts", func(p domain.PageRequest) (domain.Page[*domain.SocialAccount], error) {
		return h.cfg.SocialAccounts.ListSocialAccounts(r.Context(),
			domain.SocialAccountFilter{Platform: platform, Status: status, Q: lq.Q, FiscalYear: lq.FiscalYear}, p)
	}) {
		return
	}
	page, err := h.cfg.SocialAccounts.ListSocialAccounts(r.Context(),
		domain.SocialAccountFilter{Platform: platform, Status: status, Q: lq.Q, FiscalYear: lq.FiscalYear}, lq.Page)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "social_list.html", socialListData{Items: page.Items, List: newList("/social-accounts", lq, page.NextCursor, h.today()),
		Platform: string(platform), Status: string(status), Platforms: socialPlatforms, Statuses: socialStatuses})
}

// oneOf reports whether v is among the values a filter offers; any other
// value filters nothing.
func oneOf[T comparable](v T, values []T) bool {
	for _, x := range values {
		if x == v {
			return true
		}
	}
	return false
}

// socialShowData is what an account's page shows.
type socialShowData struct {
	// Evidence is the account's files.
	Evidence    *EvidenceSection
	Account     *domain.SocialAccount
	Responsible *domain.Person
	Operators   []*domain.Person
	Department  *domain.Department
	Custodian   *domain.Person
	// Candidates are the active people the account may be handed to.
	Candidates []*domain.Person
	// Moves are the statuses other than the account's own; which moves
	// are allowed is the store's rule, and it refuses the others.
	Moves      []domain.SocialAccountStatus
	ReviewLink string
}

// Platform is the platform's own name.
func (d socialShowData) Platform(l domain.Locale) string { return d.Account.Platform.DisplayName(l) }

// socialShowData loads an account and the people it names.
func (h *Handler) socialShowData(r *http.Request) (socialShowData, error) {
	ctx := r.Context()
	a, err := h.cfg.SocialAccounts.FindSocialAccount(ctx, chi.URLParam(r, "id"))
	if err != nil {
		return socialShowData{}, err
	}
	d := socialShowData{Account: a, ReviewLink: "/reviews/new?subject_type=social_account&subject_id=" + a.ID}
	for _, s := range socialStatuses {
		if s != a.Status {
			d.Moves = append(d.Moves, s)
		}
	}
	find := func(id string) (*domain.Person, error) {
		if id == "" {
			return nil, nil
		}
		p, err := h.cfg.People.FindPerson(ctx, id)
		if domain.ErrorCodeOf(err) == domain.ENOTFOUND {
			return nil, nil
		}
		return p, err
	}
	if d.Responsible, err = find(a.ResponsiblePersonID); err != nil {
		return d, err
	}
	if d.Custodian, err = find(a.Authentication.CredentialCustodianID); err != nil {
		return d, err
	}
	for _, id := range a.OperatorIDs {
		p, err := find(id)
		if err != nil {
			return d, err
		}
		if p != nil {
			d.Operators = append(d.Operators, p)
		}
	}
	if dep, err := h.cfg.Departments.FindDepartment(ctx, a.DepartmentID); err == nil {
		d.Department = dep
	} else if domain.ErrorCodeOf(err) != domain.ENOTFOUND {
		return d, err
	}
	if a.Status != domain.SocialRetired && stateOf(r).actor.Role.Allows(domain.PermWrite) {
		active := true
		people, err := h.cfg.People.ListPeople(ctx, domain.PersonFilter{Active: &active}, domain.PageRequest{Limit: domain.MaxPageSize})
		if err != nil {
			return d, err
		}
		for _, p := range people.Items {
			if p.ID != a.ResponsiblePersonID {
				d.Candidates = append(d.Candidates, p)
			}
		}
	}
	d.Evidence = h.evidenceSection(r, domain.EvidenceSocialAccount, a.ID, nil)
	return d, nil
}

func (h *Handler) socialShow(w http.ResponseWriter, r *http.Request) {
	d, err := h.socialShowData(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "social_show.html", d)
}

// socialRefused shows a refused form of the account's page again; rename
// gives the page's names of the service's fields, where two forms of the
// page would otherwise share one.
func (h *Handler) socialRefused(w http.ResponseWriter, r *http.Request, err error, rename map[string]string) {
	d, loadErr := h.socialShowData(r)
	if loadErr != nil {
		h.fail(w, r, loadErr)
		return
	}
	h.refused(w, r, "social_show.html", d, renameFields(err, func(name string) string {
		if to, ok := rename[name]; ok {
			return to
		}
		return name
	}))
}

// socialHandOver hands the account to another responsible person, as the
// API's change-social-account-responsible-person.
func (h *Handler) socialHandOver(w http.ResponseWriter, r *http.Request) {
	ff := newFormFields(r)
	version := ff.Version()
	id := chi.URLParam(r, "id")
	rename := map[string]string{"reason": "handover_reason"}
	if err := ff.Err(); err != nil {
		h.socialRefused(w, r, err, rename)
		return
	}
	in := domain.ResponsiblePersonChange{PersonID: ff.String("person_id"), Reason: ff.String("handover_reason")}
	if _, err := h.cfg.SocialAccounts.ChangeResponsiblePerson(r.Context(), id, version, in); err != nil {
		h.socialRefused(w, r, err, rename)
		return
	}
	redirect(w, r, "/social-accounts/"+id, "social_handed_over")
}

// socialStatus suspends, reactivates or retires the account with a reason.
func (h *Handler) socialStatus(w http.ResponseWriter, r *http.Request) {
	ff := newFormFields(r)
	version := ff.Version()
	id := chi.URLParam(r, "id")
	to := domain.SocialAccountStatus(ff.String("to"))
	if !oneOf(to, socialStatuses) {
		ff.errors.Add("to", translate(localeOf(r), "form.required"), string(to))
	}
	if err := ff.Err(); err != nil {
		h.socialRefused(w, r, err, nil)
		return
	}
	if _, err := h.cfg.SocialAccounts.ChangeSocialAccountStatus(r.Context(), id, version, to, ff.String("reason")); err != nil {
		h.socialRefused(w, r, err, nil)
		return
	}
	redirect(w, r, "/social-accounts/"+id, "social_status")
}

// postFinding is one finding of a post check as the page lists it: its
// number, what it is and its message in the page's language.
type postFinding struct {
	N       int
	Code    string
	Message string
	Excerpt string
	// InText says whether the finding is marked in the draft.
	InText bool
}

// postSegment is a run of the draft: plain text, or a span marked for the
// findings about it (more than one when their spans overlap).
type postSegment struct {
	Text     string
	Findings []*postFinding
}

// postSegments cuts the draft into plain and marked runs by the spans the
// post check found (domain.PostFinding.Start and End, in runes). The text
// stays text: the template escapes every run, marked or not.
func postSegments(text string, findings []*postFinding, spans []domain.PostFinding) []postSegment {
	runes := []rune(text)
	type span struct {
		start, end int
		f          *postFinding
	}
	var ss []span
	for i, f := range spans {
		if f.End > f.Start && f.Start >= 0 && f.End <= len(runes) {
			ss = append(ss, span{f.Start, f.End, findings[i]})
			findings[i].InText = true
		}
	}
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].start < ss[j].start })
	var out []postSegment
	pos := 0
	for i := 0; i < len(ss); {
		start, end := ss[i].start, ss[i].end
		marked := []*postFinding{ss[i].f}
		for i++; i < len(ss) && ss[i].start < end; i++ {
			end = max(end, ss[i].end)
			marked = append(marked, ss[i].f)
		}
		sort.Slice(marked, func(i, j int) bool { return marked[i].N < marked[j].N })
		if start > pos {
			out = append(out, postSegment{Text: string(runes[pos:start])})
		}
		out = append(out, postSegment{Text: string(runes[start:end]), Findings: marked})
		pos = end
	}
	if pos < len(runes) {
		out = append(out, postSegment{Text: string(runes[pos:])})
	}
	return out
}

// postCheckData is what the post-check page shows.
type postCheckData struct {
	Account *domain.SocialAccount
	// Checked is true once a draft was checked.
	Checked     bool
	Publishable bool
	Findings    []*postFinding
	Segments    []postSegment
}

// Platform is the platform's own name.
func (d postCheckData) Platform(l domain.Locale) string { return d.Account.Platform.DisplayName(l) }

func (h *Handler) socialPostCheckForm(w http.ResponseWriter, r *http.Request) {
	a, err := h.cfg.SocialAccounts.FindSocialAccount(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "social_post_check.html", postCheckData{Account: a})
}

// socialPostCheck checks a draft with the API's check-social-post and
// shows the findings, each marked in the draft.
func (h *Handler) socialPostCheck(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, err := h.cfg.SocialAccounts.FindSocialAccount(ctx, chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := postCheckData{Account: a}
	// The text exactly as typed: the spans are counted in it.
	in := domain.PostCheckInput{Text: r.PostForm.Get("text"), Category: newFormFields(r).String("category")}
	res, err := h.cfg.SocialAccounts.CheckPost(ctx, a.ID, in)
	if err != nil {
		h.refused(w, r, "social_post_check.html", d, err)
		return
	}
	l := localeOf(r)
	d.Checked, d.Publishable = true, res.Publishable
	for i, f := range res.Findings {
		d.Findings = append(d.Findings, &postFinding{N: i + 1, Code: f.Code, Message: findingMessage(l, f), Excerpt: f.Excerpt})
	}
	d.Segments = postSegments(in.Text, d.Findings, res.Findings)
	h.render(w, r, http.StatusOK, &Page{Name: "social_post_check.html", Data: d,
		Form: &Form{Values: r.PostForm, Errors: map[string]string{}}})
}

// findingMessage says what a finding is in the page's language: the
// domain's own sentence in English, a Japanese one by its code otherwise.
func findingMessage(l domain.Locale, f domain.PostFinding) string {
	if l == domain.LocaleEn {
		return f.Message
	}
	key := "social.finding_msg." + f.Code
	if translate(l, key) == key {
		return f.Message
	}
	return translate(l, key, f.Excerpt)
}
