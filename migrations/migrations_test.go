package migrations_test

import (
	"context"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/migrations"
)

// columns returns "table.column" for every table vendorwatch owns (River's
// tables differ per driver by River's design and are River's to keep).
func columns(t *testing.T, db *store.DB) []string {
	t.Helper()
	var q string
	var args []any
	switch db.Kind() {
	case store.Postgres:
		q = `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1`
		args = []any{db.Schema()}
	default:
		// The FTS5 search indexes (<table>_search, migration 0025) and their
		// shadow tables are SQLite's counterpart of PostgreSQL's trigram
		// indexes, not tables.
		q = `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'
			AND m.name NOT IN (SELECT f.name FROM sqlite_master f WHERE f.sql LIKE 'CREATE VIRTUAL TABLE%')
			AND m.name NOT GLOB '*_search_*'`
	}
	rows, err := db.SQL().Query(q, args...)
	require.NoError(t, err)
	defer func() { _ = rows.Close() }()
	var out []string
	for rows.Next() {
		var table, column string
		require.NoError(t, rows.Scan(&table, &column))
		if strings.HasPrefix(table, "river_") || strings.HasPrefix(table, "sqlite_") {
			continue
		}
		out = append(out, table+"."+column)
	}
	require.NoError(t, rows.Err())
	sort.Strings(out)
	return out
}

func TestBothDatabasesEndWithTheSameTablesAndColumns(t *testing.T) {
	if os.Getenv(storetest.PostgresURLEnv) == "" {
		t.Skipf("set %s to compare SQLite with PostgreSQL", storetest.PostgresURLEnv)
	}
	got := map[string][]string{}
	for _, tg := range storetest.Targets(t) {
		got[tg.Name] = columns(t, storetest.Open(t, tg, storetest.Options{}))
	}
	require.NotEmpty(t, got["sqlite"])
	require.Contains(t, got["sqlite"], "people.email")
	require.Equal(t, got["sqlite"], got["postgres"])
}

func TestApplyIsIdempotentAndPendingReachesZero(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, tg, storetest.Options{NoMigrate: true})
			n, err := migrations.Pending(ctx, db.MigrationTarget())
			require.NoError(t, err)
			require.Positive(t, n)
			require.Error(t, db.Ready(ctx), "not ready before migrating")

			rep, err := migrations.Apply(ctx, db.MigrationTarget())
			require.NoError(t, err)
			require.NotEmpty(t, rep.Applied)
			require.NotEmpty(t, rep.RiverApplied)

			rep, err = migrations.Apply(ctx, db.MigrationTarget())
			require.NoError(t, err)
			require.Empty(t, rep.Applied)
			require.Empty(t, rep.RiverApplied)
			require.NoError(t, db.Ready(ctx))
		})
	}
}

func TestEveryMigrationRendersForBothDialects(t *testing.T) {
	all, err := migrations.All()
	require.NoError(t, err)
	require.NotEmpty(t, all)
	for _, m := range all {
		for _, d := range []migrations.Dialect{migrations.Postgres, migrations.SQLite} {
			sqlText, err := m.Render(d)
			require.NoError(t, err)
			require.NotContains(t, sqlText, "{{")
		}
	}
	_, err = all[0].Render("oracle")
	require.Error(t, err)
}
