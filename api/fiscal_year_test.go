package api_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/api"
	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// fyDates are the edges of fiscal year 2026 (年度 2026): the day before it,
// its first and last days, and the day after it.
var fyDates = [4]string{"2026-03-31", "2026-04-01", "2027-03-31", "2027-04-01"}

// fyWant is the fiscal year of each of fyDates.
var fyWant = [4]int{2025, 2026, 2026, 2027}

// runAt is run with the store's clock under the test's control.
func runAt(t *testing.T, start time.Time, fn func(t *testing.T, e *env, clock *atomic.Int64)) {
	t.Helper()
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			clock := &atomic.Int64{}
			clock.Store(start.UnixNano())
			db := storetest.Open(t, tg, storetest.Options{Now: func() time.Time { return time.Unix(0, clock.Load()) }})
			first, err := db.SeedIfEmpty(context.Background())
			require.NoError(t, err)
			ts := httptest.NewServer(api.New(api.Config{Services: api.ServicesOf(db), Logger: slog.New(slog.DiscardHandler)}))
			t.Cleanup(ts.Close)
			fn(t, &env{t: t, db: db, url: ts.URL, admin: first.Secret, person: first.Person}, clock)
		})
	}
}

// requireFiscalYears checks that list?fiscal_year=Y returns, of ids (one per
// fyDates), exactly those whose date lies in Y, for the years 2025 to 2027.
func requireFiscalYears(e *env, list string, ids [4]string) {
	e.t.Helper()
	for _, fy := range []int{2025, 2026, 2027} {
		sep := "?"
		if strings.Contains(list, "?") {
			sep = "&"
		}
		got := outListIDs(e, fmt.Sprintf("%s%sfiscal_year=%d", list, sep, fy))
		for i, id := range ids {
			require.Equal(e.t, fyWant[i] == fy, slices.Contains(got, id),
				"%s?fiscal_year=%d: the item dated %s must be listed exactly when its date lies in the fiscal year", list, fy, fyDates[i])
		}
	}
}

// setDate writes a stored date directly, for the dates that the register
// derives (next reviews) and the filter reads.
func setDate(e *env, table, column, id, date string) {
	e.t.Helper()
	_, err := e.db.SQL().Exec(fmt.Sprintf(`UPDATE %s SET %s = '%s' WHERE id = '%s'`, table, column, date, id))
	require.NoError(e.t, err)
}

