package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/vendorwatch/vendorwatch/domain"
)

// adminRoutes registers the administrators' pages: the policy settings and
// the people's roles on the pages and their sessions.
func (h *Handler) adminRoutes(r chi.Router) {
	r = r.With(h.needs(domain.PermAdmin))
	r.Get("/settings", h.settingsForm)
	r.Post("/settings", h.saveSettings)
	r.Get("/people", h.peopleList)
	r.Get("/people/{id}", h.personPage)
	r.Post("/people/{id}/web-role", h.setWebRole)
	r.Post("/people/{id}/sign-out", h.signOutEverywhere)
}

// settingsField is one number of the settings form.
type settingsField struct {
	// Name is the field's JSON name, as the service names it in errors.
	Name  string
	Value int
	Min   int
	Max   int
	// Unit is the message key of the unit shown after the control.
	Unit string
}

// settingsGroup is one fieldset of number fields.
type settingsGroup struct {
	Legend string
	Fields []settingsField
}

// settingsData is what the settings page shows.
type settingsData struct {
	Settings *domain.Settings
	Groups   []settingsGroup
	// LeadDays and ClosureDays are the list fields as written in their
	// controls.
	LeadDays    string
	ClosureDays string
	Era         bool
	// Severities are the incident severity levels, one row each.
	Severities []domain.IncidentSeverityLevel
	// EvidenceMediaTypes is the allowed types, one a line.
	EvidenceMediaTypes string
	// WebhookPrivate is webhook_allow_private_targets.
	WebhookPrivate bool
}

// listError is an error of one entry of a list field, such as
// closure_days[2].
type listError struct {
	Name string
	// N is the entry's position from 1.
	N   int
	Msg string
}

// ListErrors returns the errors of the entries of the list field name, in
// the order the service named them.
func (settingsData) ListErrors(f *Form, name string) []listError {
	if f == nil {
		return nil
	}
	var out []listError
	for _, k := range f.Order {
		rest, ok := strings.CutPrefix(k, name+"[")
		if !ok || !strings.HasSuffix(rest, "]") {
			continue
		}
		i, err := strconv.Atoi(strings.TrimSuffix(rest, "]"))
		if err != nil {
			continue
		}
		out = append(out, listError{Name: k, N: i + 1, Msg: f.Errors[k]})
	}
	return out
}

// Describe lists the ids that describe the control of field name: its hint
// and its errors (also those of its entries).
func (d settingsData) Describe(f *Form, name string) string {
	ids := []string{"h-" + name}
	if f != nil && f.Errors[name] != "" {
		ids = append(ids, "e-"+name)
	}
	for _, e := range d.ListErrors(f, name) {
		ids = append(ids, "e-"+e.Name)
	}
	return strings.Join(ids, " ")
}

// Invalid reports whether field name or one of its entries has an error.
func (d settingsData) Invalid(f *Form, name string) bool {
	return f != nil && (f.Errors[name] != "" || len(d.ListErrors(f, name)) > 0)
}

// newSettingsData lays out the form of settings s.
func newSettingsData(s *domain.Settings) *settingsData {
	p := s.PolicySettings
	days := make([]string, len(p.ReminderLeadDays))
	for i, n := range p.ReminderLeadDays {
		days[i] = strconv.Itoa(n)
	}
	return &settingsData{Settings: s, LeadDays: strings.Join(days, ", "), ClosureDays: strings.Join(p.ClosureDays, "\n"),
		Era: p.JapaneseEraDates, Severities: p.IncidentSeverities, Groups: []settingsGroup{
			{Legend: "settings.group.confirmation", Fields: []settingsField{
				{Name: "confirmation_interval_months.high", Value: p.ConfirmationIntervalMonths.High, Min: 1, Max: 60, Unit: "settings.unit.months"},
				{Name: "confirmation_interval_months.medium", Value: p.ConfirmationIntervalMonths.Medium, Min: 1, Max: 60, Unit: "settings.unit.months"},
				{Name: "confirmation_interval_months.low", Value: p.ConfirmationIntervalMonths.Low, Min: 1, Max: 60, Unit: "settings.unit.months"},
				{Name: "confirmation_before_end_days", Value: p.ConfirmationBeforeEndDays, Min: 0, Max: 365, Unit: "settings.unit.days"},
			}},
			{Legend: "settings.group.reviews", Fields: []settingsField{
				{Name: "renewal_review_lead_days", Value: p.RenewalReviewLeadDays, Min: 0, Max: 365, Unit: "settings.unit.days"},
				{Name: "default_review_interval_months", Value: p.DefaultReviewIntervalMonths, Min: 1, Max: 60, Unit: "settings.unit.months"},
				{Name: "risk_acceptance_months", Value: p.RiskAcceptanceMonths, Min: 0, Max: 60, Unit: "settings.unit.months"},
				{Name: "policy_review_interval_months", Value: p.PolicyReviewIntervalMonths, Min: 0, Max: 60, Unit: "settings.unit.months"},
			}},
			{Legend: "settings.group.reminders", Fields: []settingsField{
				{Name: "escalation_delay_days", Value: p.EscalationDelayDays, Min: 1, Max: 90, Unit: "settings.unit.days"},
				{Name: "overdue_repeat_days", Value: p.OverdueRepeatDays, Min: 0, Max: 90, Unit: "settings.unit.days"},
				{Name: "ciso_escalation_after_repeats", Value: p.CISOEscalationAfterRepeats, Min: 0, Max: 50, Unit: "settings.unit.times"},
			}},
			{Legend: "settings.group.sessions", Fields: []settingsField{
				{Name: "session_idle_minutes", Value: p.SessionIdleMinutes, Min: 0, Max: 1440, Unit: "settings.unit.minutes"},
				{Name: "session_absolute_hours", Value: p.SessionAbsoluteHours, Min: 0, Max: 168, Unit: "settings.unit.hours"},
			}},
			{Legend: "settings.group.evidence", Fields: []settingsField{
				{Name: "evidence_max_mib", Value: int((p.EvidenceMaxBytes + 1<<20 - 1) >> 20), Min: 0, Max: domain.MaxEvidenceMaxBytes >> 20, Unit: "settings.unit.mib"},
			}},
			{Legend: "settings.group.webhooks", Fields: []settingsField{
				{Name: "webhook_failures_before_disable", Value: p.WebhookFailuresBeforeDisable, Min: 0, Max: 1000, Unit: "settings.unit.times"},
				{Name: "webhook_timeout_seconds", Value: p.WebhookTimeoutSeconds, Min: 0, Max: 60, Unit: "settings.unit.seconds"},
				{Name: "webhook_secret_grace_hours", Value: p.WebhookSecretGraceHours, Min: 0, Max: 720, Unit: "settings.unit.hours"},
			}},
		}, EvidenceMediaTypes: strings.Join(p.EvidenceMediaTypes, "\n"), WebhookPrivate: p.WebhookAllowPrivateTargets}
}

