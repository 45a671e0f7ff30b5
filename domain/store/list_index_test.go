package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// queryRecorder keeps the SELECTs the store runs while it is armed: the
// index test EXPLAINs the store's own SQL, not a copy of it.
type queryRecorder struct {
	mu      sync.Mutex
	armed   bool
	queries []recordedQuery
}

type recordedQuery struct {
	sql  string
	args []any
}

func (r *queryRecorder) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (r *queryRecorder) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.armed && strings.HasPrefix(strings.TrimSpace(e.Query), "SELECT") {
		r.queries = append(r.queries, recordedQuery{sql: e.Query, args: e.QueryArgs})
	}
}

// record runs fn and returns the SELECTs it ran.
func (r *queryRecorder) record(fn func()) []recordedQuery {
	r.mu.Lock()
	r.armed, r.queries = true, nil
	r.mu.Unlock()
	fn()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.armed = false
	return r.queries
}

// Sizes of the register TestEveryListFilterUsesAnIndex builds: large enough
// that a full scan costs the planner more than the index, small enough to
// build in seconds.
const (
	idxPeople   = 2_000
	idxVendors  = 5_000
	idxRows     = 10_000 // contracts and the other large tables
	idxSelected = 50     // one row in idxSelected has the filtered value
)

// idxBigTables are the large tables the test fills; a full scan of one
// fails it. people and departments are small by nature (a few thousand and
// a few hundred rows), and PostgreSQL rightly reads them whole for q.
var idxBigTables = []string{"vendors", "vendor_certifications", "contracts", "contract_clauses", "contract_missing_clauses",
	"confirmations", "corrective_actions", "cloud_services", "social_accounts", "reminders", "reviews",
	"incidents", "incident_records", "evidence_files", "audit_events"}

// listCase is one list call with one filter (or none, or a deep page).
type listCase struct {
	name string
	// ordered: the filter is an equality, so its index must also give the
	// page's order; no sort of the matching rows.
	ordered bool
	// pkWalk: the plan may walk the table's primary key in order (an
	// anti-join, or a list without filter), reading rows until the page is
	// full.
	pkWalk bool
	list   func(ctx context.Context, db *store.DB, p domain.PageRequest) (string, error)
}

// page adapts a list call to listCase.list.
func page[T any](f func(context.Context, *store.DB, domain.PageRequest) (domain.Page[T], error)) func(context.Context, *store.DB, domain.PageRequest) (string, error) {
	return func(ctx context.Context, db *store.DB, p domain.PageRequest) (string, error) {
		pg, err := f(ctx, db, p)
		if err == nil && len(pg.Items) == 0 {
			err = fmt.Errorf("the filter selects no row: the test data does not exercise it")
		}
		return pg.NextCursor, err
	}
}

// TestEveryListFilterUsesAnIndex builds a register of some 20,000 rows a
// table, with statistics, and EXPLAINs the SQL each list filter and sort
// order runs (recorded with a query hook), on its first page and on the
// page after it: no plan may read a large table in full (PostgreSQL: no
// Seq Scan; SQLite: no SCAN without an index, nor a walk of the whole
// primary key behind a filter), and an equality filter must give the page
// its order from its index (no sort), so that keyset pages stay cheap
// however deep they are.
func TestEveryListFilterUsesAnIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a register of 20,000 rows a table")
	}
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			db := storetest.Open(t, tg, storetest.Options{})
			rec := &queryRecorder{}
			db.AddQueryHook(rec)
			ctx := buildIndexRegister(t, db)
			for _, c := range listCases() {
				t.Run(c.name, func(t *testing.T) {
					var next string
					queries := rec.record(func() {
						var err error
						next, err = c.list(ctx, db, domain.PageRequest{Limit: 20})
						require.NoError(t, err)
					})
					if next != "" {
						queries = append(queries, rec.record(func() {
							_, err := c.list(ctx, db, domain.PageRequest{Limit: 20, Cursor: next})
							require.NoError(t, err)
						})...)
					}
					require.NotEmpty(t, queries)
					for _, q := range queries {
						checkPlan(t, db, c, q)
					}
				})
			}
		})
	}
}

