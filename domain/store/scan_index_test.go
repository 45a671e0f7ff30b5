package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// scanIndexContracts is the register TestRepeatScanReadsDueContractsByIndex
// scans: large enough that reading every contract costs the planner more
// than the index range, small enough to write in seconds.
const scanIndexContracts = 20_000

// A repeat scan (every 15 minutes) finds every contract of the reminder
// window scheduled already; its cost must be that window, read in order
// along contracts_confirmation_due_idx (migration 0027), not the register.
// The test EXPLAINs the candidate query (contractsDue) the repeat scan runs,
// recorded with a query hook, on the scan's own statistics: the index named,
// no full scan of contracts, no sort of the candidates.
func TestRepeatScanReadsDueContractsByIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a register of 20,000 contracts")
	}
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			db := openScanBenchDB(t, tg)
			rec := &queryRecorder{}
			db.AddQueryHook(rec)
			seedScanRegisterOf(t, db, scanIndexContracts)
			ctx := context.Background()
			rep, err := db.ScanDue(ctx, scanBenchToday, nil)
			require.NoError(t, err)
			require.Positive(t, rep.ConfirmationsScheduled)
			if db.Kind() == store.Postgres {
				// What autovacuum does after a register is written, before
				// the repeat scans in service: statistics, and the
				// visibility map that makes the candidates' range
				// index-only. Without the map PostgreSQL may prefer a bitmap
				// read of the window and a sort of it (still the window's
				// cost, not the register's). SQLite's scan refreshes its
				// statistics itself.
				_, err := db.SQL().ExecContext(ctx, `VACUUM ANALYZE contracts, confirmations, reminders`)
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

// requireIndexRange EXPLAINs q and requires that it reads table through
// index, in the index's order: no full scan of table and no sort.
func requireIndexRange(t *testing.T, db *store.DB, q recordedQuery, table, index string) {
	t.Helper()
	ctx := context.Background()
	if db.Kind() == store.SQLite {
		rows, err := db.SQL().QueryContext(ctx, `EXPLAIN QUERY PLAN `+q.sql, q.args...)
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
		all := strings.Join(plan, "\n")
		require.Regexp(t, "SEARCH "+table+" USING (COVERING )?INDEX "+index+" ", all, "%s\n%s", q.sql, all)
		require.NotRegexp(t, sqliteTempOrder, all, "sorts the candidates:\n%s\n%s", q.sql, all)
		return
	}
	var raw []byte
	require.NoError(t, db.SQL().QueryRowContext(ctx, `EXPLAIN (FORMAT JSON) `+q.sql, q.args...).Scan(&raw))
	var plans []struct {
		Plan pgPlan `json:"Plan"`
	}
	require.NoError(t, json.Unmarshal(raw, &plans))
	require.Len(t, plans, 1)
	used := false
	var walk func(p pgPlan)
	walk = func(p pgPlan) {
		require.False(t, p.NodeType == "Seq Scan" && p.Relation == table, "Seq Scan on %s:\n%s\n%s", table, q.sql, raw)
		require.NotContains(t, []string{"Sort", "Incremental Sort"}, p.NodeType, "sorts the candidates:\n%s\n%s", q.sql, raw)
		used = used || (p.Relation == table && p.Index == index)
		for _, child := range p.Plans {
			walk(child)
		}
	}
	walk(plans[0].Plan)
	require.True(t, used, "does not read %s through %s:\n%s\n%s", table, index, q.sql, raw)
}
