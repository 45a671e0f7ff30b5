package web

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/vendorwatch/vendorwatch/api/reportxlsx"
	"github.com/vendorwatch/vendorwatch/domain"
)

// inspectionRoutes registers the self-inspection (自己点検) pages: the
// campaigns, a new campaign, one campaign's progress by department, an
// assignee's answering page, and the report (printable HTML and XLSX).
func (h *Handler) inspectionRoutes(r chi.Router) {
	r.Get("/inspections", h.campaignList)
	r.With(h.needs(domain.PermWrite)).Get("/inspections/new", h.campaignNew)
	r.With(h.needs(domain.PermWrite)).Post("/inspections", h.campaignCreate)
	r.Get("/inspections/{id}", h.campaignPage)
	r.With(h.needs(domain.PermWrite)).Post("/inspections/{id}/close", h.campaignClose)
	r.Get("/inspections/{id}/report", h.campaignReport)
	r.Get("/inspections/{id}/report.xlsx", h.campaignReportXLSX)
	r.Get("/inspection-assignments/{id}", h.assignmentPage)
	// Answering is the assignee's whatever their role (the service
	// decides), as answer-inspection-item is.
	r.Post("/inspection-answers/{id}", h.answerSave)
	r.Post("/inspection-assignments/{id}/refresh-prefills", h.assignmentRefresh)
	r.Get("/inspection-answers/{id}", h.answerGo)
}

// campaignListData is the campaigns list page's data.
type campaignListData struct {
	Campaigns []*domain.InspectionCampaign
	List      List
	Status    string
}

func (h *Handler) campaignList(w http.ResponseWriter, r *http.Request) {
	lq := readList(r)
	d := campaignListData{}
	f := domain.InspectionCampaignFilter{FiscalYear: lq.FiscalYear}
	switch s := domain.CampaignStatus(r.URL.Query().Get("status")); s {
	case domain.CampaignOpen, domain.CampaignClosed:
		f.Status, d.Status = s, string(s)
	}
	if exported(h, w, r, "inspection-campaigns", func(p domain.PageRequest) (domain.Page[*domain.InspectionCampaign], error) {
		return h.cfg.Inspections.ListInspectionCampaigns(r.Context(), f, p)
	}) {
		return
	}
	page, err := h.cfg.Inspections.ListInspectionCampaigns(r.Context(), f, lq.Page)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Campaigns = page.Items
	d.List = newList("/inspections", lq, page.NextCursor, h.today())
	h.page(w, r, "inspections_list.html", d)
}

// Answered counts a campaign's answered items over all assignees.
func campaignProgress(c *domain.InspectionCampaign) (answered, items int) {
	for _, a := range c.Assignees {
		answered += a.Answered
		items += a.Items
	}
	return answered, items
}

// campaignFormData is what the new campaign form offers.
type campaignFormData struct {
	FiscalYear  int
	Departments []*domain.Department
	People      []*domain.Person
	Items       []*domain.CatalogueItem
	// Chosen are the departments, people and items a refused form had
	// ticked; nil for a new form, which ticks every item.
	Chosen map[string]bool
}

// Ticked reports whether the form ticks value: every item of a new form,
// else what the refused form had.
func (d *campaignFormData) Ticked(value string, item bool) bool {
	if d.Chosen == nil {
		return item
	}
	return d.Chosen[value]
}

func (h *Handler) loadCampaignForm(r *http.Request) (*campaignFormData, error) {
	ctx := r.Context()
	d := &campaignFormData{FiscalYear: domain.FiscalYearOf(h.today())}
	deps, err := h.cfg.Departments.ListDepartments(ctx, domain.DepartmentFilter{}, domain.PageRequest{Limit: domain.MaxPageSize})
	if err != nil {
		return nil, err
	}
	d.Departments = deps.Items
	active := true
	people, err := h.cfg.People.ListPeople(ctx, domain.PersonFilter{Active: &active}, domain.PageRequest{Limit: domain.MaxPageSize})
	if err != nil {
		return nil, err
	}
	d.People = people.Items
	if d.Items, err = h.cfg.Catalogues.ListCatalogueItems(ctx, domain.CatalogueInspectionChecklist, false); err != nil {
		return nil, err
	}
	return d, nil
}

// ItemTitle is a checklist item's title in the page's language.
func itemTitle(it *domain.CatalogueItem, l domain.Locale) string {
	if it == nil {
		return ""
	}
	if l == domain.LocaleEn && it.TitleEn != "" {
		return it.TitleEn
	}
	return it.TitleJa
}

func (h *Handler) campaignNew(w http.ResponseWriter, r *http.Request) {
	d, err := h.loadCampaignForm(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "inspections_new.html", d)
}