func listCases() []listCase {
	person := func(i int) string { return benchID(1, i) }
	vendor := func(i int) string { return benchID(2, i) }
	contract := func(i int) string { return benchID(3, i) }
	date := func(s string) domain.Date { d, _ := domain.ParseDate(s); return d }
	since := time.Date(2045, time.June, 1, 0, 0, 0, 0, time.UTC)
	cases := []listCase{
		{name: "vendors", pkWalk: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Vendor], error) {
			return db.ListVendors(ctx, domain.VendorFilter{}, p)
		})},
		{name: "vendors/status", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Vendor], error) {
			return db.ListVendors(ctx, domain.VendorFilter{Status: domain.VendorSuspended}, p)
		})},
		{name: "vendors/owner_id", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Vendor], error) {
			return db.ListVendors(ctx, domain.VendorFilter{OwnerID: person(7)}, p)
		})},
		{name: "vendors/risk_tier", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Vendor], error) {
			return db.ListVendors(ctx, domain.VendorFilter{RiskTier: domain.RiskHigh}, p)
		})},
		{name: "vendors/q", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Vendor], error) {
			return db.ListVendors(ctx, domain.VendorFilter{Q: "ｸﾘｰﾝ"}, p)
		})},
		{name: "vendors/certification_expiring_before", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Vendor], error) {
			return db.ListVendors(ctx, domain.VendorFilter{CertificationExpiringBefore: date("2026-05-01")}, p)
		})},

		{name: "contracts", pkWalk: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Contract], error) {
			return db.ListContracts(ctx, domain.ContractFilter{}, p)
		})},
		{name: "contracts/vendor_id", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Contract], error) {
			return db.ListContracts(ctx, domain.ContractFilter{VendorID: vendor(3)}, p)
		})},
		{name: "contracts/status", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Contract], error) {
			return db.ListContracts(ctx, domain.ContractFilter{Status: domain.ContractTerminated}, p)
		})},
		{name: "contracts/owner_id", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Contract], error) {
			return db.ListContracts(ctx, domain.ContractFilter{OwnerID: person(7)}, p)
		})},
		{name: "contracts/confirmation_due_before", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Contract], error) {
			return db.ListContracts(ctx, domain.ContractFilter{ConfirmationDueBefore: date("2026-04-05")}, p)
		})},
		{name: "contracts/renewal_review_due_before", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Contract], error) {
			return db.ListContracts(ctx, domain.ContractFilter{RenewalReviewDueBefore: date("2026-04-05")}, p)
		})},
		// missing_clause reads the contracts missing the clause in order
		// from contract_missing_clauses; a code outside the catalogue,
		// which every contract misses, walks the contracts.
		{name: "contracts/missing_clause", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Contract], error) {
			return db.ListContracts(ctx, domain.ContractFilter{MissingClause: "confidentiality"}, p)
		})},
		{name: "contracts/missing_clause_with_status", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Contract], error) {
			return db.ListContracts(ctx, domain.ContractFilter{MissingClause: "confidentiality", Status: domain.ContractTerminated}, p)
		})},
		{name: "contracts/missing_clause_outside_catalogue", pkWalk: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Contract], error) {
			return db.ListContracts(ctx, domain.ContractFilter{MissingClause: "no_such_clause"}, p)
		})},
		{name: "contracts/q", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Contract], error) {
			return db.ListContracts(ctx, domain.ContractFilter{Q: "クリーン"}, p)
		})},
		{name: "contracts/fiscal_year", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Contract], error) {
			return db.ListContracts(ctx, domain.ContractFilter{FiscalYear: 2019}, p)
		})},

		{name: "confirmations/contract_id", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Confirmation], error) {
			return db.ListConfirmations(ctx, domain.ConfirmationFilter{ContractID: contract(5)}, p)
		})},
		{name: "confirmations/vendor_id", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Confirmation], error) {
			return db.ListConfirmations(ctx, domain.ConfirmationFilter{VendorID: vendor(5)}, p)
		})},
		{name: "confirmations/status_completed", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Confirmation], error) {
			return db.ListConfirmations(ctx, domain.ConfirmationFilter{Status: domain.ConfirmationCompleted}, p)
		})},
		{name: "confirmations/status_overdue", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Confirmation], error) {
			return db.ListConfirmations(ctx, domain.ConfirmationFilter{Status: domain.ConfirmationOverdue}, p)
		})},
		{name: "confirmations/due_before", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Confirmation], error) {
			return db.ListConfirmations(ctx, domain.ConfirmationFilter{DueBefore: date("2019-05-01")}, p)
		})},

		{name: "corrective_actions/source", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.CorrectiveAction], error) {
			return db.ListCorrectiveActions(ctx, domain.CorrectiveActionFilter{Source: domain.SourceIncident}, p)
		})},
		{name: "corrective_actions/source_id", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.CorrectiveAction], error) {
			return db.ListCorrectiveActions(ctx, domain.CorrectiveActionFilter{SourceID: benchID(9, 5)}, p)
		})},
		{name: "corrective_actions/contract_id", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.CorrectiveAction], error) {
			return db.ListCorrectiveActions(ctx, domain.CorrectiveActionFilter{ContractID: contract(5)}, p)
		})},
		{name: "corrective_actions/vendor_id", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.CorrectiveAction], error) {
			return db.ListCorrectiveActions(ctx, domain.CorrectiveActionFilter{VendorID: vendor(5)}, p)
		})},
		{name: "corrective_actions/owner_id", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.CorrectiveAction], error) {
			return db.ListCorrectiveActions(ctx, domain.CorrectiveActionFilter{OwnerID: person(7)}, p)
		})},
		{name: "corrective_actions/status", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.CorrectiveAction], error) {
			return db.ListCorrectiveActions(ctx, domain.CorrectiveActionFilter{Status: domain.ActionDone}, p)
		})},
		{name: "corrective_actions/due_before", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.CorrectiveAction], error) {
			return db.ListCorrectiveActions(ctx, domain.CorrectiveActionFilter{DueBefore: date("2019-05-01")}, p)
		})},

		{name: "cloud_services/status", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.CloudService], error) {
			return db.ListCloudServices(ctx, domain.CloudServiceFilter{Status: domain.CloudRetired}, p)
		})},
		{name: "cloud_services/responsible_person_id", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.CloudService], error) {
			return db.ListCloudServices(ctx, domain.CloudServiceFilter{ResponsiblePersonID: person(7)}, p)
		})},
		{name: "cloud_services/review_due_before", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.CloudService], error) {
			return db.ListCloudServices(ctx, domain.CloudServiceFilter{ReviewDueBefore: date("2019-05-01")}, p)
		})},
		{name: "cloud_services/q", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.CloudService], error) {
			return db.ListCloudServices(ctx, domain.CloudServiceFilter{Q: "クリーン"}, p)
		})},
		{name: "cloud_services/fiscal_year", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.CloudService], error) {
			return db.ListCloudServices(ctx, domain.CloudServiceFilter{FiscalYear: 2019}, p)
		})},

		{name: "social_accounts/platform", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.SocialAccount], error) {
			return db.ListSocialAccounts(ctx, domain.SocialAccountFilter{Platform: domain.PlatformYouTube}, p)
		})},
		{name: "social_accounts/status", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.SocialAccount], error) {
			return db.ListSocialAccounts(ctx, domain.SocialAccountFilter{Status: domain.SocialRetired}, p)
		})},
		{name: "social_accounts/responsible_person_id", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.SocialAccount], error) {
			return db.ListSocialAccounts(ctx, domain.SocialAccountFilter{ResponsiblePersonID: person(7)}, p)
		})},
		{name: "social_accounts/review_due_before", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.SocialAccount], error) {
			return db.ListSocialAccounts(ctx, domain.SocialAccountFilter{ReviewDueBefore: date("2019-05-01")}, p)
		})},
		{name: "social_accounts/q", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.SocialAccount], error) {
			return db.ListSocialAccounts(ctx, domain.SocialAccountFilter{Q: "クリーン"}, p)
		})},

		{name: "people/department_id", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Person], error) {
			return db.ListPeople(ctx, domain.PersonFilter{DepartmentID: benchID(8, 3)}, p)
		})},
		{name: "people/active", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Person], error) {
			inactive := false
			return db.ListPeople(ctx, domain.PersonFilter{Active: &inactive}, p)
		})},
		{name: "people/security_role", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Person], error) {
			return db.ListPeople(ctx, domain.PersonFilter{SecurityRole: domain.SecurityRoleCISO}, p)
		})},
		{name: "people/email", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Person], error) {
			return db.ListPeople(ctx, domain.PersonFilter{Email: "IDX7@example.lg.jp"}, p)
		})},
		{name: "people/q", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Person], error) {
			return db.ListPeople(ctx, domain.PersonFilter{Q: "クリーン"}, p)
		})},
		{name: "departments/q", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Department], error) {
			return db.ListDepartments(ctx, domain.DepartmentFilter{Q: "クリーン"}, p)
		})},

		{name: "reminders/status", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Reminder], error) {
			return db.ListReminders(ctx, domain.ReminderFilter{Status: domain.ReminderFailed}, p)
		})},
		{name: "reminders/recipient_id", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Reminder], error) {
			return db.ListReminders(ctx, domain.ReminderFilter{RecipientID: person(7)}, p)
		})},
		{name: "reminders/subject_type", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Reminder], error) {
			return db.ListReminders(ctx, domain.ReminderFilter{SubjectType: domain.SubjectIncidentStep}, p)
		})},
		{name: "reminders/subject_id", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Reminder], error) {
			return db.ListReminders(ctx, domain.ReminderFilter{SubjectID: contract(5)}, p)
		})},
		{name: "reminders/stage", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Reminder], error) {
			return db.ListReminders(ctx, domain.ReminderFilter{Stage: "overdue"}, p)
		})},
		{name: "reminders/fiscal_year", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Reminder], error) {
			return db.ListReminders(ctx, domain.ReminderFilter{FiscalYear: 2019}, p)
		})},

		{name: "reviews/subject_type", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Review], error) {
			return db.ListReviews(ctx, domain.ReviewFilter{SubjectType: domain.ReviewSocialAccount}, p)
		})},
		{name: "reviews/subject_id", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Review], error) {
			return db.ListReviews(ctx, domain.ReviewFilter{SubjectID: contract(5)}, p)
		})},
		{name: "reviews/fiscal_year", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Review], error) {
			return db.ListReviews(ctx, domain.ReviewFilter{FiscalYear: 2019}, p)
		})},

		{name: "incidents/status", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Incident], error) {
			return db.ListIncidents(ctx, domain.IncidentFilter{Status: domain.StepDetected}, p)
		})},
		{name: "incidents/open", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Incident], error) {
			return db.ListIncidents(ctx, domain.IncidentFilter{Open: true}, p)
		})},
		{name: "incidents/severity", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Incident], error) {
			return db.ListIncidents(ctx, domain.IncidentFilter{Severity: "high"}, p)
		})},
		{name: "incidents/owner_id", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Incident], error) {
			return db.ListIncidents(ctx, domain.IncidentFilter{OwnerID: person(7)}, p)
		})},
		{name: "incidents/record_id", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Incident], error) {
			return db.ListIncidents(ctx, domain.IncidentFilter{RecordID: contract(5)}, p)
		})},
		{name: "incidents/q", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Incident], error) {
			return db.ListIncidents(ctx, domain.IncidentFilter{Q: "クリーン"}, p)
		})},
		{name: "incidents/fiscal_year", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.Incident], error) {
			return db.ListIncidents(ctx, domain.IncidentFilter{FiscalYear: 2019}, p)
		})},

		{name: "evidence_files/subject_type", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.EvidenceFile], error) {
			return db.ListEvidenceFiles(ctx, domain.EvidenceFilter{SubjectType: domain.EvidenceIncident, IncludeDeleted: true}, p)
		})},
		{name: "evidence_files/subject_id", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.EvidenceFile], error) {
			return db.ListEvidenceFiles(ctx, domain.EvidenceFilter{SubjectID: contract(5)}, p)
		})},

		{name: "audit_events", pkWalk: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.AuditEvent], error) {
			return db.ListAuditEvents(ctx, domain.AuditFilter{}, p)
		})},
		{name: "audit_events/entity_type", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.AuditEvent], error) {
			return db.ListAuditEvents(ctx, domain.AuditFilter{EntityType: "incident"}, p)
		})},
		{name: "audit_events/entity_id", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.AuditEvent], error) {
			return db.ListAuditEvents(ctx, domain.AuditFilter{EntityID: contract(5)}, p)
		})},
		{name: "audit_events/actor_id", ordered: true, list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.AuditEvent], error) {
			return db.ListAuditEvents(ctx, domain.AuditFilter{ActorID: person(7)}, p)
		})},
		{name: "audit_events/since", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.AuditEvent], error) {
			return db.ListAuditEvents(ctx, domain.AuditFilter{Since: &since}, p)
		})},
		{name: "audit_events/fiscal_year", list: page(func(ctx context.Context, db *store.DB, p domain.PageRequest) (domain.Page[*domain.AuditEvent], error) {
			return db.ListAuditEvents(ctx, domain.AuditFilter{FiscalYear: 2019}, p)
		})},
	}
	return cases
}

