package jobs_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/blob/blobtest"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/jobs"
)

// The periodic verification logs an ERROR line for each evidence file
// whose bytes changed in storage, even when the event chain holds.
func TestAuditVerifyLogsBrokenEvidenceFiles(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		first, err := db.SeedIfEmpty(ctx)
		require.NoError(t, err)
		blobs := blobtest.Disk(t)
		db.UseBlobStore(blobs)
		actx := domain.WithActor(ctx, domain.Actor{PersonID: first.Person.ID, Role: domain.RoleAdmin, Name: first.Person.Name})
		v, err := db.CreateVendor(actx, domain.VendorInput{Name: "定期検証株式会社", OwnerID: first.Person.ID})
		require.NoError(t, err)
		f, err := db.UploadEvidenceFile(actx, domain.EvidenceUpload{SubjectType: domain.EvidenceVendor, SubjectID: v.ID, FileName: "a.txt", Content: strings.NewReader("原本\n")})
		require.NoError(t, err)

		var logs bytes.Buffer
		w := &jobs.AuditVerifyWorker{Audit: db, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
		require.NoError(t, w.Work(ctx, &river.Job[jobs.AuditVerifyArgs]{}))
		require.Contains(t, logs.String(), "audit chain verified")
		require.Contains(t, logs.String(), "files=1")

		_, err = blobs.Put(ctx, f.ID, strings.NewReader("改ざん\n"))
		require.NoError(t, err)
		logs.Reset()
		require.NoError(t, w.Work(ctx, &river.Job[jobs.AuditVerifyArgs]{}))
		require.Contains(t, logs.String(), "level=ERROR msg=\"evidence file broken\" file_id="+f.ID)
		require.Contains(t, logs.String(), "problem=sha256_mismatch")
		require.NotContains(t, logs.String(), "audit chain broken")
	})
}
