package web

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/vendorwatch/vendorwatch/domain"
)

// ledgerRoutes registers the two ledgers: the reminder ledger (what was
// e-mailed, or is waiting to be, to whom) and the audit trail with its
// chain verification.
func (h *Handler) ledgerRoutes(r chi.Router) {
	r.With(h.needs(domain.PermRead)).Get("/reminders", h.reminderLedger)
	r.With(h.needs(domain.PermAudit)).Get("/audit", h.auditLog)
	r.With(h.needs(domain.PermAudit)).Post("/audit/verify", h.verifyAudit)
}

// reminderStatuses are the ledger statuses the status filter offers.
var reminderStatuses = []domain.ReminderStatus{domain.ReminderQueued, domain.ReminderSending, domain.ReminderSent,
	domain.ReminderFailed, domain.ReminderCancelled}

// reminderLedgerData is what the reminder ledger shows.
type reminderLedgerData struct {
	Items        []reminderRow
	List         List
	People       []*domain.Person
	Statuses     []domain.ReminderStatus
	SubjectTypes []domain.SubjectType
	// Recipient is the recipient filter's value: "", "mine" or an id.
	Recipient string
}

// reminderRow is one ledger row with what the page adds to it.
type reminderRow struct {
	*domain.Reminder
	// Page is the subject's staff page, "" when it has none.
	Page string
	// StageText words the stage: 7日前, 当日, 期限超過（再通知2回目）.
	StageText     string
	RecipientName string
}

// reminderLedger lists the reminder ledger as list-reminders does.
func (h *Handler) reminderLedger(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lq := readList(r)
	q := r.URL.Query()
	f := domain.ReminderFilter{FiscalYear: lq.FiscalYear}
	for _, s := range reminderStatuses {
		if q.Get("status") == string(s) {
			f.Status = s
		}
	}
	for _, s := range domain.SubjectTypes {
		if q.Get("subject_type") == string(s) {
			f.SubjectType = s
		}
	}
	d := reminderLedgerData{Statuses: reminderStatuses, SubjectTypes: domain.SubjectTypes}
	switch rec := q.Get("recipient"); {
	case rec == "mine":
		d.Recipient, f.RecipientID = rec, stateOf(r).me.ID
	case isUUID(rec):
		d.Recipient, f.RecipientID = rec, rec
	}
	if exported(h, w, r, "reminders", func(p domain.PageRequest) (domain.Page[*domain.Reminder], error) {
		return h.cfg.Reminders.ListReminders(ctx, f, p)
	}) {
		return
	}
	page, err := h.cfg.Reminders.ListReminders(ctx, f, lq.Page)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	people, names, err := h.peopleNames(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.People = people
	l := localeOf(r)
	for _, rem := range page.Items {
		name, ok := names[rem.RecipientID]
		if !ok {
			if p, err := h.cfg.People.FindPerson(ctx, rem.RecipientID); err == nil {
				name, names[rem.RecipientID] = p.Name, p.Name
			}
		}
		d.Items = append(d.Items, reminderRow{Reminder: rem, Page: rem.PagePath(), StageText: stageText(l, rem.Stage, rem.Repeat),
			RecipientName: name})
	}
	d.List = newList("/reminders", lq, page.NextCursor, h.today())
	h.page(w, r, "reminders.html", d)
}

// peopleNames reads the people the filters offer (the first
// domain.MaxPageSize, in creation order) and their names by id.
func (h *Handler) peopleNames(r *http.Request) ([]*domain.Person, map[string]string, error) {
	page, err := h.cfg.People.ListPeople(r.Context(), domain.PersonFilter{}, domain.PageRequest{Limit: domain.MaxPageSize})
	if err != nil {
		return nil, nil, err
	}
	names := make(map[string]string, len(page.Items))
	for _, p := range page.Items {
		names[p.ID] = p.Name
	}
	return page.Items, names, nil
}

// stageText words a ledger stage in locale l: 7日前 for before_7, 当日 for
// due, 期限超過 for the first overdue reminder and 期限超過（再通知n回目）for
// its n-th repeat, as the e-mails count them.
func stageText(l domain.Locale, stage string, repeat int) string {
	switch {
	case stage == domain.StageDue:
		return translate(l, "ledger.stage.due")
	case stage == domain.StageNotice:
		return translate(l, "ledger.stage.notice")
	case stage == domain.StageOverdue && repeat > 0:
		return translate(l, "ledger.stage.overdue_repeat", repeat)
	case stage == domain.StageOverdue:
		return translate(l, "ledger.stage.overdue")
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(stage, "before_")); err == nil && strings.HasPrefix(stage, "before_") {
		return translate(l, "ledger.stage.before", n)
	}
	return stage
}

// isUUID reports whether s is a UUID, so that a filter's id from a query
// string reaches the service only when it can name something.
func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

// auditEntityTypes are the kinds of entity the audit filter offers.
var auditEntityTypes = []string{"vendor", "contract", "confirmation", "corrective_action", "cloud_service", "social_account",
	"review", "person", "department", "token", "catalogue_item", "settings", "policy_review", "evidence_file", "incident",
	"inspection_campaign", "inspection_answer", "audit", "audit_finding"}

// auditEntityPages are the staff pages of the audited entities that have
// one: the path prefix before the entity's id.
var auditEntityPages = map[string]string{
	"vendor":            "/vendors/",
	"contract":          "/contracts/",
	"confirmation":      "/confirmations/",
	"corrective_action": "/corrective-actions/",
	"cloud_service":     "/cloud-services/",
	"social_account":    "/social-accounts/",
	"review":            "/reviews/",
	"person":            "/people/",
	"policy_review":     "/policy-reviews/",
	"incident":          "/incidents/",
	// Self-inspection and audit: an answer and a finding lead to their
	// place on the answering page and the audit's page.
	"inspection_campaign": "/inspections/",
	"inspection_answer":   "/inspection-answers/",
	"audit":               "/audits/",
	"audit_finding":       "/audit-findings/",
}

// auditEntityType is what an entity_type filter may look like.
var auditEntityType = regexp.MustCompile(`^[a-z_]{1,40}$`)

// auditData is what the audit page shows.
type auditData struct {
	Items       []auditRow
	List        List
	People      []*domain.Person
	EntityTypes []string
	// Verification is the result of the chain verification just run.
	Verification *domain.AuditVerification
}

// auditRow is one audit event with the link to its entity's page.
type auditRow struct {
	*domain.AuditEvent
	Page string
}

// auditLog lists the audit trail as list-audit-events does; admins and
// auditors only.
func (h *Handler) auditLog(w http.ResponseWriter, r *http.Request) {
	if _, f := auditQuery(r); exported(h, w, r, "audit-events", func(p domain.PageRequest) (domain.Page[*domain.AuditEvent], error) {
		return h.cfg.Audit.ListAuditEvents(r.Context(), f, p)
	}) {
		return
	}
	d, err := h.auditPage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, "audit.html", d)
}

