package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/vendorwatch/vendorwatch/domain"
)

// cloudServiceRoutes registers the pages of the services used under the
// provider's standard terms (約款による外部サービス): the list, the request
// form, and each service with its terms checklist, approval and rejection.
func (h *Handler) cloudServiceRoutes(r chi.Router) {
	r.Get("/cloud-services", h.cloudList)
	r.With(h.needs(domain.PermWrite)).Get("/cloud-services/new", h.cloudNew)
	r.With(h.needs(domain.PermWrite)).Post("/cloud-services", h.cloudCreate)
	r.Get("/cloud-services/{id}", h.cloudShow)
	r.With(h.needs(domain.PermWrite)).Post("/cloud-services/{id}/terms-checks", h.cloudAnswer)
	r.With(h.needs(domain.PermWrite)).Post("/cloud-services/{id}/approve", h.cloudApprove)
	r.With(h.needs(domain.PermWrite)).Post("/cloud-services/{id}/reject", h.cloudReason(domain.CloudServiceService.RejectCloudService, "cloud_rejected"))
	r.With(h.needs(domain.PermWrite)).Post("/cloud-services/{id}/retire", h.cloudReason(domain.CloudServiceService.RetireCloudService, "cloud_retired"))
}

// cloudStatuses are the statuses the list filter offers, in their order.
var cloudStatuses = []domain.CloudServiceStatus{domain.CloudRequested, domain.CloudApproved, domain.CloudRejected, domain.CloudRetired}

// confidentialities are the classes the request form offers, lowest first.
var confidentialities = []domain.Confidentiality{domain.Confidentiality1, domain.Confidentiality2, domain.Confidentiality3,
	domain.Confidentiality3C, domain.Confidentiality3B, domain.Confidentiality3A}

// cloudListData is what the list page shows.
type cloudListData struct {
	Items    []*domain.CloudService
	List     List
	Status   string
	Statuses []domain.CloudServiceStatus
}

func (h *Handler) cloudList(w http.ResponseWriter, r *http.Request) {
	lq := readList(r)
	status := domain.CloudServiceStatus(r.URL.Query().Get("status"))
	known := false
	for _, s := range cloudStatuses {
		known = known || s == status
	}
	if !known {
		status = ""
	}
	if exported(h, w, r, "cloud-services", func(p domain.PageRequest) (domain.Page[*domain.CloudService], error) {
		return h.cfg.CloudServices.ListCloudServices(r.Context(),
			domain.CloudServiceFilter{Status: status, Q: lq.Q, FiscalYear: lq.FiscalYear}, p)
	}) {
		return
	}
	page, err := h.cfg.CloudServices.ListCloudServices(r.Context(),
		domain.CloudServiceFilter{Status: status, Q: lq.Q, FiscalYear: lq.FiscalYear}, lq.Page)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "cloud_list.html", cloudListData{Items: page.Items, List: newList("/cloud-services", lq, page.NextCursor, h.today()),
		Status: string(status), Statuses: cloudStatuses})
}

// cloudCheckRow is one item of the terms checklist on a form: the
// catalogue's item and the service's answer to it, if any.
type cloudCheckRow struct {
	// Index is the row's place on the form: its fields are
	// terms_checks[Index].answer and terms_checks[Index].note.
	Index  int
	Item   *domain.CatalogueItem
	Answer *domain.TermsCheck
}

// Title is the item's title in the page's language.
func (c cloudCheckRow) Title(l domain.Locale) string {
	if l == domain.LocaleEn && c.Item.TitleEn != "" {
		return c.Item.TitleEn
	}
	return c.Item.TitleJa
}

// Field names one field of the row, as the form and its errors name it.
func (c cloudCheckRow) Field(name string) string {
	if name == "" {
		return fmt.Sprintf("terms_checks[%d]", c.Index)
	}
	return fmt.Sprintf("terms_checks[%d].%s", c.Index, name)
}

// AnswerValue is the stored answer, for the form's first showing.
func (c cloudCheckRow) AnswerValue() string {
	if c.Answer == nil {
		return ""
	}
	return string(c.Answer.Answer)
}

// NoteValue is the stored note, for the form's first showing.
func (c cloudCheckRow) NoteValue() string {
	if c.Answer == nil {
		return ""
	}
	return c.Answer.Note
}

// confidentialityOption is one class of the request form, with whether a
// service under standard terms may handle it (domain.MaxCloudConfidentiality).
type confidentialityOption struct {
	Value   domain.Confidentiality
	Allowed bool
}

