package migrations_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/migrations"
)

// TestCorrectiveActionsWrittenBefore0016KeepTheirConfirmation: the actions
// of a database migrated before corrective actions had sources keep every
// column, and read as opened by their confirmation (SQLite rebuilds the
// table, PostgreSQL alters it).
func TestCorrectiveActionsWrittenBefore0016KeepTheirConfirmation(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			ctx := context.Background()
			db, exec := migratedBefore(t, tg, 16)
			sqlite := db.Kind() == store.SQLite
			// Only the action's own table matters here: the rows it refers
			// to are left out, with the foreign keys off while it is written
			// and (SQLite's one connection) while the table is rebuilt.
			off, on := `PRAGMA foreign_keys = OFF`, `PRAGMA foreign_keys = ON`
			if !sqlite {
				off, on = `SET session_replication_role = replica`, `SET session_replication_role = DEFAULT`
			}
			conn, err := db.SQL().Conn(ctx)
			require.NoError(t, err)
			const ts = `'2027-01-10 00:30:00+00:00'`
			for _, q := range []string{off, `INSERT INTO corrective_actions (id, confirmation_id, contract_id, vendor_id, clause_code, description, severity, owner_id,
				due_date, status, resolution, version, created_at, updated_at, due_date_nominal)
				VALUES ('0190a000-0000-7000-8000-000000000001', 'c1', 'k1', 'v1', 'staff_training', '研修記録の提出', 'high', 'p1',
				'2027-01-29', 'open', '', 3, ` + ts + `, ` + ts + `, '2027-01-31')`} {
				_, err := conn.ExecContext(ctx, q)
				require.NoError(t, err, q)
			}
			if !sqlite {
				_, err = conn.ExecContext(ctx, on)
				require.NoError(t, err)
			}
			require.NoError(t, conn.Close())

			_, err = migrations.Apply(ctx, db.MigrationTarget())
			require.NoError(t, err)
			if sqlite {
				require.NoError(t, exec(on))
			}
			a, err := db.FindCorrectiveAction(ctx, "0190a000-0000-7000-8000-000000000001")
			require.NoError(t, err)
			require.Equal(t, domain.SourceConfirmation, a.Source)
			require.Equal(t, "c1", a.SourceID)
			require.Equal(t, []string{"c1", "k1", "v1", "staff_training", "研修記録の提出", "p1", "2027-01-29", "2027-01-31"},
				[]string{a.ConfirmationID, a.ContractID, a.VendorID, a.ClauseCode, a.Description, a.OwnerID, a.DueDate.String(), a.DueDateNominal.String()})
			require.Equal(t, 3, a.Version)
		})
	}
}