// settingsForm shows the policy settings as a form; admins only, as
// replace-settings is.
func (h *Handler) settingsForm(w http.ResponseWriter, r *http.Request) {
	s, err := h.cfg.Settings.GetSettings(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "settings.html", newSettingsData(s))
}

// saveSettings replaces the policy settings as replace-settings does, with
// the form's version as If-Match.
func (h *Handler) saveSettings(w http.ResponseWriter, r *http.Request) {
	ff := newFormFields(r)
	in := domain.PolicySettings{
		ConfirmationIntervalMonths: domain.TierIntervals{
			High:   ff.Int("confirmation_interval_months.high"),
			Medium: ff.Int("confirmation_interval_months.medium"),
			Low:    ff.Int("confirmation_interval_months.low"),
		},
		RenewalReviewLeadDays:        ff.Int("renewal_review_lead_days"),
		EscalationDelayDays:          ff.Int("escalation_delay_days"),
		DefaultReviewIntervalMonths:  ff.Int("default_review_interval_months"),
		ConfirmationBeforeEndDays:    ff.Int("confirmation_before_end_days"),
		OverdueRepeatDays:            ff.Int("overdue_repeat_days"),
		CISOEscalationAfterRepeats:   ff.Int("ciso_escalation_after_repeats"),
		RiskAcceptanceMonths:         ff.Int("risk_acceptance_months"),
		JapaneseEraDates:             ff.Bool("japanese_era_dates"),
		SessionIdleMinutes:           ff.Int("session_idle_minutes"),
		SessionAbsoluteHours:         ff.Int("session_absolute_hours"),
		PolicyReviewIntervalMonths:   ff.Int("policy_review_interval_months"),
		EvidenceMaxBytes:             int64(ff.Int("evidence_max_mib")) << 20,
		BodyName:                     ff.String("body_name"),
		WebhookFailuresBeforeDisable: ff.Int("webhook_failures_before_disable"),
		WebhookTimeoutSeconds:        ff.Int("webhook_timeout_seconds"),
		WebhookSecretGraceHours:      ff.Int("webhook_secret_grace_hours"),
		WebhookAllowPrivateTargets:   ff.Bool("webhook_allow_private_targets"),
		ReminderLeadDays:             []int{},
		// One entry a line; an empty box is no closure days (not the
		// default, which nil would give).
		ClosureDays: []string{},
	}
	if lead := ff.String("reminder_lead_days"); lead != "" {
		for i, part := range strings.FieldsFunc(lead, func(c rune) bool { return c == ',' || c == '、' || c == '，' }) {
			part = strings.TrimSpace(part)
			n, err := strconv.Atoi(part)
			if err != nil {
				ff.errors.Add(fmt.Sprintf("reminder_lead_days[%d]", i), translate(ff.locale, "form.bad_number"), part)
			}
			in.ReminderLeadDays = append(in.ReminderLeadDays, n)
		}
	}
	for _, line := range strings.Split(ff.String("closure_days"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			in.ClosureDays = append(in.ClosureDays, line)
		}
	}
	in.IncidentSeverities = incidentSeveritiesOf(ff)
	// One type a line; an empty box is the default list.
	for _, line := range strings.Split(ff.String("evidence_media_types"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			in.EvidenceMediaTypes = append(in.EvidenceMediaTypes, line)
		}
	}
	version := ff.Version()
	err := ff.Err()
	if err == nil {
		_, err = h.cfg.Settings.ReplaceSettings(r.Context(), version, in)
	}
	if err != nil {
		s, gerr := h.cfg.Settings.GetSettings(r.Context())
		if gerr != nil {
			h.fail(w, r, gerr)
			return
		}
		d := newSettingsData(s)
		d.Era = in.JapaneseEraDates
		h.refused(w, r, "settings.html", d, err)
		return
	}
	redirect(w, r, "/settings", "settings_saved")
}

