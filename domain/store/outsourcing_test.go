package store_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// Store-level tests of the outsourcing register (issue 3) that need the
// injected clock. Helpers of this file are prefixed with out.

// outClock is a settable clock for the store.
type outClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *outClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *outClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// outTokyo returns the instant of a wall-clock time in Asia/Tokyo, the
// store's default time zone.
func outTokyo(t *testing.T, y int, m time.Month, d, hh, mm, ss int) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	return time.Date(y, m, d, hh, mm, ss, 0, loc)
}

// outDate parses YYYY-MM-DD.
func outDate(t *testing.T, s string) domain.Date {
	t.Helper()
	d, err := domain.ParseDate(s)
	require.NoError(t, err)
	return d
}

// outAddMonths adds months to a date with plain time arithmetic, clamped to
// the end of the target month (independent of domain.Date.AddMonths).
func outAddMonths(t *testing.T, d domain.Date, months int) domain.Date {
	t.Helper()
	tm, err := time.Parse(time.DateOnly, d.String())
	require.NoError(t, err)
	first := time.Date(tm.Year(), tm.Month()+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	last := time.Date(first.Year(), first.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return outDate(t, time.Date(first.Year(), first.Month(), min(tm.Day(), last), 0, 0, 0, 0, time.UTC).Format(time.DateOnly))
}

// outAddDays adds days to a date with plain time arithmetic.
func outAddDays(t *testing.T, d domain.Date, days int) domain.Date {
	t.Helper()
	tm, err := time.Parse(time.DateOnly, d.String())
	require.NoError(t, err)
	return outDate(t, tm.AddDate(0, 0, days).Format(time.DateOnly))
}

// outSeed seeds the database and returns a context acting as its first administrator.
func outSeed(t *testing.T, db *store.DB) (context.Context, *domain.Person) {
	t.Helper()
	first, err := db.SeedIfEmpty(context.Background())
	require.NoError(t, err)
	ctx := domain.WithActor(context.Background(), domain.Actor{PersonID: first.Person.ID, Role: domain.RoleAdmin, Name: first.Person.Name})
	return ctx, first.Person
}

// outApprovedVendor registers a vendor, records a complete selection and approves it.
func outApprovedVendor(t *testing.T, ctx context.Context, db *store.DB, owner *domain.Person, name string, certs []domain.Certification) *domain.Vendor {
	t.Helper()
	v, err := db.CreateVendor(ctx, domain.VendorInput{Name: name, OwnerID: owner.ID, Certifications: certs})
	require.NoError(t, err)
	criteria, err := db.ListCatalogueItems(ctx, domain.CatalogueSelectionCriteria, false)
	require.NoError(t, err)
	rec := domain.SelectionRecord{SelectedBy: owner.ID, SelectedOn: outDate(t, "2026-01-15")}
	for _, c := range criteria {
		rec.Results = append(rec.Results, domain.SelectionResult{Criterion: c.Code, Result: domain.SelectionMet, Note: "確認済み"})
	}
	_, err = db.RecordSelection(ctx, v.ID, nil, rec)
	require.NoError(t, err)
	v, err = db.ChangeVendorStatus(outApprover(t, ctx, db), v.ID, nil, domain.VendorApproved, "")
	require.NoError(t, err)
	require.Equal(t, domain.VendorApproved, v.Status)
	return v
}

// outApprover returns a context acting as a new person with the manager
// security role: the second person a vendor approval or a waiver needs.
func outApprover(t *testing.T, ctx context.Context, db *store.DB) context.Context {
	t.Helper()
	me, _ := domain.ActorFrom(ctx)
	owner, err := db.FindPerson(ctx, me.PersonID)
	require.NoError(t, err)
	p, err := db.CreatePerson(ctx, domain.PersonInput{Name: "承認 課長", Email: "approver-" + uuid.NewString()[:8] + "@example.lg.jp",
		DepartmentID: owner.DepartmentID, SecurityRoles: []domain.SecurityRole{domain.SecurityRoleManager}})
	require.NoError(t, err)
	return domain.WithActor(context.Background(), domain.Actor{PersonID: p.ID, Role: domain.RoleEditor, Name: p.Name})
}

// outCompleteWithFinding completes a confirmation as performed by on the
// day given, every item ok but the first, a finding whose corrective action
// is due on actionDue; it returns the action's id.
func outCompleteWithFinding(t *testing.T, ctx context.Context, db *store.DB, conf *domain.Confirmation, by *domain.Person, on, actionDue domain.Date) string {
	t.Helper()
	in := domain.ConfirmationCompletion{PerformedBy: by.ID, PerformedOn: on}
	for i, it := range conf.Checklist {
		r := domain.ItemResultInput{Code: it.Code, Result: domain.ItemOK}
		if i == 0 {
			r = domain.ItemResultInput{Code: it.Code, Result: domain.ItemFinding, Note: "記録なし", Severity: domain.SeverityLow, ActionDueDate: actionDue}
		}
		in.Results = append(in.Results, r)
	}
	done, err := db.CompleteConfirmation(ctx, conf.ID, nil, in)
	require.NoError(t, err)
	return done.Checklist[0].CorrectiveActionID
}

// outActiveContract registers a contract, includes every mandatory clause and activates it.
func outActiveContract(t *testing.T, ctx context.Context, db *store.DB, in domain.ContractInput) *domain.Contract {
	t.Helper()
	c, err := db.CreateContract(ctx, in)
	require.NoError(t, err)
	clauses, err := db.ListCatalogueItems(ctx, domain.CatalogueClauses, false)
	require.NoError(t, err)
	for i, cl := range clauses {
		if !cl.Mandatory {
			continue
		}
		_, err := db.SetContractClause(ctx, c.ID, cl.Code, domain.ClauseCoverageInput{Status: domain.ClauseIncluded, ArticleRef: "第" + strconv.Itoa(10+i) + "条"})
		require.NoError(t, err)
	}
	c, err = db.ActivateContract(ctx, c.ID, nil)
	require.NoError(t, err)
	require.Equal(t, domain.ContractActive, c.Status)
	return c
}

// outAssets is one information asset of the confidentiality class.
func outAssets(confidentiality domain.Confidentiality) []domain.InformationAsset {
	return []domain.InformationAsset{{Name: "情報", Classification: domain.Classification{Confidentiality: confidentiality, Integrity: 1, Availability: 1}}}
}

// outConfirmationIDs lists the ids of the confirmations a filter selects.
func outConfirmationIDs(t *testing.T, ctx context.Context, db *store.DB, f domain.ConfirmationFilter) []string {
	t.Helper()
	page, err := db.ListConfirmations(ctx, f, domain.PageRequest{Limit: domain.MaxPageSize})
	require.NoError(t, err)
	require.Empty(t, page.NextCursor)
	ids := []string{}
	for _, c := range page.Items {
		ids = append(ids, c.ID)
	}
	return ids
}

func TestOutsourcingConfirmationOverdueFollowsTheClock(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2026, time.May, 1, 9, 0, 0))
		ctx, admin := outSeed(t, db)
		v := outApprovedVendor(t, ctx, db, admin, "確認先株式会社", nil)
		c := outActiveContract(t, ctx, db, domain.ContractInput{VendorID: v.ID, Title: "保守業務委託", OwnerID: admin.ID,
			StartDate: outDate(t, "2026-04-01"), InformationAssets: outAssets(domain.Confidentiality2)})
		conf, err := db.CreateConfirmation(ctx, domain.ConfirmationInput{ContractID: c.ID, DueDate: outDate(t, "2026-06-30")})
		require.NoError(t, err)
		require.Equal(t, domain.ConfirmationScheduled, conf.Status)

		status := func() domain.ConfirmationStatus {
			t.Helper()
			got, err := db.FindConfirmation(ctx, conf.ID)
			require.NoError(t, err)
			return got.Status
		}
		overdue := domain.ConfirmationFilter{Status: domain.ConfirmationOverdue}
		scheduled := domain.ConfirmationFilter{Status: domain.ConfirmationScheduled}
		completed := domain.ConfirmationFilter{Status: domain.ConfirmationCompleted}

		require.Equal(t, domain.ConfirmationScheduled, status())
		require.Empty(t, outConfirmationIDs(t, ctx, db, overdue))
		require.Equal(t, []string{conf.ID}, outConfirmationIDs(t, ctx, db, scheduled))

		// The last second of the due date in Tokyo (14:59:59 UTC): not yet overdue.
		clock.Set(outTokyo(t, 2026, time.June, 30, 23, 59, 59))
		require.Equal(t, domain.ConfirmationScheduled, status())
		require.Empty(t, outConfirmationIDs(t, ctx, db, overdue))
		require.Equal(t, []string{conf.ID}, outConfirmationIDs(t, ctx, db, scheduled))

		// Midnight in Tokyo, still 30 June in UTC: overdue.
		clock.Set(outTokyo(t, 2026, time.July, 1, 0, 0, 0))
		require.Equal(t, domain.ConfirmationOverdue, status())
		require.Equal(t, []string{conf.ID}, outConfirmationIDs(t, ctx, db, overdue))
		require.Empty(t, outConfirmationIDs(t, ctx, db, scheduled))
		page, err := db.ListConfirmations(ctx, domain.ConfirmationFilter{ContractID: c.ID}, domain.PageRequest{})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		require.Equal(t, domain.ConfirmationOverdue, page.Items[0].Status, "the unfiltered list shows the derived status too")

		// Completed late, it is completed, not overdue.
		items := []domain.ItemResultInput{}
		for _, it := range conf.Checklist {
			items = append(items, domain.ItemResultInput{Code: it.Code, Result: domain.ItemOK})
		}
		done, err := db.CompleteConfirmation(ctx, conf.ID, nil, domain.ConfirmationCompletion{
			PerformedBy: admin.ID, PerformedOn: outDate(t, "2026-07-01"), Results: items})
		require.NoError(t, err)
		require.Equal(t, domain.ConfirmationCompleted, done.Status)
		require.Equal(t, domain.ConfirmationCompleted, status())
		require.Empty(t, outConfirmationIDs(t, ctx, db, overdue))
		require.Equal(t, []string{conf.ID}, outConfirmationIDs(t, ctx, db, completed))

		// The contract's next confirmation: 1 July 2026 + 12 months (medium).
		got, err := db.FindContract(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, "2027-07-01", got.NextConfirmationDue.String())

		// "Today" for performed_on is the clock's date in Tokyo as well.
		conf2, err := db.CreateConfirmation(ctx, domain.ConfirmationInput{ContractID: c.ID})
		require.NoError(t, err)
		require.Equal(t, "2027-07-01", conf2.DueDate.String())
		_, err = db.CompleteConfirmation(ctx, conf2.ID, nil, domain.ConfirmationCompletion{
			PerformedBy: admin.ID, PerformedOn: outDate(t, "2026-07-02"), Results: items})
		require.Equal(t, domain.EINVALID, domain.ErrorCodeOf(err), "2 July is in the future on 1 July: %v", err)
	})
}