// buildIndexRegister writes the test's register with multi-row INSERTs and
// refreshes the statistics; it returns an administrator's context. In every
// filtered column one row in idxSelected holds the value the cases ask for.
func buildIndexRegister(t *testing.T, db *store.DB) context.Context {
	t.Helper()
	ctx := context.Background()
	first, err := db.SeedIfEmpty(ctx)
	require.NoError(t, err)
	person := func(i int) string { return benchID(1, i) }
	vendor := func(i int) string { return benchID(2, i) }
	contract := func(i int) string { return benchID(3, i) }
	dept := func(i int) string { return benchID(8, i) }
	// pick returns a for one row in idxSelected, b otherwise.
	pick := func(i int, a, b any) any {
		if i%idxSelected == 0 {
			return a
		}
		return b
	}
	// text folds a row's searched text: one row in idxSelected holds クリーン.
	text := func(i int) any {
		return *foldForTest(fmt.Sprint(pick(i, "くりーん", "ほくぶ")), fmt.Sprint(i))
	}
	// day spreads dates over 2019-2030; the cases ask for early 2019.
	day := func(i int) string { return domain.NewDate(2019, time.April, 1).AddDays((i * 37) % 4000).String() }

	fillTable(t, db, "departments", 300, map[string]func(int) any{
		"id": func(i int) any { return dept(i) }, "name": func(i int) any { return fmt.Sprintf("課 %d", i) }, "search_text": text,
	})
	fillTable(t, db, "people", idxPeople, map[string]func(int) any{
		"id": func(i int) any { return person(i) }, "email": func(i int) any { return fmt.Sprintf("idx%d@example.lg.jp", i) },
		"department_id":  func(i int) any { return dept(i % 300) },
		"security_roles": func(i int) any { return pick(i, `["ciso"]`, `[]`) }, "active": func(i int) any { return pick(i, false, true) },
		"employment_type": func(int) any { return string(domain.EmploymentRegular) }, "locale": func(int) any { return "ja" },
		"supervisor_id": func(int) any { return nil }, "search_text": text,
	})
	fillTable(t, db, "vendors", idxVendors, map[string]func(int) any{
		"id": func(i int) any { return vendor(i) }, "owner_id": func(i int) any { return person(i % 100) },
		"status":    func(i int) any { return pick(i, string(domain.VendorSuspended), string(domain.VendorApproved)) },
		"risk_tier": func(i int) any { return pick(i, string(domain.RiskHigh), string(domain.RiskLow)) }, "search_text": text,
	})
	fillTable(t, db, "vendor_certifications", idxVendors, map[string]func(int) any{
		"vendor_id": func(i int) any { return vendor(i) }, "position": func(int) any { return 0 },
		"valid_until": func(i int) any { return pick(i, "2026-04-10", "2030-01-01") },
	})
	fillTable(t, db, "contracts", idxRows, map[string]func(int) any{
		"id": func(i int) any { return contract(i) }, "vendor_id": func(i int) any { return vendor(i % idxVendors) },
		"owner_id":   func(i int) any { return person(i % 500) },
		"status":     func(i int) any { return pick(i, string(domain.ContractTerminated), string(domain.ContractActive)) },
		"start_date": func(i int) any { return day(i) }, "next_confirmation_due": func(i int) any { return pick(i, "2026-04-01", "2027-01-01") },
		"renewal_review_due": func(i int) any { return pick(i, "2026-04-01", "2027-01-01") }, "renewal_term_months": func(int) any { return 12 },
		"search_text": text,
	})
	fillTable(t, db, "contract_clauses", idxRows, map[string]func(int) any{
		"contract_id": func(i int) any { return contract(i) }, "code": func(int) any { return "confidentiality" },
		"status": func(i int) any { return pick(i, string(domain.ClauseMissing), string(domain.ClauseIncluded)) },
	})
	// Every contract misses the other clauses of the catalogue: the
	// filter's table holds idxRows rows of each.
	require.NoError(t, db.RebuildMissingClauses(ctx))
	fillTable(t, db, "confirmations", idxRows, map[string]func(int) any{
		"id": func(i int) any { return benchID(4, i) },
		// One scheduled confirmation a contract: the scheduled rows, overdue, are one in idxSelected too.
		"contract_id": func(i int) any { return pick(i+1, contract(i), contract(i%2000)) },
		"vendor_id":   func(i int) any { return vendor(i % idxVendors) }, "due_date": func(i int) any { return day(i) },
		"status": func(i int) any {
			return pick(i, string(domain.ConfirmationCompleted), pick(i+1, string(domain.ConfirmationScheduled), "cancelled"))
		},
		"checklist": func(int) any { return `{}` }, "performed_by": func(int) any { return nil },
	})
	fillTable(t, db, "corrective_actions", idxRows, map[string]func(int) any{
		"id": func(i int) any { return benchID(5, i) }, "contract_id": func(i int) any { return contract(i % 2000) },
		"vendor_id": func(i int) any { return vendor(i % idxVendors) }, "owner_id": func(i int) any { return person(i % 500) },
		"confirmation_id": func(int) any { return nil }, "closed_by": func(int) any { return nil },
		"source":    func(i int) any { return pick(i, string(domain.SourceIncident), string(domain.SourceConfirmation)) },
		"source_id": func(i int) any { return benchID(9, i%2000) }, "due_date": func(i int) any { return day(i) },
		"status": func(i int) any { return pick(i, string(domain.ActionDone), string(domain.ActionOpen)) },
	})
	fillTable(t, db, "cloud_services", idxRows, map[string]func(int) any{
		"id": func(i int) any { return benchID(6, i) }, "responsible_person_id": func(i int) any { return person(i % 500) },
		"department_id": func(i int) any { return dept(i % 300) }, "requester_id": func(int) any { return nil }, "approver_id": func(int) any { return nil },
		"status":          func(i int) any { return pick(i, string(domain.CloudRetired), string(domain.CloudApproved)) },
		"next_review_due": func(i int) any { return day(i) }, "search_text": text,
	})
	fillTable(t, db, "social_accounts", idxRows, map[string]func(int) any{
		"id": func(i int) any { return benchID(7, i) }, "handle": func(i int) any { return fmt.Sprintf("h%d", i) },
		"platform":      func(i int) any { return pick(i, string(domain.PlatformYouTube), string(domain.PlatformX)) },
		"department_id": func(i int) any { return dept(i % 300) }, "responsible_person_id": func(i int) any { return person(i % 500) },
		"credential_custodian_id": func(int) any { return nil },
		"status":                  func(i int) any { return pick(i, string(domain.SocialRetired), string(domain.SocialActive)) },
		"next_review_due":         func(i int) any { return day(i) }, "search_text": text,
	})
	fillTable(t, db, "reminders", idxRows, map[string]func(int) any{
		"id": func(i int) any { return benchID(10, i) }, "subject_id": func(i int) any { return contract(i % 2000) },
		"subject_type": func(i int) any {
			return pick(i, string(domain.SubjectIncidentStep), string(domain.SubjectConfirmation))
		},
		"recipient_id": func(i int) any { return person(i % 500) }, "due_date": func(i int) any { return day(i) }, "repeat": func(i int) any { return i },
		"stage":  func(i int) any { return pick(i, "overdue", "due") },
		"status": func(i int) any { return pick(i, string(domain.ReminderFailed), string(domain.ReminderSent)) },
	})
	fillTable(t, db, "reviews", idxRows, map[string]func(int) any{
		"id": func(i int) any { return benchID(11, i) }, "subject_id": func(i int) any { return contract(i % 2000) },
		"subject_type": func(i int) any {
			return pick(i, string(domain.ReviewSocialAccount), string(domain.ReviewCloudService))
		},
		"reviewer_id": func(i int) any { return person(i % 500) }, "reviewed_on": func(i int) any { return day(i) },
	})
	fillTable(t, db, "incidents", idxRows, map[string]func(int) any{
		"id": func(i int) any { return benchID(12, i) }, "owner_id": func(i int) any { return person(i % 500) },
		"reporter_id": func(int) any { return nil }, "reporting_contract_id": func(int) any { return nil },
		"status":   func(i int) any { return pick(i, string(domain.StepDetected), string(domain.StepClosed)) },
		"severity": func(i int) any { return pick(i, "high", "low") }, "detected_on": func(i int) any { return day(i) },
		"records": func(int) any { return `[]` }, "timeline": func(int) any { return `[]` }, "corrective_action_ids": func(int) any { return `[]` },
		"suspensions": func(int) any { return `[]` }, "affected_assets": func(int) any { return `[]` }, "search_text": text,
	})
	fillTable(t, db, "incident_records", idxRows, map[string]func(int) any{
		"incident_id": func(i int) any { return benchID(12, i) }, "record_type": func(int) any { return string(domain.RecordContract) },
		"record_id": func(i int) any { return contract(i % 2000) },
	})
	fillTable(t, db, "evidence_files", idxRows, map[string]func(int) any{
		"id": func(i int) any { return benchID(13, i) }, "subject_id": func(i int) any { return contract(i % 2000) },
		"subject_type": func(i int) any { return pick(i, string(domain.EvidenceIncident), string(domain.EvidenceConfirmation)) },
		"uploaded_by":  func(int) any { return nil }, "deleted_by": func(int) any { return nil },
	})
	fillTable(t, db, "audit_events", idxRows, map[string]func(int) any{
		"seq": func(i int) any { return 1_000_000 + i }, "id": func(i int) any { return benchID(14, i) },
		"actor_id":    func(i int) any { return person(i % 500) },
		"entity_type": func(i int) any { return pick(i, "incident", "contract") }, "entity_id": func(i int) any { return contract(i % 2000) },
		"occurred_at": func(i int) any {
			return time.Date(2019, time.April, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)
		},
	})
	switch db.Kind() {
	case store.SQLite:
		_, err = db.SQL().ExecContext(ctx, `ANALYZE`)
	default:
		_, err = db.SQL().ExecContext(ctx, `ANALYZE people, departments, `+strings.Join(idxBigTables, ", "))
	}
	require.NoError(t, err)
	return domain.WithActor(ctx, domain.Actor{PersonID: first.Person.ID, Role: domain.RoleAdmin, Name: "index test"})
}

