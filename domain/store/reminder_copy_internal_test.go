package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/migrations"
)

// The due-scan writes its ledger rows with COPY on PostgreSQL, which has no
// ON CONFLICT: a row whose key was written meanwhile must not fail the scan.
// The COPY is undone to its savepoint and the rows are written the way of
// the INSERTs, which keep only what is new, in the same transaction.
func TestLedgerCopyFallsBackOnAnExistingKey(t *testing.T) {
	url := os.Getenv("VENDORWATCH_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("PostgreSQL only (COPY): set VENDORWATCH_TEST_POSTGRES_URL")
	}
	ctx := domain.WithActor(context.Background(), domain.SystemActor)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "vwtest_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", url)
	require.NoError(t, err)
	_, err = admin.ExecContext(ctx, `CREATE SCHEMA `+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		_ = admin.Close()
	})
	db, err := Open(ctx, url, Options{Schema: schema, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = migrations.Apply(ctx, db.MigrationTarget())
	require.NoError(t, err)
	first, err := db.SeedIfEmpty(ctx)
	require.NoError(t, err)

	today := domain.NewDate(2027, time.April, 1)
	to := recipient{personID: first.Person.ID, locale: domain.LocaleJa}
	row := func(subject string) *reminderRow {
		it := dueItem{SubjectType: string(domain.SubjectContractRenewal), SubjectID: subject, Title: "契約 " + subject, DueDate: today.AddDays(7)}
		return db.newReminder(it, domain.Stage{Name: domain.StageNotice, On: today}, to, today)
	}
	count := func(ctx context.Context, tx bun.IDB) int {
		n, err := tx.NewSelect().Model((*reminderRow)(nil)).Count(ctx)
		require.NoError(t, err)
		return int(n)
	}

	err = db.inCopyTx(ctx, func(ctx context.Context, tx bun.Tx, cp copyFunc) error {
		require.NotNil(t, cp)
		added, err := db.queueRemindersWith(ctx, tx, cp, []*reminderRow{row("a"), row("b")})
		require.NoError(t, err)
		require.Len(t, added, 2, "the first rows are copied")

		// "a" again under a new id: the COPY meets its key.
		again, fresh := row("a"), row("c")
		added, err = db.queueRemindersWith(ctx, tx, cp, []*reminderRow{again, fresh})
		require.NoError(t, err)
		require.Equal(t, []*reminderRow{fresh}, added, "only the new key is written, and reported")
		require.Equal(t, 3, count(ctx, tx), "the transaction goes on after the undone COPY")
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, 3, count(ctx, db.bun))
	var dates []time.Time
	require.NoError(t, db.bun.NewSelect().Model((*reminderRow)(nil)).Column("due_date").Scan(ctx, &dates))
	for _, d := range dates {
		require.Equal(t, "2027-04-08", d.Format(time.DateOnly), "COPY writes the date itself, whatever the time zone")
	}
}
