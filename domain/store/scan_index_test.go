package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// The register TestRepeatScanReadsDueContractsByIndex scans: large enough
// that reading every contract costs the planner more than the index range,
// small enough to write in seconds. Its next confirmations are spread over
// scanIndexSpreadDays, so that the 30-day window holds several pages of
// candidates (1,000 each), as a large register's does: a window of one or
// two pages PostgreSQL rightly reads whole and sorts.
const (
	scanIndexContracts  = 20_000
	scanIndexSpreadDays = 120
)

// A repeat scan (every 15 minutes) finds every contract of the reminder
// window scheduled already; its cost must be that window, read along
// contracts_confirmation_due_idx (migrations 0027, 0030), not the register.
// The test EXPLAINs the candidate queries (contractsDue, each page) the
// repeat scan runs, recorded with a query hook (see requireIndexRange).
func TestRepeatScanReadsDueContractsByIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a register of 20,000 contracts")
	}
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			db := openScanBenchDB(t, tg)
			rec := &queryRecorder{}
			db.AddQueryHook(rec)
			seedScanRegisterOf(t, db, scanIndexContracts, scanIndexSpreadDays)
			ctx := context.Background()
			rep, err := db.ScanDue(ctx, scanBenchToday, nil)
			require.NoError(t, err)
			require.Positive(t, rep.ConfirmationsScheduled)
			if db.Kind() == store.Postgres {
				// Statistics, as autovacuum keeps them in service; SQLite's
				// scan refreshes its own.
				_, err := db.SQL().ExecContext(ctx, `ANALYZE contracts, confirmations, reminders`)
				require.NoError(t, err)
			}
			var candidates []recordedQuery
			for _, q := range rec.record(func() {
				rep, err = db.ScanDue(ctx, scanBenchToday, nil)
				require.NoError(t, err)
			}) {
				if strings.Contains(q.sql, `"contracts"`) && strings.Contains(q.sql, "ORDER BY next_confirmation_due, id") {
					candidates = append(candidates, q)
				}
			}
			require.Zero(t, rep.ConfirmationsScheduled, "the repeat scan schedules nothing")
			require.NotEmpty(t, candidates, "the repeat scan reads its candidates")
			for _, q := range candidates {
				requireIndexRange(t, db, q, "contracts", "contracts_confirmation_due_idx")
			}
		})
	}
}

// requireIndexRange EXPLAINs q and requires that it reads table as a range
// of the window. SQLite must read it through index, in the index's order
// (no sort). PostgreSQL weighs that range against a bitmap read of the
// same range through the date's own index and a sort of it, and takes the
// index only once the visibility map makes its range index-only (autovacuum
// keeps it so in service, but a test cannot count on it while other
// transactions run): there, the plan must read table through an index
// bounded by the window's date (Index Cond or Recheck Cond), never in full
// nor along its primary key.
func requireIndexRange(t *testing.T, db *store.DB, q recordedQuery, table, index string) {
	t.Helper()
	if db.Kind() == store.SQLite {
		plan := sqlitePlan(t, db, q)
		all := strings.Join(plan, "\n")
		require.Regexp(t, "SEARCH "+table+" USING (COVERING )?INDEX "+index+" ", all, "%s\n%s", q.sql, all)
		require.NotRegexp(t, sqliteTempOrder, all, "sorts the candidates:\n%s\n%s", q.sql, all)
		return
	}
	root, raw := postgresPlan(t, db, q)
	ranged := false
	var walk func(p pgPlan)
	walk = func(p pgPlan) {
		require.False(t, p.NodeType == "Seq Scan" && p.Relation == table, "Seq Scan on %s:\n%s\n%s", table, q.sql, raw)
		require.NotEqual(t, table+"_pkey", p.Index, "walks the primary key of %s:\n%s\n%s", table, q.sql, raw)
		if strings.HasPrefix(p.Index, table+"_") && strings.Contains(p.IndexCond, "next_confirmation_due <=") ||
			p.Relation == table && strings.Contains(p.RecheckCond, "next_confirmation_due <=") {
			ranged = true // an index range, or the bitmap heap read of one
		}
		for _, child := range p.Plans {
			walk(child)
		}
	}
	walk(root)
	require.True(t, ranged, "does not read %s as a range of the window:\n%s\n%s", table, q.sql, raw)
}