// auditQuery reads the audit log's filters.
func auditQuery(r *http.Request) (listQuery, domain.AuditFilter) {
	lq := readList(r)
	q := r.URL.Query()
	f := domain.AuditFilter{FiscalYear: lq.FiscalYear}
	if t := q.Get("entity_type"); auditEntityType.MatchString(t) {
		f.EntityType = t
	}
	if id := strings.TrimSpace(q.Get("entity_id")); len(id) <= 80 {
		f.EntityID = id
	}
	if a := q.Get("actor_id"); isUUID(a) {
		f.ActorID = a
	}
	return lq, f
}

// auditPage reads the page of events the query asks for.
func (h *Handler) auditPage(r *http.Request) (*auditData, error) {
	lq, f := auditQuery(r)
	page, err := h.cfg.Audit.ListAuditEvents(r.Context(), f, lq.Page)
	if err != nil {
		return nil, err
	}
	people, _, err := h.peopleNames(r)
	if err != nil {
		return nil, err
	}
	d := &auditData{People: people, EntityTypes: auditEntityTypes, List: newList("/audit", lq, page.NextCursor, h.today())}
	for _, ev := range page.Items {
		row := auditRow{AuditEvent: ev}
		if prefix, ok := auditEntityPages[ev.EntityType]; ok && ev.Action != domain.AuditDelete && isUUID(ev.EntityID) {
			row.Page = prefix + ev.EntityID
		} else if ev.EntityType == "settings" {
			row.Page = "/settings"
		}
		d.Items = append(d.Items, row)
	}
	return d, nil
}

// verifyAudit recomputes the hash chain as verify-audit-chain does and
// shows the result above the trail.
func (h *Handler) verifyAudit(w http.ResponseWriter, r *http.Request) {
	v, err := h.cfg.Audit.VerifyAuditChain(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d, err := h.auditPage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Verification = &v
	h.page(w, r, "audit.html", d)
}
