package migrations_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/migrations"
)

// migratedBefore opens a database of target tg with the migrations before
// version applied and recorded, as a database released then would be, and
// returns it with a function that runs one statement on it.
func migratedBefore(t *testing.T, tg storetest.Target, version int) (*store.DB, func(string) error) {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, tg, storetest.Options{NoMigrate: true})
	d := migrations.SQLite
	if db.Kind() == store.Postgres {
		d = migrations.Postgres
	}
	all, err := migrations.All()
	require.NoError(t, err)
	exec := func(q string) error {
		_, err := db.SQL().ExecContext(ctx, q)
		return err
	}
	require.NoError(t, exec(`CREATE TABLE vendorwatch_migrations (version INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at VARCHAR(40) NOT NULL)`))
	for _, m := range all {
		if m.Version >= version {
			continue
		}
		stmt, err := m.Render(d)
		require.NoError(t, err)
		require.NoError(t, exec(stmt), m.Name)
		require.NoError(t, exec(fmt.Sprintf(`INSERT INTO vendorwatch_migrations VALUES (%d, '%s', '%s')`, m.Version, m.Name, time.Now().UTC().Format(time.RFC3339))))
	}
	return db, exec
}

// TestLedgerRowsWrittenBefore0008StayValid: a reminder written before the
// ledger key gained the repeat number keeps its key as repeat 0, an
// escalated row is marked as told the supervisor, and the key now lets a
// repeat of the same stage in while still refusing the same repeat twice.
func TestLedgerRowsWrittenBefore0008StayValid(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			ctx := context.Background()
			db, exec := migratedBefore(t, tg, 8)
			const ts = `'2027-01-10 00:30:00+00:00'`
			require.NoError(t, exec(`INSERT INTO departments (id, name, name_en, version, created_at, updated_at) VALUES ('d1', '総務課', '', 1, `+ts+`, `+ts+`)`))
			require.NoError(t, exec(`INSERT INTO people (id, name, email, department_id, employment_type, security_roles, locale, active, version, created_at, updated_at)
				VALUES ('p1', '山田', 'p1@example.lg.jp', 'd1', 'regular', '[]', 'ja', TRUE, 1, `+ts+`, `+ts+`)`))
			row := func(id string, repeat string) string {
				cols, vals := "", ""
				if repeat != "" {
					cols, vals = ", repeat", ", "+repeat
				}
				return `INSERT INTO reminders (id, subject_type, subject_id, title, path, due_date, stage, recipient_id, escalated, status, message_id, error, created_at` + cols + `)
					VALUES ('` + id + `', 'corrective_action', 'a1', 't', '/v1/corrective-actions/a1', '2027-01-03', 'overdue', 'p1', TRUE, 'sent', '', '', ` + ts + vals + `)`
			}
			require.NoError(t, exec(row("r0", "")))

			_, err := migrations.Apply(ctx, db.MigrationTarget())
			require.NoError(t, err)

			var repeat int
			var escalatedAs, reachedOn string
			require.NoError(t, db.SQL().QueryRowContext(ctx, `SELECT repeat, escalated_as, CAST(reached_on AS VARCHAR(10)) FROM reminders WHERE id = 'r0'`).
				Scan(&repeat, &escalatedAs, &reachedOn))
			require.Equal(t, 0, repeat)
			require.Equal(t, "supervisor", escalatedAs)
			require.Equal(t, "2027-01-10", reachedOn[:10])
			require.Error(t, exec(row("r0-again", "0")), "the same stage, repeat and recipient stays unique")
			require.NoError(t, exec(row("r1", "1")), "a repeat of the stage is a new row")
		})
	}
}