// webRoles are the choices of a person's page role; "" clears it.
var webRoles = []domain.Role{domain.RoleAdmin, domain.RoleEditor, domain.RoleAuditor, domain.RoleViewer}

// personRow is a person with what the people pages add.
type personRow struct {
	*domain.Person
	Department string
	// WebRole is the person's role on the pages, WebRoleSet whether an
	// admin set it (rather than it coming from their tokens).
	WebRole    domain.Role
	WebRoleSet bool
}

// peopleData is what the people list shows.
type peopleData struct {
	Items []personRow
	List  List
}

// personData is what a person's page shows.
type personData struct {
	personRow
	Supervisor string
	Roles      []domain.Role
}

// departmentNames reads the departments' names in locale l by id.
func (h *Handler) departmentNames(r *http.Request) (map[string]string, error) {
	page, err := h.cfg.Departments.ListDepartments(r.Context(), domain.DepartmentFilter{}, domain.PageRequest{Limit: domain.MaxPageSize})
	if err != nil {
		return nil, err
	}
	en := localeOf(r) == domain.LocaleEn
	out := make(map[string]string, len(page.Items))
	for _, d := range page.Items {
		out[d.ID] = d.Name
		if en && d.NameEn != "" {
			out[d.ID] = d.NameEn
		}
	}
	return out, nil
}

// personRowOf adds the department's name and the page role to a person.
func (h *Handler) personRowOf(r *http.Request, p *domain.Person, deps map[string]string) (personRow, error) {
	role, set, err := h.cfg.Sessions.PersonWebRole(r.Context(), p.ID)
	if err != nil {
		return personRow{}, err
	}
	return personRow{Person: p, Department: deps[p.DepartmentID], WebRole: role, WebRoleSet: set}, nil
}

// peopleList lists the people with their page roles; admins only.
func (h *Handler) peopleList(w http.ResponseWriter, r *http.Request) {
	lq := readList(r)
	if exported(h, w, r, "people", func(p domain.PageRequest) (domain.Page[*domain.Person], error) {
		return h.cfg.People.ListPeople(r.Context(), domain.PersonFilter{Q: lq.Q}, p)
	}) {
		return
	}
	page, err := h.cfg.People.ListPeople(r.Context(), domain.PersonFilter{Q: lq.Q}, lq.Page)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	deps, err := h.departmentNames(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := peopleData{List: newList("/people", lq, page.NextCursor, h.today())}
	for _, p := range page.Items {
		row, err := h.personRowOf(r, p, deps)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		d.Items = append(d.Items, row)
	}
	h.page(w, r, "people.html", d)
}

// personData reads what a person's page shows.
func (h *Handler) personData(r *http.Request, id string) (*personData, error) {
	p, err := h.cfg.People.FindPerson(r.Context(), id)
	if err != nil {
		return nil, err
	}
	deps, err := h.departmentNames(r)
	if err != nil {
		return nil, err
	}
	row, err := h.personRowOf(r, p, deps)
	if err != nil {
		return nil, err
	}
	d := &personData{personRow: row, Roles: webRoles}
	if p.SupervisorID != nil {
		if s, err := h.cfg.People.FindPerson(r.Context(), *p.SupervisorID); err == nil {
			d.Supervisor = s.Name
		}
	}
	return d, nil
}

// personPage shows a person with the forms that set their page role and
// sign them out everywhere; admins only.
func (h *Handler) personPage(w http.ResponseWriter, r *http.Request) {
	d, err := h.personData(r, chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "people_show.html", d)
}

// setWebRole sets or clears a person's role on the pages.
func (h *Handler) setWebRole(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	var role *domain.Role
	if v := strings.TrimSpace(r.PostForm.Get("web_role")); v != "" {
		rl := domain.Role(v)
		role = &rl
	}
	if err := h.cfg.Sessions.SetWebRole(r.Context(), id, role); err != nil {
		d, derr := h.personData(r, id)
		if derr != nil {
			h.fail(w, r, derr)
			return
		}
		h.refused(w, r, "people_show.html", d, err)
		return
	}
	redirect(w, r, "/people/"+id, "people_role_set")
}

// signOutEverywhere ends every session of a person.
func (h *Handler) signOutEverywhere(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if _, err := h.cfg.People.FindPerson(r.Context(), id); err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.cfg.Sessions.EndAllSessions(r.Context(), id); err != nil {
		h.fail(w, r, err)
		return
	}
	redirect(w, r, "/people/"+id, "people_signed_out")
}