// cloudFormData is what the request form shows.
type cloudFormData struct {
	Checks           []cloudCheckRow
	Classes          []confidentialityOption
	Ceiling          domain.Confidentiality
	People           []*domain.Person
	Departments      []*domain.Department
	MyID, MyDepartID string
}

// cloudFormData loads the checklist, the people and the departments.
func (h *Handler) cloudFormData(r *http.Request) (cloudFormData, error) {
	ctx := r.Context()
	d := cloudFormData{Ceiling: domain.MaxCloudConfidentiality}
	for _, c := range confidentialities {
		d.Classes = append(d.Classes, confidentialityOption{Value: c, Allowed: c.Compare(domain.MaxCloudConfidentiality) <= 0})
	}
	items, err := h.cfg.Catalogues.ListCatalogueItems(ctx, domain.CatalogueTermsChecks, false)
	if err != nil {
		return d, err
	}
	for i, it := range items {
		d.Checks = append(d.Checks, cloudCheckRow{Index: i, Item: it})
	}
	active := true
	people, err := h.cfg.People.ListPeople(ctx, domain.PersonFilter{Active: &active}, domain.PageRequest{Limit: domain.MaxPageSize})
	if err != nil {
		return d, err
	}
	deps, err := h.cfg.Departments.ListDepartments(ctx, domain.DepartmentFilter{}, domain.PageRequest{Limit: domain.MaxPageSize})
	if err != nil {
		return d, err
	}
	d.People, d.Departments = people.Items, deps.Items
	if me := stateOf(r).me; me != nil {
		d.MyID, d.MyDepartID = me.ID, me.DepartmentID
	}
	return d, nil
}

// cloudText is one text field of the request form.
type cloudText struct {
	Name, Label, Hint, Type string
	Optional                bool
}

// cloudTexts are the request form's text fields by their names (the JSON
// names the service reports errors under).
var cloudTexts = map[string]cloudText{
	"name":                       {Label: "cloud.name", Type: "text"},
	"provider":                   {Label: "cloud.provider", Type: "text"},
	"permitted_uses[0]":          {Label: "cloud.purpose", Hint: "cloud.purpose_h", Type: "text", Optional: true},
	"service_url":                {Label: "cloud.service_url", Type: "url", Optional: true},
	"terms_url":                  {Label: "cloud.terms_url", Hint: "cloud.terms_url_h", Type: "url"},
	"terms_version":              {Label: "cloud.terms_ver", Hint: "cloud.terms_ver_h", Type: "text"},
	"information_assets[0].name": {Label: "cloud.info_name", Hint: "cloud.info_name_h", Type: "text"},
}

// TextField describes the request form's text field name.
func (cloudFormData) TextField(name string) cloudText {
	t := cloudTexts[name]
	t.Name = name
	return t
}

func (h *Handler) cloudNew(w http.ResponseWriter, r *http.Request) {
	d, err := h.cloudFormData(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "cloud_new.html", d)
}