// campaignCreate opens the campaign through the same service call as the
// API's create-inspection-campaign.
func (h *Handler) campaignCreate(w http.ResponseWriter, r *http.Request) {
	ff := newFormFields(r)
	in := domain.InspectionCampaignInput{FiscalYear: ff.Int("fiscal_year"), Title: ff.String("title"), Description: ff.String("description"),
		DepartmentIDs: r.PostForm["department_ids"], PersonIDs: nonEmpty(r.PostForm["person_ids"]), ItemCodes: r.PostForm["item_codes"]}
	if d := ff.Date("due_date", false); d != nil {
		in.DueDate = *d
	}
	err := ff.Err()
	var c *domain.InspectionCampaign
	if err == nil {
		if len(in.ItemCodes) == 0 {
			err = domain.Invalid("choose the items", domain.FieldError{Field: "item_codes", Message: translate(localeOf(r), "inspection.choose_items"),
				Ja: translate(domain.LocaleJa, "inspection.choose_items")})
		} else {
			c, err = h.cfg.Inspections.CreateInspectionCampaign(r.Context(), in)
		}
	}
	if err != nil {
		d, lerr := h.loadCampaignForm(r)
		if lerr != nil {
			h.fail(w, r, lerr)
			return
		}
		d.Chosen = map[string]bool{}
		for _, v := range append(append(append([]string(nil), in.DepartmentIDs...), in.PersonIDs...), in.ItemCodes...) {
			d.Chosen[v] = true
		}
		h.refused(w, r, "inspections_new.html", d, err)
		return
	}
	redirect(w, r, "/inspections/"+c.ID, "campaign_created")
}

func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// departmentProgress is one department's line of a campaign's progress.
type departmentProgress struct {
	Name      string
	Assignees int
	Items     int
	Answered  int
}

// assigneeLine is one assignee of a campaign.
type assigneeLine struct {
	A          domain.InspectionAssignee
	Person     string
	Department string
}

// campaignData is one campaign's page data.
type campaignData struct {
	C           *domain.InspectionCampaign
	Departments []departmentProgress
	Assignees   []assigneeLine
	Items       []string
	Answered    int
	Total       int
	// Mine is the signed-in person's assignment, "" when none.
	Mine string
	Open bool
}

// names reads department and person names once per page.
type names struct {
	h      *Handler
	r      *http.Request
	depts  map[string]string
	people map[string]string
}

func (h *Handler) names(r *http.Request) *names {
	return &names{h: h, r: r, depts: map[string]string{}, people: map[string]string{}}
}

func (n *names) dept(id string) string {
	if v, ok := n.depts[id]; ok {
		return v
	}
	v := id
	if d, err := n.h.cfg.Departments.FindDepartment(n.r.Context(), id); err == nil {
		v = d.Name
		if localeOf(n.r) == domain.LocaleEn && d.NameEn != "" {
			v = d.NameEn
		}
	}
	n.depts[id] = v
	return v
}

func (n *names) person(id string) string {
	if v, ok := n.people[id]; ok {
		return v
	}
	v := n.h.personName(n.r, id)
	n.people[id] = v
	return v
}

