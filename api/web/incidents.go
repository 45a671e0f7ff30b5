package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/vendorwatch/vendorwatch/domain"
)

// incidentRoutes registers the incident pages (情報セキュリティインシデント,
// 第6 ⑦): the list, the new incident form, one incident with its timeline,
// and its forms: record the next step, open a corrective action, suspend an
// involved vendor or account, mark it published.
func (h *Handler) incidentRoutes(r chi.Router) {
	r.Get("/incidents", h.incidentList)
	r.With(h.needs(domain.PermWrite)).Get("/incidents/new", h.incidentNew)
	r.With(h.needs(domain.PermWrite)).Post("/incidents", h.incidentCreate)
	r.Get("/incidents/{id}", h.incidentPage)
	r.With(h.needs(domain.PermWrite)).Post("/incidents/{id}/steps", h.incidentStep)
	r.With(h.needs(domain.PermWrite)).Post("/incidents/{id}/corrective-actions", h.incidentAction)
	r.With(h.needs(domain.PermWrite)).Post("/incidents/{id}/suspensions", h.incidentSuspend)
	r.With(h.needs(domain.PermWrite)).Post("/incidents/{id}/publication", h.incidentPublish)
}

// incidentListData is the list page's data.
type incidentListData struct {
	Items      []*domain.Incident
	List       List
	Status     string
	Statuses   []domain.IncidentStep
	Severity   string
	Severities []domain.IncidentSeverityLevel
	Owner      string
	Open       bool
}

// SeverityTitle names a severity code in the page's language.
func (d incidentListData) SeverityTitle(code string, l domain.Locale) string {
	return severityTitle(d.Severities, code, l)
}

func severityTitle(levels []domain.IncidentSeverityLevel, code string, l domain.Locale) string {
	for _, s := range levels {
		if s.Code == code {
			return s.Title(l)
		}
	}
	return code
}