func (h *Handler) cloudCreate(w http.ResponseWriter, r *http.Request) {
	d, err := h.cloudFormData(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ff := newFormFields(r)
	in := domain.CloudServiceInput{
		Name: ff.String("name"), Provider: ff.String("provider"), ServiceURL: ff.String("service_url"),
		TermsURL: ff.String("terms_url"), TermsVersion: ff.String("terms_version"),
		ResponsiblePersonID: ff.String("responsible_person_id"), DepartmentID: ff.String("department_id"),
		ReviewIntervalMonths: ff.Int("review_interval_months"),
	}
	if day := ff.Date("terms_reviewed_at", false); day != nil {
		in.TermsReviewedAt = *day
	}
	if use := ff.String("permitted_uses[0]"); use != "" {
		in.PermittedUses = []string{use}
	}
	in.InformationAssets = []domain.InformationAsset{{
		Name: ff.String("information_assets[0].name"),
		Classification: domain.Classification{
			Confidentiality: domain.Confidentiality(ff.String("information_assets[0].classification.confidentiality")),
			Integrity:       ff.Int("information_assets[0].classification.integrity"),
			Availability:    ff.Int("information_assets[0].classification.availability"),
		},
	}}
	checks, formIndex := termsChecksOf(ff, d.Checks, nil)
	in.TermsChecks = checks
	if err := ff.Err(); err != nil {
		h.refused(w, r, "cloud_new.html", d, err)
		return
	}
	c, err := h.cfg.CloudServices.CreateCloudService(r.Context(), in)
	if err != nil {
		h.refused(w, r, "cloud_new.html", d, renameTermsChecks(err, codesOf(in.TermsChecks), formIndex))
		return
	}
	redirect(w, r, "/cloud-services/"+c.ID, "cloud_requested")
}

// termsChecksOf reads the answered items of the checklist form: an item
// left unanswered is not sent (the service wants every item only at
// approval). It returns the answers and each code's row on the form, so
// that the service's errors, which number the answers sent, land next to
// their rows. A stored answer (from stored, by code) that was given for
// other terms keeps those terms unless the person says they read the
// current terms: sending it back as it was leaves it stale, as the API does.
func termsChecksOf(ff *formFields, rows []cloudCheckRow, stored map[string]domain.TermsCheck) ([]domain.TermsCheck, map[string]int) {
	checks := []domain.TermsCheck{}
	formIndex := map[string]int{}
	for _, row := range rows {
		answer := ff.String(row.Field("answer"))
		if answer == "" {
			continue
		}
		c := domain.TermsCheck{Code: row.Item.Code, Answer: domain.TermsAnswer(answer), Note: ff.String(row.Field("note"))}
		if prev, ok := stored[row.Item.Code]; ok && prev.Stale && !ff.Bool(row.Field("reread")) {
			c.TermsVersion, c.TermsURL = prev.TermsVersion, prev.TermsURL
		}
		formIndex[c.Code] = row.Index
		checks = append(checks, c)
	}
	return checks, formIndex
}

func codesOf(checks []domain.TermsCheck) []string {
	out := make([]string, len(checks))
	for i, c := range checks {
		out[i] = c.Code
	}
	return out
}

// renameTermsChecks renames the service's terms_checks[j] fields (j the
// place of the answer in what was sent or stored, codes[j] its item) to
// the form's row of that item, so each error shows next to its row.
func renameTermsChecks(err error, codes []string, formIndex map[string]int) error {
	e, ok := errorsAs(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]domain.FieldError, len(e.Fields))
	for i, fe := range e.Fields {
		out.Fields[i] = fe
		name := strings.TrimPrefix(fe.Field, "body.")
		rest, found := strings.CutPrefix(name, "terms_checks[")
		if !found {
			continue
		}
		num, tail, found := strings.Cut(rest, "]")
		j, convErr := strconv.Atoi(num)
		if !found || convErr != nil || j < 0 || j >= len(codes) {
			continue
		}
		if row, ok := formIndex[codes[j]]; ok {
			out.Fields[i].Field = fmt.Sprintf("terms_checks[%d]%s", row, tail)
		}
	}
	return &out
}

// cloudShowData is what a service's page shows.
type cloudShowData struct {
	Service     *domain.CloudService
	Checks      []cloudCheckRow
	Highest     domain.Confidentiality
	Responsible *domain.Person
	Requester   *domain.Person
	Approver    *domain.Person
	Department  *domain.Department
	ReviewLink  string
	// Evidence is the service's files.
	Evidence *EvidenceSection
}

// Requested reports whether the service waits for its decision.
func (d cloudShowData) Requested() bool { return d.Service.Status == domain.CloudRequested }

// Retirable reports whether the service may be retired.
func (d cloudShowData) Retirable() bool {
	return d.Service.Status == domain.CloudApproved || d.Service.Status == domain.CloudRejected
}

// cloudShowData loads a service with its checklist and the people it
// names.
func (h *Handler) cloudShowData(r *http.Request) (cloudShowData, error) {
	ctx := r.Context()
	c, err := h.cfg.CloudServices.FindCloudService(ctx, chi.URLParam(r, "id"))
	if err != nil {
		return cloudShowData{}, err
	}
	d := cloudShowData{Service: c, Highest: domain.HighestConfidentiality(c.InformationAssets),
		ReviewLink: "/reviews/new?subject_type=cloud_service&subject_id=" + c.ID}
	items, err := h.cfg.Catalogues.ListCatalogueItems(ctx, domain.CatalogueTermsChecks, true)
	if err != nil {
		return d, err
	}
	answers := map[string]*domain.TermsCheck{}
	for i := range c.TermsChecks {
		answers[c.TermsChecks[i].Code] = &c.TermsChecks[i]
	}
	for _, it := range items {
		// A retired item stays where it was answered; it is not asked
		// for anew.
		if it.RetiredAt != nil && answers[it.Code] == nil {
			continue
		}
		d.Checks = append(d.Checks, cloudCheckRow{Index: len(d.Checks), Item: it, Answer: answers[it.Code]})
	}
	people := map[string]**domain.Person{c.ResponsiblePersonID: &d.Responsible, c.RequesterID: &d.Requester, c.ApproverID: &d.Approver}
	for id, dst := range people {
		if id == "" {
			continue
		}
		p, err := h.cfg.People.FindPerson(ctx, id)
		if err != nil && domain.ErrorCodeOf(err) != domain.ENOTFOUND {
			return d, err
		}
		*dst = p
	}
	if d.Requester == nil && c.RequesterID != "" && c.RequesterID == c.ResponsiblePersonID {
		d.Requester = d.Responsible
	}
	if dep, err := h.cfg.Departments.FindDepartment(ctx, c.DepartmentID); err == nil {
		d.Department = dep
	} else if domain.ErrorCodeOf(err) != domain.ENOTFOUND {
		return d, err
	}
	d.Evidence = h.evidenceSection(r, domain.EvidenceCloudService, c.ID, nil)
	return d, nil
}