func TestFiscalYearFilterOnEveryDatedList(t *testing.T) {
	runAt(t, time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC), func(t *testing.T, e *env, _ *atomic.Int64) {
		vendor := outApprovedVendor(e, nil)

		// Contracts, on start_date; each shows its fiscal year.
		var contracts [4]string
		for i, d := range fyDates {
			c := outCreateContract(e, vendor.ID, map[string]any{"start_date": d, "end_date": nil})
			require.Equal(t, fyWant[i], c.FiscalYear, "fiscal_year of a contract starting %s", d)
			require.Equal(t, fyWant[i], outGetContract(e, c.ID).FiscalYear)
			contracts[i] = c.ID
		}
		requireFiscalYears(e, "/v1/contracts", contracts)

		// Confirmations, on due_date: one per active contract.
		var confirmations [4]string
		for i, d := range fyDates {
			c := outActiveContract(e, vendor.ID, map[string]any{"start_date": "2026-01-05", "end_date": "2029-03-31"})
			var f domain.Confirmation
			e.must(http.StatusCreated, "POST", "/v1/confirmations", e.admin, map[string]any{"contract_id": c.ID, "due_date": d}).Decode(t, &f)
			confirmations[i] = f.ID
		}
		requireFiscalYears(e, "/v1/confirmations", confirmations)

		// Corrective actions, on due_date: four findings of one confirmation.
		done := outGetConfirmation(e, confirmations[0])
		special := map[string]map[string]any{}
		for i, d := range fyDates {
			special[done.Checklist[i].Code] = map[string]any{"result": "finding", "note": "未実施 " + d, "severity": "medium", "action_due_date": d}
		}
		e.must(http.StatusOK, "POST", "/v1/confirmations/"+done.ID+"/complete", e.admin, map[string]any{
			"performed_by": e.person.ID, "performed_on": "2026-03-30", "results": outAnswers(done.Checklist, special)})
		var actionPage struct {
			Items []domain.CorrectiveAction `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/corrective-actions?contract_id="+done.ContractID, e.admin, nil).Decode(t, &actionPage)
		require.Len(t, actionPage.Items, 4)
		var actions [4]string
		for _, a := range actionPage.Items {
			actions[slices.Index(fyDates[:], a.DueDate.String())] = a.ID
		}
		requireFiscalYears(e, "/v1/corrective-actions", actions)

		// Reminders, on due_date: scans on each of the four days remind the
		// actions due then.
		for _, d := range fyDates {
			_, err := e.db.ScanDue(context.Background(), mustParse(t, d), func(context.Context, *sql.Tx, []domain.Digest) error { return nil })
			require.NoError(t, err)
		}
		for _, fy := range []int{2025, 2026, 2027} {
			var page struct {
				Items []domain.Reminder `json:"items"`
			}
			e.must(http.StatusOK, "GET", fmt.Sprintf("/v1/reminders?subject_type=corrective_action&limit=200&fiscal_year=%d", fy), e.admin, nil).Decode(t, &page)
			var dates []string
			for _, r := range page.Items {
				if !slices.Contains(dates, r.DueDate.String()) {
					dates = append(dates, r.DueDate.String())
				}
			}
			slices.Sort(dates)
			var want []string
			for i, d := range fyDates {
				if fyWant[i] == fy {
					want = append(want, d)
				}
			}
			require.Equal(t, want, dates, "due dates of the reminders listed for fiscal year %d", fy)
		}

		// Cloud services and social accounts, on next_review_due.
		supervisorToken, _ := saSupervisorToken(e)
		var services, accounts [4]string
		for i, d := range fyDates {
			services[i] = saApprovedCloud(e, e.person.ID, supervisorToken, map[string]any{"name": "年度確認サービス " + d}).ID
			setDate(e, "cloud_services", "next_review_due", services[i], d)
			handle := fmt.Sprintf("fiscal_%d", i)
			accounts[i] = saCreateAccount(e, e.person.ID, map[string]any{"handle": "@" + handle, "profile_url": "https://x.com/" + handle}).ID
			setDate(e, "social_accounts", "next_review_due", accounts[i], d)
		}
		requireFiscalYears(e, "/v1/cloud-services", services)
		requireFiscalYears(e, "/v1/social-accounts", accounts)

		// Reviews, on reviewed_on: four reviews of one more account.
		reviewed := saCreateAccount(e, e.person.ID, map[string]any{"handle": "@fiscal_reviews", "profile_url": "https://x.com/fiscal_reviews"})
		var reviews [4]string
		for i, d := range fyDates {
			var r domain.Review
			e.must(http.StatusCreated, "POST", "/v1/reviews", e.admin, map[string]any{"subject_type": "social_account", "subject_id": reviewed.ID,
				"outcome": "continue", "reviewer_id": e.person.ID, "reviewed_on": d, "notes": "運用状況を確認"}).Decode(t, &r)
			reviews[i] = r.ID
		}
		requireFiscalYears(e, "/v1/reviews", reviews)

		// A year whose dates the register cannot hold is a 422 naming it.
		for _, list := range []string{"/v1/contracts", "/v1/confirmations", "/v1/corrective-actions", "/v1/cloud-services",
			"/v1/social-accounts", "/v1/reviews", "/v1/reminders", "/v1/audit-events"} {
			for _, bad := range []string{"1899", "2999"} {
				p := requireProblem(t, e.do("GET", list+"?fiscal_year="+bad, e.admin, nil), http.StatusUnprocessableEntity)
				require.Contains(t, problemLocations(p), "query.fiscal_year", "%s?fiscal_year=%s", list, bad)
			}
		}
	})
}

func TestFiscalYearFilterOnAuditEventsCountsInTheBodysTimeZone(t *testing.T) {
	// The edges of 年度 2026 in Tokyo: 2026-04-01 00:00 JST is still
	// 2026-03-31 in UTC, so a filter on the UTC date would get both ends wrong.
	instants := [4]time.Time{
		time.Date(2026, 3, 31, 14, 59, 59, 0, time.UTC), // 2026-03-31 23:59:59 JST
		time.Date(2026, 3, 31, 15, 0, 0, 0, time.UTC),   // 2026-04-01 00:00:00 JST
		time.Date(2027, 3, 31, 14, 59, 59, 0, time.UTC), // 2027-03-31 23:59:59 JST
		time.Date(2027, 3, 31, 15, 0, 0, 0, time.UTC),   // 2027-04-01 00:00:00 JST
	}
	runAt(t, instants[0].Add(-time.Hour), func(t *testing.T, e *env, clock *atomic.Int64) {
		var people [4]string
		for i, at := range instants {
			clock.Store(at.UnixNano())
			people[i] = e.createPerson("年度 確認", fmt.Sprintf("fy-%d@example.lg.jp", i), nil).ID
		}
		for _, fy := range []int{2025, 2026, 2027} {
			var page struct {
				Items []domain.AuditEvent `json:"items"`
			}
			e.must(http.StatusOK, "GET", fmt.Sprintf("/v1/audit-events?entity_type=person&limit=200&fiscal_year=%d", fy), e.admin, nil).Decode(t, &page)
			var got []string
			for _, ev := range page.Items {
				got = append(got, ev.EntityID)
			}
			for i, id := range people {
				require.Equal(t, fyWant[i] == fy, slices.Contains(got, id),
					"audit-events?fiscal_year=%d: the event at %s must be listed exactly when it falls in the fiscal year in Tokyo", fy, instants[i])
			}
		}
	})
}

// mustParse parses a YYYY-MM-DD fixture.
func mustParse(t *testing.T, s string) domain.Date {
	t.Helper()
	d, err := domain.ParseDate(s)
	require.NoError(t, err)
	return d
}