func (h *Handler) incidentList(w http.ResponseWriter, r *http.Request) {
	lq := readList(r)
	q := r.URL.Query()
	settings, err := h.cfg.Settings.GetSettings(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := incidentListData{Statuses: domain.IncidentSteps, Severities: settings.IncidentSeverities}
	f := domain.IncidentFilter{FiscalYear: lq.FiscalYear, Q: lq.Q}
	if s := domain.IncidentStep(q.Get("status")); s.Index() >= 0 {
		f.Status, d.Status = s, string(s)
	}
	if _, ok := settings.IncidentSeverityOf(q.Get("severity")); ok {
		f.Severity, d.Severity = q.Get("severity"), q.Get("severity")
	}
	if q.Get("open") == "1" {
		f.Open, d.Open = true, true
	}
	if q.Get("owner") == "me" {
		d.Owner = "me"
		if me := stateOf(r).me; me != nil {
			f.OwnerID = me.ID
		}
	}
	if id := q.Get("record_id"); isUUID(id) {
		f.RecordID = id
	}
	if exported(h, w, r, "incidents", func(p domain.PageRequest) (domain.Page[*domain.Incident], error) {
		return h.cfg.Incidents.ListIncidents(r.Context(), f, p)
	}) {
		return
	}
	page, err := h.cfg.Incidents.ListIncidents(r.Context(), f, lq.Page)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Items, d.List = page.Items, newList("/incidents", lq, page.NextCursor, h.today())
	h.page(w, r, "incidents_list.html", d)
}

// incidentOption is one choice of a record select.
type incidentOption struct {
	ID, Name string
}

// incidentFormData is what the new incident form offers.
type incidentFormData struct {
	Severities     []domain.IncidentSeverityLevel
	People         []*domain.Person
	Vendors        []incidentOption
	Contracts      []incidentOption
	CloudServices  []incidentOption
	SocialAccounts []incidentOption
	Classes        []domain.Confidentiality
	MyID           string
	// Now is the default detection time, as datetime-local wants it.
	Now string
}

// incidentRecordFields are the form's selects of involved records, in the
// order their records are sent.
var incidentRecordFields = []struct {
	Type  domain.IncidentRecordType
	Field string
}{
	{domain.RecordVendor, "record_vendor"},
	{domain.RecordContract, "record_contract"},
	{domain.RecordCloudService, "record_cloud_service"},
	{domain.RecordSocialAccount, "record_social_account"},
}

func (h *Handler) incidentFormData(r *http.Request) (incidentFormData, error) {
	ctx := r.Context()
	all := domain.PageRequest{Limit: domain.MaxPageSize}
	d := incidentFormData{Classes: confidentialities, Now: time.Now().In(tokyo).Format("2006-01-02T15:04")}
	settings, err := h.cfg.Settings.GetSettings(ctx)
	if err != nil {
		return d, err
	}
	d.Severities = settings.IncidentSeverities
	active := true
	people, err := h.cfg.People.ListPeople(ctx, domain.PersonFilter{Active: &active}, all)
	if err != nil {
		return d, err
	}
	d.People = people.Items
	vendors, err := h.cfg.Vendors.ListVendors(ctx, domain.VendorFilter{}, all)
	if err != nil {
		return d, err
	}
	for _, v := range vendors.Items {
		d.Vendors = append(d.Vendors, incidentOption{v.ID, v.Name})
	}
	contracts, err := h.cfg.Contracts.ListContracts(ctx, domain.ContractFilter{}, all)
	if err != nil {
		return d, err
	}
	for _, c := range contracts.Items {
		d.Contracts = append(d.Contracts, incidentOption{c.ID, c.Title})
	}
	services, err := h.cfg.CloudServices.ListCloudServices(ctx, domain.CloudServiceFilter{}, all)
	if err != nil {
		return d, err
	}
	for _, c := range services.Items {
		d.CloudServices = append(d.CloudServices, incidentOption{c.ID, c.Name})
	}
	accounts, err := h.cfg.SocialAccounts.ListSocialAccounts(ctx, domain.SocialAccountFilter{}, all)
	if err != nil {
		return d, err
	}
	for _, a := range accounts.Items {
		d.SocialAccounts = append(d.SocialAccounts, incidentOption{a.ID, a.Platform.DisplayName(localeOf(r)) + " @" + a.Handle})
	}
	if me := stateOf(r).me; me != nil {
		d.MyID = me.ID
	}
	return d, nil
}

func (h *Handler) incidentNew(w http.ResponseWriter, r *http.Request) {
	d, err := h.incidentFormData(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "incidents_new.html", d)
}

// localTime reads a datetime-local field (the body's time zone).
func localTime(ff *formFields, name string, required bool) *time.Time {
	v := ff.String(name)
	if v == "" {
		if required {
			ff.errors.AddJa(name, "is required", "入力してください。", nil)
		}
		return nil
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", v, tokyo)
	if err != nil {
		ff.errors.AddJa(name, "must be a date and time", "日時を入力してください。", v)
		return nil
	}
	return &t
}

func (h *Handler) incidentCreate(w http.ResponseWriter, r *http.Request) {
	d, err := h.incidentFormData(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ff := newFormFields(r)
	in := domain.IncidentInput{Title: ff.String("title"), Description: ff.String("description"),
		ReportedBy: domain.IncidentReporter(ff.String("reported_by")), ReporterID: ff.String("reporter_id"),
		ReportingContractID: ff.String("reporting_contract_id"), Severity: ff.String("severity"),
		PersonalInformationInvolved: ff.Bool("personal_information_involved"), OwnerID: ff.String("owner_id"),
		PublicationOverrideReason: ff.String("publication_override_reason")}
	if t := localTime(ff, "detected_at", true); t != nil {
		in.DetectedAt = *t
	}
	if in.ReportedBy == domain.ReportedByContractor {
		in.ContractorReportedAt = localTime(ff, "contractor_reported_at", false)
	}
	// The records are sent in the order of the form's selects; the
	// service's records[i] errors go back to the select they came from.
	var fields []string
	for _, rf := range incidentRecordFields {
		if id := ff.String(rf.Field); id != "" {
			in.Records = append(in.Records, domain.IncidentRecord{Type: rf.Type, ID: id})
			fields = append(fields, rf.Field)
		}
	}
	if name := ff.String("asset_name"); name != "" {
		in.AffectedAssets = []domain.InformationAsset{{Name: name, Classification: domain.Classification{
			Confidentiality: domain.Confidentiality(ff.String("asset_confidentiality")),
			Integrity:       ff.Int("asset_integrity"), Availability: ff.Int("asset_availability")}}}
	}
	switch ff.String("publication_required") {
	case "yes":
		v := true
		in.PublicationRequired = &v
	case "no":
		v := false
		in.PublicationRequired = &v
	}
	if err := ff.Err(); err != nil {
		h.refused(w, r, "incidents_new.html", d, err)
		return
	}
	inc, err := h.cfg.Incidents.CreateIncident(r.Context(), in)
	if err != nil {
		h.refused(w, r, "incidents_new.html", d, renameFields(err, func(name string) string {
			for i, f := range fields {
				if strings.HasPrefix(name, "records["+string(rune('0'+i))+"]") {
					return f
				}
			}
			if after, ok := strings.CutPrefix(name, "affected_assets[0]."); ok {
				return "asset_" + strings.TrimPrefix(after, "classification.")
			}
			if name == "records" { // none chosen
				return "record_vendor"
			}
			return name
		}))
		return
	}
	redirect(w, r, "/incidents/"+inc.ID, "incident_created")
}

// incidentStepRow is one step of the timeline as the page shows it.
type incidentStepRow struct {
	domain.TimelineEntry
	By string
}

// incidentNamed is an involved record with its name and page.
type incidentNamed struct {
	Type       domain.IncidentRecordType
	ID, Name   string
	Path       string
	Suspended  bool
	Suspension bool // may be suspended from here (vendor or account)
}

// incidentData is one incident's page data.
type incidentData struct {
	I          *domain.Incident
	Severity   string
	Owner      string
	Reporter   string
	Steps      []incidentStepRow
	Records    []incidentNamed
	Actions    []*domain.CorrectiveAction
	Suspended  []incidentNamed
	NextStep   domain.IncidentStep
	Closed     bool
	People     []*domain.Person
	Contracts  []incidentNamed
	Suspenders []incidentNamed
	// Evidence is the incident's files (reports, logs, photographs).
	Evidence *EvidenceSection
}

func (h *Handler) loadIncident(r *http.Request, id string) (*incidentData, error) {
	ctx := r.Context()
	i, err := h.cfg.Incidents.FindIncident(ctx, id)
	if err != nil {
		return nil, err
	}
	settings, err := h.cfg.Settings.GetSettings(ctx)
	if err != nil {
		return nil, err
	}
	l := localeOf(r)
	d := &incidentData{I: i, Severity: severityTitle(settings.IncidentSeverities, i.Severity, l), Owner: h.personName(r, i.OwnerID),
		Reporter: h.personName(r, i.ReporterID), NextStep: i.NextStep, Closed: i.Closed()}
	for _, e := range i.Timeline {
		d.Steps = append(d.Steps, incidentStepRow{TimelineEntry: e, By: h.personName(r, e.By)})
	}
	for _, rec := range i.Records {
		n := incidentNamed{Type: rec.Type, ID: rec.ID, Path: rec.Type.PagePrefix() + rec.ID, Name: rec.ID}
		switch rec.Type {
		case domain.RecordVendor:
			if v, err := h.cfg.Vendors.FindVendor(ctx, rec.ID); err == nil {
				n.Name, n.Suspended, n.Suspension = v.Name, v.Status == domain.VendorSuspended, v.Status == domain.VendorApproved
			}
		case domain.RecordContract:
			if c, err := h.cfg.Contracts.FindContract(ctx, rec.ID); err == nil {
				n.Name = c.Title
			}
			d.Contracts = append(d.Contracts, n)
		case domain.RecordCloudService:
			if c, err := h.cfg.CloudServices.FindCloudService(ctx, rec.ID); err == nil {
				n.Name = c.Name
			}
		case domain.RecordSocialAccount:
			if a, err := h.cfg.SocialAccounts.FindSocialAccount(ctx, rec.ID); err == nil {
				n.Name = a.Platform.DisplayName(l) + " @" + a.Handle
				n.Suspended, n.Suspension = a.Status == domain.SocialSuspended, a.Status == domain.SocialActive
			}
		}
		if n.Suspension {
			d.Suspenders = append(d.Suspenders, n)
		}
		d.Records = append(d.Records, n)
	}
	if len(d.Contracts) > 0 {
		// The contracts' vendors may be suspended from the incident too.
		for _, c := range d.Contracts {
			ct, err := h.cfg.Contracts.FindContract(ctx, c.ID)
			if err != nil {
				continue
			}
			seen := false
			for _, s := range d.Suspenders {
				seen = seen || s.ID == ct.VendorID
			}
			if v, err := h.cfg.Vendors.FindVendor(ctx, ct.VendorID); err == nil && !seen && v.Status == domain.VendorApproved {
				d.Suspenders = append(d.Suspenders, incidentNamed{Type: domain.RecordVendor, ID: v.ID, Name: v.Name, Suspension: true})
			}
		}
	}
	d.Evidence = h.evidenceSection(r, domain.EvidenceIncident, i.ID, nil)
	for _, id := range i.CorrectiveActionIDs {
		if a, err := h.cfg.CorrectiveActions.FindCorrectiveAction(ctx, id); err == nil {
			d.Actions = append(d.Actions, a)
		}
	}
	for _, s := range i.Suspensions {
		n := incidentNamed{Type: s.Type, ID: s.ID, Path: s.Type.PagePrefix() + s.ID, Name: s.Reason}
		d.Suspended = append(d.Suspended, n)
	}
	active := true
	if people, err := h.cfg.People.ListPeople(ctx, domain.PersonFilter{Active: &active}, domain.PageRequest{Limit: domain.MaxPageSize}); err == nil {
		d.People = people.Items
	}
	return d, nil
}

func (h *Handler) incidentPage(w http.ResponseWriter, r *http.Request) {
	d, err := h.loadIncident(r, chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "incidents_show.html", d)
}

// incidentChange runs one of the incident page's forms (recordForm), back
// to the incident.
func (h *Handler) incidentChange(w http.ResponseWriter, r *http.Request, flash string, rename func(string) string,
	call func(ctx context.Context, ff *formFields, id string, version *int) error) {
	h.recordForm(w, r, recordPage{Template: "incidents_show.html", Path: "/incidents/%s",
		Load: func(r *http.Request, id string) (any, error) { return h.loadIncident(r, id) }}, flash, rename, call)
}

func (h *Handler) incidentStep(w http.ResponseWriter, r *http.Request) {
	h.incidentChange(w, r, "incident_step", nil, func(ctx context.Context, ff *formFields, id string, version *int) error {
		in := domain.IncidentStepInput{Step: domain.IncidentStep(ff.String("step")), Note: ff.String("note"), LessonsLearned: ff.String("lessons_learned")}
		in.At = localTime(ff, "at", false)
		if err := ff.Err(); err != nil {
			return err
		}
		_, err := h.cfg.Incidents.RecordIncidentStep(ctx, id, version, in)
		return err
	})
}

// incidentActionField names the action form's fields apart from the
// others on the page.
func incidentActionField(name string) string {
	switch name {
	case "description", "severity", "owner_id", "due_date", "contract_id":
		return "action_" + name
	}
	return name
}

func (h *Handler) incidentAction(w http.ResponseWriter, r *http.Request) {
	h.incidentChange(w, r, "incident_action", incidentActionField, func(ctx context.Context, ff *formFields, id string, version *int) error {
		in := domain.IncidentActionInput{Description: ff.String("action_description"), Severity: domain.Severity(ff.String("action_severity")),
			OwnerID: ff.String("action_owner_id"), ContractID: ff.String("action_contract_id")}
		if due := ff.Date("action_due_date", true); due != nil {
			in.DueDate = *due
		}
		if err := ff.Err(); err != nil {
			return err
		}
		_, _, err := h.cfg.Incidents.OpenIncidentAction(ctx, id, version, in)
		return err
	})
}

// incidentSuspendField names the suspension form's fields.
func incidentSuspendField(n string) string {
	switch n {
	case "reason":
		return "suspend_reason"
	case "type", "id":
		return "record"
	}
	return n
}

func (h *Handler) incidentSuspend(w http.ResponseWriter, r *http.Request) {
	h.incidentChange(w, r, "incident_suspended", incidentSuspendField, func(ctx context.Context, ff *formFields, id string, version *int) error {
		typ, rid, _ := strings.Cut(ff.String("record"), ":")
		in := domain.IncidentSuspensionInput{Type: domain.IncidentRecordType(typ), ID: rid, Reason: ff.String("suspend_reason")}
		if err := ff.Err(); err != nil {
			return err
		}
		_, err := h.cfg.Incidents.SuspendIncidentRecord(ctx, id, version, in)
		return err
	})
}

// incidentPublicationField names the publication form's fields.
func incidentPublicationField(n string) string {
	if n == "note" {
		return "publication_note"
	}
	return n
}

func (h *Handler) incidentPublish(w http.ResponseWriter, r *http.Request) {
	h.incidentChange(w, r, "incident_published", incidentPublicationField, func(ctx context.Context, ff *formFields, id string, version *int) error {
		in := domain.IncidentPublicationInput{Note: ff.String("publication_note")}
		if day := ff.Date("published_on", true); day != nil {
			in.PublishedOn = *day
		}
		if err := ff.Err(); err != nil {
			return err
		}
		_, err := h.cfg.Incidents.RecordIncidentPublication(ctx, id, version, in)
		return err
	})
}

// incidentSelectRef is what the incident form's select partials see: the
// page, the field's name, its label's key and the options.
type incidentSelectRef struct {
	P       *Page
	Name    string
	Label   string
	Options any
}

func init() {
	// The incident form's select partials take their field as
	// (incidentSelect $ name labelKey options).
	funcs["incidentSelect"] = func(p *Page, name, label string, options any) incidentSelectRef {
		return incidentSelectRef{P: p, Name: name, Label: label, Options: options}
	}
	funcs["deref_bool"] = func(b *bool) bool { return b != nil && *b }
	funcs["split"] = strings.Fields
	// The settings page's rows of incident severity levels.
	funcs["severityTitles"] = func(s domain.IncidentSeverityLevel) map[string]string {
		return map[string]string{"title_ja": s.TitleJa, "title_en": s.TitleEn}
	}
	funcs["severityMinutes"] = func(s domain.IncidentSeverityLevel, step string) int {
		return s.Deadlines.For(domain.IncidentStep(step))
	}
}

// incidentSeveritiesOf reads the settings form's rows of incident severity
// levels, named as the service names their fields
// (incident_severities[i].deadlines.contained_minutes); nil when the form
// has none, which keeps the defaults.
func incidentSeveritiesOf(ff *formFields) []domain.IncidentSeverityLevel {
	var out []domain.IncidentSeverityLevel
	for i := 0; ; i++ {
		at := "incident_severities[" + itoa(i) + "]."
		if _, ok := ff.r.PostForm[at+"code"]; !ok {
			return out
		}
		out = append(out, domain.IncidentSeverityLevel{Code: ff.String(at + "code"), TitleJa: ff.String(at + "title_ja"), TitleEn: ff.String(at + "title_en"),
			NotifyCISOAtOnce: ff.Bool(at + "notify_ciso_at_once"),
			Deadlines: domain.IncidentDeadlines{ReportedToCISOMinutes: ff.Int(at + "deadlines.reported_to_ciso_minutes"),
				ContainedMinutes: ff.Int(at + "deadlines.contained_minutes"), RecoveredMinutes: ff.Int(at + "deadlines.recovered_minutes"),
				ClosedMinutes: ff.Int(at + "deadlines.closed_minutes")}})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