// foldForTest is the store's search_text of fields (domain.FoldSearch of
// each, joined by a line break).
func foldForTest(fields ...string) *string {
	for i, f := range fields {
		fields[i] = domain.FoldSearch(f)
	}
	s := strings.Join(fields, "\n")
	return &s
}

// fillTable inserts n rows into table: set gives the value of a column in
// row i; every other column that must have a value gets a plain one of its
// type, and the rest stay NULL.
func fillTable(t testing.TB, db *store.DB, table string, n int, set map[string]func(int) any) {
	t.Helper()
	ctx := context.Background()
	type column struct {
		name, typ string
		notNull   bool
	}
	var q string
	if db.Kind() == store.SQLite {
		q = `SELECT name, lower(type), "notnull" <> 0 FROM pragma_table_info(?) ORDER BY cid`
	} else {
		q = `SELECT column_name, data_type, is_nullable = 'NO' FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`
	}
	rows, err := db.SQL().QueryContext(ctx, q, table)
	require.NoError(t, err)
	var cols []column
	for rows.Next() {
		var c column
		require.NoError(t, rows.Scan(&c.name, &c.typ, &c.notNull))
		cols = append(cols, c)
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	require.NotEmpty(t, cols, table)
	now := db.Now()
	var names []string
	var values []func(int) any
	for _, c := range cols {
		if f, ok := set[c.name]; ok {
			names, values = append(names, c.name), append(values, f)
			continue
		}
		if !c.notNull {
			continue
		}
		var v any
		switch {
		case c.name == "version":
			v = 1
		case strings.Contains(c.typ, "int"):
			v = 0
		case strings.Contains(c.typ, "bool"):
			v = false
		case c.typ == "date":
			v = "2026-04-01"
		case strings.Contains(c.typ, "timestamp"):
			v = now
		default:
			v = ""
		}
		names, values = append(names, c.name), append(values, func(int) any { return v })
	}
	start := time.Now()
	defer func() { t.Logf("filled %s with %d rows in %s", table, n, time.Since(start)) }()
	require.NoError(t, bulkInsert(ctx, db, table, names, n, func(i int) []any {
		out := make([]any, len(values))
		for j, f := range values {
			out[j] = f(i)
		}
		return out
	}), table)
}

var (
	sqliteScan      = regexp.MustCompile(`^SCAN (\w+)(.*)$`)
	sqlAlias        = regexp.MustCompile(`"?(\w+)"? (?:AS )?"?(\w+)"?`)
	sqliteTempOrder = regexp.MustCompile(`USE TEMP B-TREE FOR (RIGHT PART OF )?ORDER BY`)
)

// checkPlan EXPLAINs one recorded query and fails on a full scan of a
// large table, or on a sort where the index should give the order.
func checkPlan(t *testing.T, db *store.DB, c listCase, q recordedQuery) {
	t.Helper()
	big := map[string]bool{}
	for _, tb := range idxBigTables {
		big[tb] = true
	}
	if db.Kind() == store.SQLite {
		// SQLite's plan names a table by its alias in the query.
		for _, m := range sqlAlias.FindAllStringSubmatch(q.sql, -1) {
			if big[m[1]] {
				big[m[2]] = true
			}
		}
		plan := sqlitePlan(t, db, q)
		all := strings.Join(plan, "\n")
		t.Logf("%s\n%s", q.sql, all)
		for _, d := range plan {
			if m := sqliteScan.FindStringSubmatch(d); m != nil && big[m[1]] {
				usesIndex := strings.Contains(m[2], "USING INDEX") || strings.Contains(m[2], "USING COVERING INDEX")
				require.True(t, usesIndex, "full scan of %s:\n%s\n%s", m[1], q.sql, all)
				walksPK := strings.Contains(m[2], "sqlite_autoindex_") || strings.Contains(m[2], "PRIMARY KEY")
				require.True(t, !walksPK || c.pkWalk, "walks all of %s's primary key behind a filter:\n%s\n%s", m[1], q.sql, all)
			}
			if c.ordered && sqliteTempOrder.MatchString(d) {
				t.Fatalf("sorts the matching rows instead of reading them in order from an index:\n%s\n%s", q.sql, all)
			}
		}
		return
	}
	root, raw := postgresPlan(t, db, q)
	var walk func(p pgPlan)
	walk = func(p pgPlan) {
		if p.NodeType == "Seq Scan" && big[p.Relation] {
			t.Fatalf("Seq Scan on %s:\n%s\n%s", p.Relation, q.sql, raw)
		}
		// Sorting the few rows of a selective filter (an owner's) is
		// cheaper than reading them in order; a sort of many is not.
		if c.ordered && (p.NodeType == "Sort" || p.NodeType == "Incremental Sort") && len(p.Plans) == 1 && p.Plans[0].Rows > pgSortMax {
			t.Fatalf("sorts the matching rows instead of reading them in order from an index:\n%s\n%s", q.sql, raw)
		}
		for _, child := range p.Plans {
			walk(child)
		}
	}
	walk(root)
}

// pgSortMax is the most rows PostgreSQL may sort for an equality filter.
const pgSortMax = 500

// pgPlan is one node of PostgreSQL's EXPLAIN (FORMAT JSON).
type pgPlan struct {
	NodeType string `json:"Node Type"`
	Relation string `json:"Relation Name"`
	Index    string `json:"Index Name"`
	// IndexCond and RecheckCond are the conditions an index range (or a
	// bitmap of one) is bounded by.
	IndexCond   string   `json:"Index Cond"`
	RecheckCond string   `json:"Recheck Cond"`
	Rows        float64  `json:"Plan Rows"`
	Plans       []pgPlan `json:"Plans"`
}

// sqlitePlan is SQLite's plan of q, one detail line per step.
func sqlitePlan(t *testing.T, db *store.DB, q recordedQuery) []string {
	t.Helper()
	rows, err := db.SQL().QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+q.sql, q.args...)
	require.NoError(t, err)
	defer func() { _ = rows.Close() }()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
		plan = append(plan, detail)
	}
	require.NoError(t, rows.Err())
	return plan
}

// postgresPlan is PostgreSQL's plan of q, and its JSON for messages.
func postgresPlan(t *testing.T, db *store.DB, q recordedQuery) (pgPlan, []byte) {
	t.Helper()
	var raw []byte
	require.NoError(t, db.SQL().QueryRowContext(context.Background(), `EXPLAIN (FORMAT JSON) `+q.sql, q.args...).Scan(&raw))
	var plans []struct {
		Plan pgPlan `json:"Plan"`
	}
	require.NoError(t, json.Unmarshal(raw, &plans))
	require.Len(t, plans, 1)
	t.Logf("%s\n%s", q.sql, raw)
	return plans[0].Plan, raw
}