func (h *Handler) loadCampaign(r *http.Request, id string) (*campaignData, error) {
	ctx := r.Context()
	c, err := h.cfg.Inspections.FindInspectionCampaign(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &campaignData{C: c, Open: c.Status == domain.CampaignOpen}
	n := h.names(r)
	byDept := map[string]*departmentProgress{}
	var order []string
	me := stateOf(r).actor.PersonID
	for _, a := range c.Assignees {
		dp, ok := byDept[a.DepartmentID]
		if !ok {
			dp = &departmentProgress{Name: n.dept(a.DepartmentID)}
			byDept[a.DepartmentID] = dp
			order = append(order, a.DepartmentID)
		}
		dp.Assignees++
		dp.Items += a.Items
		dp.Answered += a.Answered
		d.Assignees = append(d.Assignees, assigneeLine{A: a, Person: n.person(a.PersonID), Department: dp.Name})
		if a.PersonID == me {
			d.Mine = a.ID
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return byDept[order[i]].Name < byDept[order[j]].Name })
	for _, id := range order {
		d.Departments = append(d.Departments, *byDept[id])
	}
	d.Answered, d.Total = campaignProgress(c)
	items, err := h.cfg.Catalogues.ListCatalogueItems(ctx, domain.CatalogueInspectionChecklist, true)
	if err != nil {
		return nil, err
	}
	for _, code := range c.ItemCodes {
		for _, it := range items {
			if it.Code == code {
				d.Items = append(d.Items, itemTitle(it, localeOf(r)))
			}
		}
	}
	return d, nil
}

func (h *Handler) campaignPage(w http.ResponseWriter, r *http.Request) {
	d, err := h.loadCampaign(r, chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "inspections_show.html", d)
}

func (h *Handler) campaignClose(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	ff := newFormFields(r)
	version := ff.Version()
	err := ff.Err()
	if err == nil {
		_, err = h.cfg.Inspections.CloseInspectionCampaign(r.Context(), id, version)
	}
	if err != nil {
		d, lerr := h.loadCampaign(r, id)
		if lerr != nil {
			h.fail(w, r, lerr)
			return
		}
		h.refused(w, r, "inspections_show.html", d, err)
		return
	}
	redirect(w, r, "/inspections/"+id, "campaign_closed")
}

// answerItem is one item of the answering page.
type answerItem struct {
	A     *domain.InspectionAnswer
	Title string
	// Refused: the form that was refused is this item's.
	Refused bool
}

// KeptKey is the message saying whether the answer kept the register's
// suggestion; "" for an item without one or not answered.
func (it answerItem) KeptKey() string {
	switch {
	case it.A.KeptPrefill == nil:
		return ""
	case *it.A.KeptPrefill:
		return "inspection.kept"
	}
	return "inspection.changed"
}

// assignmentData is the answering page's data.
type assignmentData struct {
	S          *domain.InspectionAssignment
	Person     string
	Department string
	Items      []answerItem
	// MayAnswer: the signed-in person is the assignee, or may write the
	// registers; the service decides anyway.
	MayAnswer  bool
	Open       bool
	Severities []domain.Severity
	Answers    []domain.AnswerValue
}

func (h *Handler) loadAssignment(r *http.Request, id, refused string) (*assignmentData, error) {
	ctx := r.Context()
	s, err := h.cfg.Inspections.FindInspectionAssignment(ctx, id)
	if err != nil {
		return nil, err
	}
	n := h.names(r)
	st := stateOf(r)
	d := &assignmentData{S: s, Person: n.person(s.PersonID), Department: n.dept(s.DepartmentID),
		MayAnswer: st.actor.PersonID == s.PersonID || st.actor.Role.Allows(domain.PermWrite), Open: s.Campaign.Status == domain.CampaignOpen,
		Severities: []domain.Severity{domain.SeverityLow, domain.SeverityMedium, domain.SeverityHigh},
		Answers:    []domain.AnswerValue{domain.AnswerCompliant, domain.AnswerNotCompliant, domain.AnswerNotApplicable}}
	items, err := h.cfg.Catalogues.ListCatalogueItems(ctx, domain.CatalogueInspectionChecklist, true)
	if err != nil {
		return nil, err
	}
	byCode := map[string]*domain.CatalogueItem{}
	for _, it := range items {
		byCode[it.Code] = it
	}
	for _, a := range s.Answers {
		title := itemTitle(byCode[a.ItemCode], localeOf(r))
		if title == "" {
			title = a.ItemCode
		}
		d.Items = append(d.Items, answerItem{A: a, Title: title, Refused: a.ID == refused})
	}
	return d, nil
}

func (h *Handler) assignmentPage(w http.ResponseWriter, r *http.Request) {
	d, err := h.loadAssignment(r, chi.URLParam(r, "id"), "")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "inspection_answer.html", d)
}

// assignmentRefresh reads the register again for the unanswered items, as
// refresh-inspection-prefills does.
func (h *Handler) assignmentRefresh(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if _, err := h.cfg.Inspections.RefreshInspectionPrefills(r.Context(), id); err != nil {
		d, lerr := h.loadAssignment(r, id, "")
		if lerr != nil {
			h.fail(w, r, lerr)
			return
		}
		h.refused(w, r, "inspection_answer.html", d, err)
		return
	}
	redirect(w, r, "/inspection-assignments/"+id, "prefills_refreshed")
}

// answerData is one answer's page: what was answered, and its evidence
// files (a corrective action's source links here).
type answerData struct {
	A          *domain.InspectionAnswer
	Title      string
	Campaign   *domain.InspectionCampaign
	Person     string
	Department string
	Evidence   *EvidenceSection
}