func (h *Handler) cloudShow(w http.ResponseWriter, r *http.Request) {
	d, err := h.cloudShowData(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "cloud_show.html", d)
}

// cloudAnswer records the terms checklist of a requested service: the
// service's other fields are sent back as they are, as the API's replace.
func (h *Handler) cloudAnswer(w http.ResponseWriter, r *http.Request) {
	d, err := h.cloudShowData(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c := d.Service
	ff := newFormFields(r)
	version := ff.Version()
	stored := map[string]domain.TermsCheck{}
	for _, tc := range c.TermsChecks {
		stored[tc.Code] = tc
	}
	checks, formIndex := termsChecksOf(ff, d.Checks, stored)
	// Answers to items the form does not show are kept as they are.
	for _, tc := range c.TermsChecks {
		if _, shown := formIndex[tc.Code]; !shown && !onForm(d.Checks, tc.Code) {
			tc.Stale = false
			checks = append(checks, tc)
		}
	}
	if err := ff.Err(); err != nil {
		h.refused(w, r, "cloud_show.html", d, err)
		return
	}
	in := domain.CloudServiceInput{
		Name: c.Name, Provider: c.Provider, ServiceURL: c.ServiceURL, TermsURL: c.TermsURL, TermsVersion: c.TermsVersion,
		TermsReviewedAt: c.TermsReviewedAt, PermittedUses: c.PermittedUses, InformationAssets: c.InformationAssets,
		ResponsiblePersonID: c.ResponsiblePersonID, DepartmentID: c.DepartmentID, TermsChecks: checks,
		ReviewIntervalMonths: c.ReviewIntervalMonths,
	}
	if _, err := h.cfg.CloudServices.ReplaceCloudService(r.Context(), c.ID, version, in); err != nil {
		h.refused(w, r, "cloud_show.html", d, renameTermsChecks(err, codesOf(checks), formIndex))
		return
	}
	redirect(w, r, "/cloud-services/"+c.ID, "cloud_answered")
}

func onForm(rows []cloudCheckRow, code string) bool {
	for _, row := range rows {
		if row.Item.Code == code {
			return true
		}
	}
	return false
}

// cloudApprove approves a requested service; the store decides who may
// (the supervisor or ciso security role, not the requester) and the page
// shows its refusal.
func (h *Handler) cloudApprove(w http.ResponseWriter, r *http.Request) {
	ff := newFormFields(r)
	version := ff.Version()
	id := chi.URLParam(r, "id")
	err := ff.Err()
	if err == nil {
		_, err = h.cfg.CloudServices.ApproveCloudService(r.Context(), id, version)
	}
	if err == nil {
		redirect(w, r, "/cloud-services/"+id, "cloud_approved")
		return
	}
	d, loadErr := h.cloudShowData(r)
	if loadErr != nil {
		h.fail(w, r, loadErr)
		return
	}
	formIndex := map[string]int{}
	for _, row := range d.Checks {
		formIndex[row.Item.Code] = row.Index
	}
	h.refused(w, r, "cloud_show.html", d, renameTermsChecks(err, codesOf(d.Service.TermsChecks), formIndex))
}

// cloudReason is a form that moves a service with a reason (reject,
// retire).
func (h *Handler) cloudReason(call func(domain.CloudServiceService, context.Context, string, *int, string) (*domain.CloudService, error), flash string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ff := newFormFields(r)
		version := ff.Version()
		id := chi.URLParam(r, "id")
		err := ff.Err()
		if err == nil {
			_, err = call(h.cfg.CloudServices, r.Context(), id, version, ff.String("reason"))
		}
		if err == nil {
			redirect(w, r, "/cloud-services/"+id, flash)
			return
		}
		d, loadErr := h.cloudShowData(r)
		if loadErr != nil {
			h.fail(w, r, loadErr)
			return
		}
		h.refused(w, r, "cloud_show.html", d, err)
	}
}