func TestOutsourcingCertificationExpiresWithTheClock(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2026, time.December, 31, 9, 0, 0))
		ctx, admin := outSeed(t, db)
		v, err := db.CreateVendor(ctx, domain.VendorInput{Name: "認証株式会社", OwnerID: admin.ID, Certifications: []domain.Certification{
			{Kind: domain.CertISO27001, Number: "IS 123456", ValidUntil: outDate(t, "2026-12-31")},
			{Kind: domain.CertPrivacyMark, Number: "10820001", ValidUntil: outDate(t, "2027-01-01")},
		}})
		require.NoError(t, err)

		expired := func() []bool {
			t.Helper()
			found, err := db.FindVendor(ctx, v.ID)
			require.NoError(t, err)
			page, err := db.ListVendors(ctx, domain.VendorFilter{}, domain.PageRequest{})
			require.NoError(t, err)
			require.Len(t, page.Items, 1)
			var out []bool
			for i, c := range found.Certifications {
				require.Equal(t, c.Expired, page.Items[0].Certifications[i].Expired, "FindVendor and ListVendors agree")
				out = append(out, c.Expired)
			}
			return out
		}

		require.Equal(t, []bool{false, false}, expired(), "valid on its last day")
		require.Equal(t, []bool{false, false}, []bool{v.Certifications[0].Expired, v.Certifications[1].Expired})

		clock.Set(outTokyo(t, 2026, time.December, 31, 23, 59, 59))
		require.Equal(t, []bool{false, false}, expired(), "still its last day in Tokyo")

		// Midnight in Tokyo, still 31 December in UTC.
		clock.Set(outTokyo(t, 2027, time.January, 1, 0, 0, 0))
		require.Equal(t, []bool{true, false}, expired())

		clock.Set(outTokyo(t, 2027, time.January, 2, 0, 0, 0))
		require.Equal(t, []bool{true, true}, expired())
	})
}