// answerGo shows one answer with its evidence files.
func (h *Handler) answerGo(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, err := h.cfg.Inspections.FindInspectionAnswer(ctx, chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.cfg.Inspections.FindInspectionCampaign(ctx, a.CampaignID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	n := h.names(r)
	d := answerData{A: a, Title: a.ItemCode, Campaign: c, Person: n.person(a.PersonID), Department: n.dept(a.DepartmentID),
		Evidence: h.evidenceSection(r, domain.EvidenceInspectionAnswer, a.ID, nil)}
	if it, err := h.cfg.Catalogues.FindCatalogueItem(ctx, domain.CatalogueInspectionChecklist, a.ItemCode); err == nil {
		d.Title = itemTitle(it, localeOf(r))
	}
	h.page(w, r, "inspection_answer_show.html", d)
}

// answerFields names an item's form fields: each item of the page has its
// own form, and its fields carry the answer's id so that a refused form's
// errors and values stay with their item.
func answerFields(id string) map[string]string {
	return map[string]string{
		"answer": "answer-" + id, "note": "note-" + id, "action.due_date": "action_due_date-" + id,
		"action.severity": "action_severity-" + id, "action.owner_id": "action_due_date-" + id, "action.description": "note-" + id,
	}
}

// answerSave answers one item through the same service call as the API's
// answer-inspection-item, then returns to the item on the answering page.
func (h *Handler) answerSave(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	ff := newFormFields(r)
	in := domain.InspectionAnswerInput{Answer: domain.AnswerValue(ff.String("answer-" + id)), Note: ff.String("note-" + id)}
	due := ff.Date("action_due_date-"+id, false)
	if in.Answer == domain.AnswerNotCompliant && (due != nil || ff.String("action_severity-"+id) != "") {
		in.Action = &domain.ActionRequest{Severity: domain.Severity(ff.String("action_severity-" + id))}
		if due != nil {
			in.Action.DueDate = *due
		}
	}
	version := ff.Version()
	err := ff.Err()
	var a *domain.InspectionAnswer
	if err == nil {
		if a, err = h.cfg.Inspections.FindInspectionAnswer(r.Context(), id); err == nil {
			a, err = h.cfg.Inspections.AnswerInspectionItem(r.Context(), id, version, in)
		}
	}
	if err != nil {
		if domain.ErrorCodeOf(err) == domain.ENOTFOUND {
			h.fail(w, r, err)
			return
		}
		assignment := r.PostForm.Get("assignment_id")
		d, lerr := h.loadAssignment(r, assignment, id)
		if lerr != nil {
			h.fail(w, r, lerr)
			return
		}
		h.refused(w, r, "inspection_answer.html", d, renameFields(err, byName(answerFields(id))))
		return
	}
	redirectTo(w, r, "/inspection-assignments/"+a.AssignmentID, "answer_saved", "answer-"+id)
}

// redirectTo is redirect to a place (#fragment) on the target page, the
// notice asked for before the fragment.
func redirectTo(w http.ResponseWriter, r *http.Request, target, flash, fragment string) {
	http.Redirect(w, r, target+"?done="+flash+"#"+fragment, http.StatusSeeOther)
}

// byName renames the fields names lists; the others keep theirs.
func byName(names map[string]string) func(string) string {
	return func(f string) string {
		if n, ok := names[f]; ok {
			return n
		}
		return f
	}
}

// reportData is a report page's data.
type reportData struct {
	R *domain.InspectionReport
	// Figures are the register's figures as lines.
	Figures []reportxlsx.Figure
	// Back is the campaign's or audit's page; XLSX the workbook's.
	Back, XLSX string
	// DefaultName: the body's name is still the default, not yet set.
	DefaultName bool
	Heading     string
	FiscalYear  string
}

func (h *Handler) reportPage(w http.ResponseWriter, r *http.Request, rep *domain.InspectionReport, back string) {
	d := reportData{R: rep, Figures: reportxlsx.Figures(rep.Figures), Back: back, XLSX: back + "/report.xlsx",
		DefaultName: rep.BodyName == domain.DefaultBodyName, Heading: reportxlsx.Title(rep),
		FiscalYear: reportxlsx.FiscalYearJa(rep.FiscalYear, stateOf(r).era)}
	// The report is a document of the body: Japanese whatever the
	// reader's language.
	h.render(w, r, http.StatusOK, &Page{Name: "inspection_report.html", Locale: domain.LocaleJa, Data: d})
}

func (h *Handler) reportXLSX(w http.ResponseWriter, r *http.Request, rep *domain.InspectionReport) {
	b, err := reportxlsx.Write(rep, reportxlsx.Options{Era: stateOf(r).era})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", reportxlsx.MediaType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+reportxlsx.FileName(rep)+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

func (h *Handler) campaignReport(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	rep, err := h.cfg.Inspections.InspectionReport(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.reportPage(w, r, rep, "/inspections/"+id)
}

func (h *Handler) campaignReportXLSX(w http.ResponseWriter, r *http.Request) {
	rep, err := h.cfg.Inspections.InspectionReport(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.reportXLSX(w, r, rep)
}
