package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// verify re-hashes the evidence files kept beside the SQLite file, and
// fails naming what is broken.
func TestVerifyCommandReHashesEvidenceFiles(t *testing.T) {
	ctx := context.Background()
	dbFile := filepath.Join(t.TempDir(), "vw.db")
	require.NoError(t, run(ctx, []string{"migrate", "--database-url", dbFile}, &bytes.Buffer{}, &bytes.Buffer{}))
	out := &bytes.Buffer{}
	require.NoError(t, run(ctx, []string{"verify", "--database-url", dbFile}, out, &bytes.Buffer{}))
	require.Contains(t, out.String(), `"ok": true`)

	db := openKeyed(t, dbFile)
	first, err := db.SeedIfEmpty(ctx)
	require.NoError(t, err)
	require.NoError(t, useEvidenceStore(ctx, db, evidenceConfig{}, dbFile))
	actx := domain.WithActor(ctx, domain.Actor{PersonID: first.Person.ID, Role: domain.RoleAdmin, Name: first.Person.Name})
	v, err := db.CreateVendor(actx, domain.VendorInput{Name: "検証株式会社", OwnerID: first.Person.ID})
	require.NoError(t, err)
	f, err := db.UploadEvidenceFile(actx, domain.EvidenceUpload{SubjectType: domain.EvidenceVendor, SubjectID: v.ID, FileName: "a.txt", Content: strings.NewReader("原本\n")})
	require.NoError(t, err)
	require.NoError(t, db.Close())
	stored := filepath.Join(filepath.Dir(dbFile), "evidence", f.ID)
	require.FileExists(t, stored, "the default folder is beside the SQLite file")

	out.Reset()
	require.NoError(t, run(ctx, []string{"verify", "--database-url", dbFile}, out, &bytes.Buffer{}))
	require.Contains(t, out.String(), `"files_checked": 1`)

	require.NoError(t, os.WriteFile(stored, []byte("改ざん\n"), 0o600))
	out.Reset()
	err = run(ctx, []string{"verify", "--database-url", dbFile}, out, &bytes.Buffer{})
	require.ErrorContains(t, err, "1 evidence files do not match")
	require.Contains(t, out.String(), `"problem": "sha256_mismatch"`)
}

func TestEvidenceStoreConfiguration(t *testing.T) {
	ctx := context.Background()
	_, _, err := (&evidenceConfig{Dir: t.TempDir(), S3URL: "https://s3.example/b"}).blobStore(ctx, "x.db")
	require.ErrorContains(t, err, "exclusive")
	_, _, err = (&evidenceConfig{S3URL: "ftp://s3.example/b"}).blobStore(ctx, "x.db")
	require.ErrorContains(t, err, "--evidence-s3-url")

	_, where, err := (&evidenceConfig{}).blobStore(ctx, "postgres://db.example/vw")
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(where, string(filepath.Separator)+"evidence"), where)
	t.Cleanup(func() { _ = os.Remove("evidence") })
}