// outContractCount is how many active contracts the settings change must
// re-derive: more than two of the store's batches of 500.
const outContractCount = 1200

func TestOutsourcingReplaceSettingsRecomputesEveryActiveContract(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(outTokyo(t, 2026, time.April, 1, 9, 0, 0))
		ctx, admin := outSeed(t, db)

		// One vendor per tier, each with one contract made through the store.
		type tierCase struct {
			tier            domain.RiskTier
			confidentiality domain.Confidentiality
			vendor          *domain.Vendor
		}
		tiers := []*tierCase{
			{tier: domain.RiskHigh, confidentiality: domain.Confidentiality3},
			{tier: domain.RiskMedium, confidentiality: domain.Confidentiality2},
			{tier: domain.RiskLow, confidentiality: domain.Confidentiality1},
		}
		for _, tc := range tiers {
			tc.vendor = outApprovedVendor(t, ctx, db, admin, string(tc.tier)+" 株式会社", nil)
			c := outActiveContract(t, ctx, db, domain.ContractInput{VendorID: tc.vendor.ID, Title: "委託 " + string(tc.tier),
				OwnerID: admin.ID, StartDate: outDate(t, "2026-04-01"), EndDate: outDate(t, "2027-03-31"), NoticePeriodDays: 30,
				InformationAssets: outAssets(tc.confidentiality)})
			v, err := db.FindVendor(ctx, tc.vendor.ID)
			require.NoError(t, err)
			require.Equal(t, tc.tier, v.RiskTier)
			// A one-year contract is confirmed 30 days before it ends when the
			// interval would land after the end (単年度契約).
			want := map[domain.RiskTier]string{domain.RiskHigh: "2026-10-01", domain.RiskMedium: "2027-03-01", domain.RiskLow: "2027-03-01"}
			require.Equal(t, want[tc.tier], c.NextConfirmationDue.String())
			require.Equal(t, "2026-12-28", c.RenewalReviewDue.String(), "2026-12-31 is in the year-end closure: the business day before")
			require.Equal(t, "2026-12-31", c.RenewalReviewDueNominal.String())
		}

		// The rest are written like the store writes them, with their due
		// dates derived under the default settings: varied start dates, some
		// with a completed confirmation, some open-ended; plus drafts and
		// terminated contracts, which have no due dates and must keep none.
		old := domain.DefaultPolicySettings
		tx, err := db.SQL().BeginTx(ctx, nil)
		require.NoError(t, err)
		defer func() { _ = tx.Rollback() }()
		cols := []string{"id", "vendor_id", "title", "scope", "start_date", "end_date", "auto_renew", "notice_period_days",
			"work_location", "vendor_manager_name", "subcontracting_allowed", "subcontractors", "owner_id", "information_assets",
			"status", "termination_reason", "last_confirmed_on", "next_confirmation_due", "renewal_review_due", "version",
			"created_at", "updated_at"}
		marks := make([]string, len(cols))
		for i := range marks {
			marks[i] = "?"
			if db.Kind() == store.Postgres {
				marks[i] = "$" + strconv.Itoa(i+1)
			}
		}
		stmt, err := tx.PrepareContext(ctx, "INSERT INTO contracts ("+strings.Join(cols, ", ")+") VALUES ("+strings.Join(marks, ", ")+")")
		require.NoError(t, err)
		now := db.Now()
		base := outDate(t, "2025-06-01")
		for i, extra := 0, 0; extra < outContractCount-len(tiers); i++ {
			tc := tiers[i%len(tiers)]
			status := domain.ContractActive
			switch i % 40 {
			case 7:
				status = domain.ContractDraft
			case 23:
				status = domain.ContractTerminated
			default:
				extra++
			}
			start := outAddDays(t, base, i%365)
			var end, last domain.Date
			if i%4 != 0 {
				end = outAddDays(t, outAddMonths(t, start, 12+i%13), -1)
			}
			if i%5 == 0 {
				last = outAddDays(t, start, 20+i%30)
			}
			assets, err := json.Marshal(outAssets(tc.confidentiality))
			require.NoError(t, err)
			sched := domain.ContractSchedule{Status: status, StartDate: start, EndDate: end, NoticePeriodDays: i % 90,
				LastConfirmedOn: last, Tier: tc.tier}
			_, err = stmt.ExecContext(ctx, uuid.Must(uuid.NewV7()).String(), tc.vendor.ID, "複製契約 "+strconv.Itoa(i), "", start, end,
				false, i%90, "", "", false, "[]", admin.ID, string(assets), string(status), "", last,
				sched.NextConfirmationDue(old), sched.RenewalReviewDue(old), 1, now, now)
			require.NoError(t, err, "insert contract %d", i)
		}
		require.NoError(t, stmt.Close())
		require.NoError(t, tx.Commit())

		before, err := db.GetSettings(ctx)
		require.NoError(t, err)
		changed := before.PolicySettings
		changed.ConfirmationIntervalMonths = domain.TierIntervals{High: 3, Medium: 9, Low: 18}
		changed.RenewalReviewLeadDays = 45
		after, err := db.ReplaceSettings(ctx, &before.Version, changed)
		require.NoError(t, err)
		require.Equal(t, before.Version+1, after.Version)

		// Every contract, read back page by page; the dates fall on business
		// days of the default calendar (domain's holiday rules, tested there).
		cal := domain.NewBusinessCalendar(domain.DefaultPolicySettings)
		tierOf := map[string]domain.RiskTier{}
		for _, tc := range tiers {
			tierOf[tc.vendor.ID] = tc.tier
		}
		active, others := 0, 0
		seen := map[string]bool{}
		cursor := ""
		for pages := 0; ; pages++ {
			require.Less(t, pages, 100, "paging does not end")
			page, err := db.ListContracts(ctx, domain.ContractFilter{}, domain.PageRequest{Limit: domain.MaxPageSize, Cursor: cursor})
			require.NoError(t, err)
			for _, c := range page.Items {
				require.False(t, seen[c.ID], "contract %s listed twice", c.ID)
				seen[c.ID] = true
				if c.Status != domain.ContractActive {
					others++
					require.True(t, c.NextConfirmationDue.IsZero(), "%s contract %s has a confirmation due", c.Status, c.Title)
					require.True(t, c.RenewalReviewDue.IsZero(), "%s contract %s has a renewal review due", c.Status, c.Title)
					continue
				}
				active++
				from := c.StartDate
				if !c.LastConfirmedOn.IsZero() {
					from = c.LastConfirmedOn
				}
				months := map[domain.RiskTier]int{domain.RiskHigh: 3, domain.RiskMedium: 9, domain.RiskLow: 18}[tierOf[c.VendorID]]
				want := outAddMonths(t, from, months)
				if !c.EndDate.IsZero() && want.After(c.EndDate) {
					want = outAddDays(t, c.EndDate, -30) // confirmed before it ends
				}
				require.Equal(t, want.String(), c.NextConfirmationDueNominal.String(),
					"contract %s (%s, from %s)", c.Title, tierOf[c.VendorID], from)
				require.Equal(t, cal.BusinessDueDate(want), c.NextConfirmationDue, "contract %s: on a business day", c.Title)
				wantRenewal := domain.Date{}
				if !c.EndDate.IsZero() {
					wantRenewal = outAddDays(t, c.EndDate, -c.NoticePeriodDays-45)
				}
				require.Equal(t, wantRenewal, c.RenewalReviewDueNominal, "contract %s", c.Title)
				require.Equal(t, cal.BusinessDueDate(wantRenewal), c.RenewalReviewDue, "contract %s: on a business day", c.Title)
			}
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		require.Equal(t, outContractCount, active)
		require.Positive(t, others)

		// One audit event for the change, and an intact chain.
		events, err := db.ListAuditEvents(ctx, domain.AuditFilter{EntityType: "settings"}, domain.PageRequest{Limit: domain.MaxPageSize})
		require.NoError(t, err)
		updates := 0
		for _, ev := range events.Items {
			if ev.Action == domain.AuditUpdate {
				updates++
			}
		}
		require.Equal(t, 1, updates)
		verified, err := db.VerifyAuditChain(ctx)
		require.NoError(t, err)
		require.True(t, verified.OK, "%+v", verified.FirstBroken)

		// A second change recomputes from the stored dates again, and a
		// settings change with a stale version changes nothing.
		_, err = db.ReplaceSettings(ctx, &before.Version, domain.DefaultPolicySettings)
		require.Equal(t, domain.ESTALE, domain.ErrorCodeOf(err), "%v", err)
		for _, tc := range tiers {
			page, err := db.ListContracts(ctx, domain.ContractFilter{VendorID: tc.vendor.ID, Status: domain.ContractActive, Q: "委託 "},
				domain.PageRequest{})
			require.NoError(t, err)
			require.Len(t, page.Items, 1)
			want := map[domain.RiskTier]string{domain.RiskHigh: "2026-07-01", domain.RiskMedium: "2027-01-01", domain.RiskLow: "2027-03-01"}[tc.tier]
			require.Equal(t, want, page.Items[0].NextConfirmationDueNominal.String(), "3 and 9 months fit the term; 18 does not, so 30 days before its end")
			require.Equal(t, cal.BusinessDueDate(page.Items[0].NextConfirmationDueNominal), page.Items[0].NextConfirmationDue, "on a business day (1 January is a holiday)")
		}
		_, err = db.ReplaceSettings(ctx, &after.Version, domain.DefaultPolicySettings)
		require.NoError(t, err)
		page, err := db.ListContracts(ctx, domain.ContractFilter{ConfirmationDueBefore: outDate(t, "2026-10-02"), Status: domain.ContractActive, Q: "委託 "},
			domain.PageRequest{})
		require.NoError(t, err)
		require.Len(t, page.Items, 1, "back to 6 months, only the high contract is due by 1 October 2026")
		require.Equal(t, tiers[0].vendor.ID, page.Items[0].VendorID)
	})
}
