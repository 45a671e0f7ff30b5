package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// testAuditKey keys the audit chain of the tests that start on PostgreSQL.
const testAuditKey = "the cmd tests' audit key"

// openKeyed opens the SQLite database with the audit key generated beside
// it, as the commands do.
func openKeyed(t *testing.T, dbFile string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dbFile, store.Options{})
	require.NoError(t, err)
	key, err := os.ReadFile(sqliteKeyFile(dbFile))
	require.NoError(t, err)
	k, err := domain.NewAuditKey(string(key))
	require.NoError(t, err)
	db.UseAuditKeys(domain.AuditKeyring{Current: k})
	return db
}

// On SQLite without --audit-key, the first command that writes generates a
// key into a 0600 file beside the database and the later ones reuse it;
// verify finds the chain keyed and intact, then finds an edited event and
// exits non-zero.
func TestSQLiteAuditKeyFileAndVerifyExitCode(t *testing.T) {
	t.Setenv("VENDORWATCH_AUDIT_KEY", "")
	ctx := context.Background()
	dbFile := filepath.Join(t.TempDir(), "vendorwatch.db")
	stderr := &bytes.Buffer{}
	require.NoError(t, run(ctx, []string{"migrate", "--database-url", dbFile}, &bytes.Buffer{}, stderr))
	require.Contains(t, stderr.String(), "generated the audit key in "+dbFile+".audit-key")
	info, err := os.Stat(dbFile + ".audit-key")
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	// Seed through the store as serve would, with the same key.
	db := openKeyed(t, dbFile)
	k := db.AuditKeys().Current
	_, err = db.SeedIfEmpty(ctx)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	stderr.Reset()
	require.NoError(t, run(ctx, []string{"token", "create", "--database-url", dbFile, "--email", "admin@vendorwatch.invalid", "--role", "viewer"},
		&bytes.Buffer{}, stderr))
	require.NotContains(t, stderr.String(), "generated", "the key file is reused")

	out := &bytes.Buffer{}
	require.NoError(t, run(ctx, []string{"verify", "--database-url", dbFile}, out, &bytes.Buffer{}))
	var v domain.AuditVerification
	require.NoError(t, json.Unmarshal(out.Bytes(), &v))
	require.True(t, v.OK)
	require.Equal(t, k.ID(), v.KeyID)

	// Another key does not verify the chain.
	err = run(ctx, []string{"verify", "--database-url", dbFile, "--audit-key", "somebody else's key"}, &bytes.Buffer{}, &bytes.Buffer{})
	require.ErrorContains(t, err, "unknown_key")

	db, err = store.Open(ctx, dbFile, store.Options{})
	require.NoError(t, err)
	_, err = db.SQL().Exec(`UPDATE audit_events SET reason = 'edited' WHERE seq = 2`)
	require.NoError(t, err)
	require.NoError(t, db.Close())
	err = run(ctx, []string{"verify", "--database-url", dbFile}, &bytes.Buffer{}, &bytes.Buffer{})
	require.ErrorContains(t, err, "the audit chain breaks at event 2 (hash_mismatch)")
}

// On PostgreSQL without a key, every command that writes or verifies
// refuses to start, saying why.
func TestPostgresNeedsAnAuditKey(t *testing.T) {
	pgURL := os.Getenv(storetest.PostgresURLEnv)
	if pgURL == "" {
		t.Skip("set " + storetest.PostgresURLEnv)
	}
	t.Setenv("VENDORWATCH_AUDIT_KEY", "")
	t.Setenv("PGOPTIONS", "-c search_path="+storetest.NewSchema(t, pgURL))
	for _, cmd := range [][]string{{"serve", "--addr", "127.0.0.1:0"}, {"migrate"}, {"verify"},
		{"token", "create", "--email", "a@example.lg.jp", "--role", "viewer"}} {
		err := run(context.Background(), append(cmd, "--database-url", pgURL), &bytes.Buffer{}, &bytes.Buffer{})
		require.ErrorContains(t, err, "--audit-key (or VENDORWATCH_AUDIT_KEY, or --audit-key-file) is required on PostgreSQL", cmd[0])
	}
}

// The key may come from a file, also when the environment has set
// --audit-key to the same content; previous keys come comma- or
// line-separated.
func TestAuditKeyFromFiles(t *testing.T) {
	dir := t.TempDir()
	keyFile, prevFile := filepath.Join(dir, "key"), filepath.Join(dir, "previous")
	require.NoError(t, os.WriteFile(keyFile, []byte("the current audit key\n"), 0o600))
	require.NoError(t, os.WriteFile(prevFile, []byte("the first audit key\nthe second audit key\n"), 0o600))
	db, err := store.Open(context.Background(), filepath.Join(dir, "x.db"), store.Options{})
	require.NoError(t, err)
	defer func() { _ = db.Close() }()
	note := func(string) {}
	ring, err := (&auditConfig{KeyFile: keyFile, Key: "the current audit key", PreviousFile: prevFile,
		Previous: "the first audit key,the third audit key"}).keyring(db, "x.db", false, note)
	require.NoError(t, err)
	want, err := domain.NewAuditKey("the current audit key")
	require.NoError(t, err)
	require.Equal(t, want.ID(), ring.ID())
	require.Len(t, ring.Previous, 3)
	_, err = (&auditConfig{KeyFile: keyFile, Key: "another audit key entirely"}).keyring(db, "x.db", false, note)
	require.ErrorContains(t, err, "exclusive")
	_, err = (&auditConfig{Key: "short"}).keyring(db, "x.db", false, note)
	require.ErrorContains(t, err, "at least 16 characters")
}
