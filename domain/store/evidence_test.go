package store_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/blob/blobtest"
	"github.com/vendorwatch/vendorwatch/domain/store/blob/s3blob"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// Evidence files on both databases, each over both blob stores: a folder
// on disk and a real S3-compatible server on loopback.

// evidencePDF is the start of a PDF file: enough for the sniffer.
var evidencePDF = []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")

// evidenceDocx builds a minimal Word document (OOXML).
func evidenceDocx(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, body := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"word/document.xml":   `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>報告書</w:t></w:r></w:p></w:body></w:document>`,
	} {
		w, err := zw.Create(name)
		require.NoError(t, err)
		_, err = io.WriteString(w, body)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return b.Bytes()
}

type blobCase struct {
	name string
	open func(t testing.TB) domain.BlobStore
}

var blobCases = []blobCase{
	{"disk", func(t testing.TB) domain.BlobStore { return blobtest.Disk(t) }},
	{"s3", func(t testing.TB) domain.BlobStore { return blobtest.S3(t) }},
}

// runEvidence runs fn on each database with each blob store.
func runEvidence(t *testing.T, fn func(t *testing.T, db *store.DB, blobs domain.BlobStore)) {
	for _, bc := range blobCases {
		t.Run(bc.name, func(t *testing.T) {
			storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
				blobs := bc.open(t)
				db.UseBlobStore(blobs)
				fn(t, db, blobs)
			})
		})
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func readAll(t *testing.T, rc io.ReadCloser) []byte {
	t.Helper()
	defer func() { _ = rc.Close() }()
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	return b
}

// blobKeys lists what the store holds among keys.
func blobExists(t *testing.T, blobs domain.BlobStore, key string) bool {
	_, err := blobs.Stat(context.Background(), key)
	if err == domain.ErrBlobNotFound {
		return false
	}
	require.NoError(t, err)
	return true
}

func evidenceCount(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	require.NoError(t, db.SQL().QueryRow("SELECT COUNT(*) FROM evidence_files").Scan(&n))
	return n
}

func TestEvidenceRoundTripAndAudit(t *testing.T) {
	runEvidence(t, func(t *testing.T, db *store.DB, blobs domain.BlobStore) {
		ctx, admin := outSeed(t, db)
		v, err := db.CreateVendor(ctx, domain.VendorInput{Name: "証跡株式会社", OwnerID: admin.ID})
		require.NoError(t, err)

		f, err := db.UploadEvidenceFile(ctx, domain.EvidenceUpload{SubjectType: domain.EvidenceVendor, SubjectID: v.ID,
			FileName: `C:\Users\職員\Desktop\ISMS認証書.pdf`, Content: bytes.NewReader(evidencePDF)})
		require.NoError(t, err)
		require.Equal(t, "ISMS認証書.pdf", f.FileName, "the folder of a Windows path is dropped")
		require.Equal(t, "application/pdf", f.MediaType)
		require.Equal(t, int64(len(evidencePDF)), f.Size)
		require.Equal(t, sha(evidencePDF), f.SHA256)
		require.Equal(t, admin.ID, f.UploadedBy)
		require.Equal(t, admin.Name, f.Uploader)
		require.Equal(t, 1, f.Version)

		got, rc, err := db.OpenEvidenceFile(ctx, f.ID)
		require.NoError(t, err)
		require.Equal(t, f, got)
		require.Equal(t, evidencePDF, readAll(t, rc))

		page, err := db.ListEvidenceFiles(ctx, domain.EvidenceFilter{SubjectType: domain.EvidenceVendor, SubjectID: v.ID}, domain.PageRequest{})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		require.Equal(t, f.ID, page.Items[0].ID)

		events, err := db.ListAuditEvents(ctx, domain.AuditFilter{EntityType: "evidence_file", EntityID: f.ID}, domain.PageRequest{})
		require.NoError(t, err)
		require.Len(t, events.Items, 1)
		var after domain.EvidenceFile
		require.NoError(t, json.Unmarshal(events.Items[0].After, &after))
		require.Equal(t, "create", events.Items[0].Action)
		require.Equal(t, f.SHA256, after.SHA256, "the chain records the hash")
		require.Equal(t, f.Size, after.Size)
		require.Equal(t, "application/pdf", after.MediaType)
		require.Equal(t, admin.ID, after.UploadedBy)
		require.Equal(t, domain.EvidenceVendor, after.SubjectType)
		require.Equal(t, v.ID, after.SubjectID)

		// A larger file goes up in several parts to S3 and still round-trips.
		big := append(append([]byte{}, evidencePDF...), bytes.Repeat([]byte("0123456789\n"), 1<<20)...)
		f2, err := db.UploadEvidenceFile(ctx, domain.EvidenceUpload{SubjectType: domain.EvidenceVendor, SubjectID: v.ID,
			FileName: "big.pdf", Content: bytes.NewReader(big)})
		require.NoError(t, err)
		require.Equal(t, sha(big), f2.SHA256)
		_, rc, err = db.OpenEvidenceFile(ctx, f2.ID)
		require.NoError(t, err)
		require.Equal(t, sha(big), sha(readAll(t, rc)))

		ver, err := db.VerifyAuditChain(ctx)
		require.NoError(t, err)
		require.True(t, ver.OK, "%+v", ver)
		require.Equal(t, 2, ver.FilesChecked)
		require.Empty(t, ver.FilesBroken)
	})
}

func TestEvidenceSniffsTheType(t *testing.T) {
	runEvidence(t, func(t *testing.T, db *store.DB, blobs domain.BlobStore) {
		ctx, admin := outSeed(t, db)
		v, err := db.CreateVendor(ctx, domain.VendorInput{Name: "種類株式会社", OwnerID: admin.ID})
		require.NoError(t, err)
		up := func(name string, body []byte) (*domain.EvidenceFile, error) {
			return db.UploadEvidenceFile(ctx, domain.EvidenceUpload{SubjectType: domain.EvidenceVendor, SubjectID: v.ID, FileName: name, Content: bytes.NewReader(body)})
		}
		for _, c := range []struct {
			name string
			body []byte
			want string
		}{
			{"report.docx", evidenceDocx(t), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
			{"list.csv", []byte("code,name\n1,東京\n2,大阪\n"), "text/csv"},
			{"note.txt", []byte("確認しました。\n"), "text/plain"},
			{"photo.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"), "image/png"},
			// The name says PDF; the bytes are text, and the bytes win.
			{"fake.pdf", []byte("just text\n"), "text/plain"},
		} {
			f, err := up(c.name, c.body)
			require.NoError(t, err, c.name)
			require.Equal(t, c.want, domain.MediaTypeEssence(f.MediaType), c.name)
		}

		before := evidenceCount(t, db)
		for _, c := range []struct {
			name string
			body []byte
		}{
			{"page.pdf", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")},
			{"run.exe", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00")},
			{"archive.zip", func() []byte {
				var b bytes.Buffer
				zw := zip.NewWriter(&b)
				w, _ := zw.Create("a.bin")
				_, _ = w.Write([]byte{0, 1, 2})
				_ = zw.Close()
				return b.Bytes()
			}()},
			{"image.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)},
		} {
			_, err := up(c.name, c.body)
			require.Equal(t, domain.EUNSUPPORTED, domain.ErrorCodeOf(err), "%s: %v", c.name, err)
			var de *domain.Error
			require.ErrorAs(t, err, &de)
			require.Equal(t, "file", de.Fields[0].Field)
			require.Contains(t, de.Ja, "この種類のファイル")
		}
		require.Equal(t, before, evidenceCount(t, db), "a refused type leaves no row")

		// The settings decide which types are allowed.
		s, err := db.GetSettings(ctx)
		require.NoError(t, err)
		p := s.PolicySettings
		p.EvidenceMediaTypes = []string{"application/pdf"}
		_, err = db.ReplaceSettings(ctx, nil, p)
		require.NoError(t, err)
		_, err = up("note.txt", []byte("text\n"))
		require.Equal(t, domain.EUNSUPPORTED, domain.ErrorCodeOf(err))
		_, err = up("ok.pdf", evidencePDF)
		require.NoError(t, err)
	})
}

func TestEvidenceSizeLimitLeavesNothingBehind(t *testing.T) {
	runEvidence(t, func(t *testing.T, db *store.DB, blobs domain.BlobStore) {
		ctx, admin := outSeed(t, db)
		v, err := db.CreateVendor(ctx, domain.VendorInput{Name: "上限株式会社", OwnerID: admin.ID})
		require.NoError(t, err)
		s, err := db.GetSettings(ctx)
		require.NoError(t, err)
		require.Equal(t, int64(20<<20), s.EvidenceMaxBytes, "20 MiB by default")
		p := s.PolicySettings
		p.EvidenceMaxBytes = 10000
		_, err = db.ReplaceSettings(ctx, nil, p)
		require.NoError(t, err)
		audits, err := db.ListAuditEvents(ctx, domain.AuditFilter{}, domain.PageRequest{Limit: 200})
		require.NoError(t, err)

		exact := append(append([]byte{}, evidencePDF...), bytes.Repeat([]byte{' '}, 10000-len(evidencePDF))...)
		f, err := db.UploadEvidenceFile(ctx, domain.EvidenceUpload{SubjectType: domain.EvidenceVendor, SubjectID: v.ID, FileName: "exact.pdf", Content: bytes.NewReader(exact)})
		require.NoError(t, err, "a file of exactly the limit is accepted")
		require.Equal(t, int64(10000), f.Size)

		for _, size := range []int{10001, 3000 * 1000} {
			body := append(append([]byte{}, evidencePDF...), bytes.Repeat([]byte{' '}, size-len(evidencePDF))...)
			_, err = db.UploadEvidenceFile(ctx, domain.EvidenceUpload{SubjectType: domain.EvidenceVendor, SubjectID: v.ID, FileName: "big.pdf", Content: bytes.NewReader(body)})
			require.Equal(t, domain.ETOOLARGE, domain.ErrorCodeOf(err), "%d bytes: %v", size, err)
			var de *domain.Error
			require.ErrorAs(t, err, &de)
			require.Equal(t, "file", de.Fields[0].Field)
			require.Equal(t, "ファイルが大きすぎます（上限9.8KB）。", de.Ja)
		}
		// Beyond one S3 part, the upload is a multipart one, aborted when
		// the limit is passed mid-stream.
		p.EvidenceMaxBytes = s3blob.PartSize + 1000
		_, err = db.ReplaceSettings(ctx, nil, p)
		require.NoError(t, err)
		body := append(append([]byte{}, evidencePDF...), bytes.Repeat([]byte{' '}, s3blob.PartSize+5000)...)
		_, err = db.UploadEvidenceFile(ctx, domain.EvidenceUpload{SubjectType: domain.EvidenceVendor, SubjectID: v.ID, FileName: "parts.pdf", Content: bytes.NewReader(body)})
		require.Equal(t, domain.ETOOLARGE, domain.ErrorCodeOf(err), "%v", err)
		audits.Items = append(audits.Items, nil) // the settings change

		require.Equal(t, 1, evidenceCount(t, db), "no row for the refused files")
		after, err := db.ListAuditEvents(ctx, domain.AuditFilter{}, domain.PageRequest{Limit: 200})
		require.NoError(t, err)
		require.Len(t, after.Items, len(audits.Items)+1, "one audit event: the accepted file")
		requireOnlyBlobs(t, blobs, f.ID)
	})
}

// requireOnlyBlobs checks that the blob store holds exactly the files ids
// (the disk store's folder, or the bucket through the store's own view).
func requireOnlyBlobs(t *testing.T, blobs domain.BlobStore, ids ...string) {
	t.Helper()
	lister, ok := blobs.(interface {
		Keys(ctx context.Context) ([]string, error)
	})
	require.True(t, ok, "the test blob stores list their keys")
	keys, err := lister.Keys(context.Background())
	require.NoError(t, err)
	require.ElementsMatch(t, ids, keys)
}

func TestEvidenceSubjectMustExist(t *testing.T) {
	runEvidence(t, func(t *testing.T, db *store.DB, blobs domain.BlobStore) {
		ctx, admin := outSeed(t, db)
		v := outApprovedVendor(t, ctx, db, admin, "対象株式会社", nil)
		c := outActiveContract(t, ctx, db, domain.ContractInput{VendorID: v.ID, Title: "証跡の契約", OwnerID: admin.ID,
			StartDate: outDate(t, "2026-04-01"), EndDate: outDate(t, "2027-03-31"), NoticePeriodDays: 30, InformationAssets: outAssets(domain.Confidentiality1)})
		conf, err := db.CreateConfirmation(ctx, domain.ConfirmationInput{ContractID: c.ID, DueDate: outDate(t, "2027-01-15")})
		require.NoError(t, err)
		require.NotEmpty(t, conf.Checklist)
		up := func(st domain.EvidenceSubject, id, item string) error {
			_, err := db.UploadEvidenceFile(ctx, domain.EvidenceUpload{SubjectType: st, SubjectID: id, ItemCode: item, FileName: "a.pdf", Content: bytes.NewReader(evidencePDF)})
			return err
		}
		field := func(err error) string {
			var de *domain.Error
			require.ErrorAs(t, err, &de)
			require.Equal(t, domain.EINVALID, de.Code, "%v", err)
			return de.Fields[0].Field
		}
		require.NoError(t, up(domain.EvidenceContract, c.ID, ""))
		require.NoError(t, up(domain.EvidenceConfirmation, conf.ID, ""))
		require.NoError(t, up(domain.EvidenceConfirmation, conf.ID, conf.Checklist[0].Code), "a file for one checklist answer")
		n := evidenceCount(t, db)

		require.Equal(t, "subject_id", field(up(domain.EvidenceVendor, c.ID, "")), "a contract's id is not a vendor's")
		require.Equal(t, "subject_id", field(up(domain.EvidenceContract, "019a0000-0000-7000-8000-000000000000", "")))
		require.Equal(t, "subject_type", field(up("invoice", v.ID, "")))
		require.Equal(t, "item_code", field(up(domain.EvidenceConfirmation, conf.ID, "no_such_clause")))
		require.Equal(t, "item_code", field(up(domain.EvidenceVendor, v.ID, "policy_compliance")), "a vendor has no items")
		require.Equal(t, n, evidenceCount(t, db))

		page, err := db.ListEvidenceFiles(ctx, domain.EvidenceFilter{SubjectType: domain.EvidenceConfirmation, SubjectID: conf.ID}, domain.PageRequest{})
		require.NoError(t, err)
		require.Len(t, page.Items, 2)
		require.Equal(t, conf.Checklist[0].Code, page.Items[1].ItemCode)
	})
}

func TestEvidenceSoftDelete(t *testing.T) {
	runEvidence(t, func(t *testing.T, db *store.DB, blobs domain.BlobStore) {
		ctx, admin := outSeed(t, db)
		v, err := db.CreateVendor(ctx, domain.VendorInput{Name: "削除株式会社", OwnerID: admin.ID})
		require.NoError(t, err)
		f, err := db.UploadEvidenceFile(ctx, domain.EvidenceUpload{SubjectType: domain.EvidenceVendor, SubjectID: v.ID, FileName: "a.pdf", Content: bytes.NewReader(evidencePDF)})
		require.NoError(t, err)

		stale := 7
		_, err = db.DeleteEvidenceFile(ctx, f.ID, &stale)
		require.Equal(t, domain.ESTALE, domain.ErrorCodeOf(err))
		one := 1
		gone, err := db.DeleteEvidenceFile(ctx, f.ID, &one)
		require.NoError(t, err)
		require.NotNil(t, gone.DeletedAt)
		require.Equal(t, admin.ID, gone.DeletedBy)
		require.Equal(t, 2, gone.Version)
		_, err = db.DeleteEvidenceFile(ctx, f.ID, nil)
		require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(err), "already deleted")

		_, _, err = db.OpenEvidenceFile(ctx, f.ID)
		require.Equal(t, domain.ENOTFOUND, domain.ErrorCodeOf(err), "a deleted file is not downloaded")
		found, err := db.FindEvidenceFile(ctx, f.ID)
		require.NoError(t, err)
		require.NotNil(t, found.DeletedAt, "its record stays")
		require.True(t, blobExists(t, blobs, f.ID), "its bytes stay for the audit trail")

		live, err := db.ListEvidenceFiles(ctx, domain.EvidenceFilter{SubjectType: domain.EvidenceVendor, SubjectID: v.ID}, domain.PageRequest{})
		require.NoError(t, err)
		require.Empty(t, live.Items)
		all, err := db.ListEvidenceFiles(ctx, domain.EvidenceFilter{SubjectType: domain.EvidenceVendor, SubjectID: v.ID, IncludeDeleted: true}, domain.PageRequest{})
		require.NoError(t, err)
		require.Len(t, all.Items, 1)

		require.Equal(t, []string{"create", "delete"}, auditActions(t, ctx, db, "evidence_file", f.ID))
		_, err = db.FindEvidenceFile(ctx, "019a0000-0000-7000-8000-000000000000")
		require.Equal(t, domain.ENOTFOUND, domain.ErrorCodeOf(err))

		// A deleted file is no longer re-hashed: its bytes may go.
		require.NoError(t, blobs.Delete(ctx, f.ID))
		ver, err := db.VerifyAuditChain(ctx)
		require.NoError(t, err)
		require.True(t, ver.OK, "%+v", ver)
		require.Zero(t, ver.FilesChecked)
	})
}

func TestEvidenceVerificationFindsChangedAndMissingBytes(t *testing.T) {
	runEvidence(t, func(t *testing.T, db *store.DB, blobs domain.BlobStore) {
		ctx, admin := outSeed(t, db)
		v, err := db.CreateVendor(ctx, domain.VendorInput{Name: "改ざん株式会社", OwnerID: admin.ID})
		require.NoError(t, err)
		var files []*domain.EvidenceFile
		for i := range 3 {
			f, err := db.UploadEvidenceFile(ctx, domain.EvidenceUpload{SubjectType: domain.EvidenceVendor, SubjectID: v.ID,
				FileName: "f.pdf", Content: bytes.NewReader(append(append([]byte{}, evidencePDF...), byte('a'+i)))})
			require.NoError(t, err)
			files = append(files, f)
		}
		ver, err := db.VerifyAuditChain(ctx)
		require.NoError(t, err)
		require.True(t, ver.OK)
		require.Equal(t, 3, ver.FilesChecked)

		// Change the bytes of one in storage (same length, one byte
		// different), and remove another.
		changed := append(append([]byte{}, evidencePDF...), 'z')
		_, err = blobs.Put(ctx, files[0].ID, bytes.NewReader(changed))
		require.NoError(t, err)
		require.NoError(t, blobs.Delete(ctx, files[2].ID))

		ver, err = db.VerifyAuditChain(ctx)
		require.NoError(t, err)
		require.False(t, ver.OK)
		require.Nil(t, ver.FirstBroken, "the event chain itself holds")
		require.Equal(t, 3, ver.FilesChecked)
		require.Equal(t, []domain.EvidenceBrokenFile{
			{ID: files[0].ID, SubjectType: domain.EvidenceVendor, SubjectID: v.ID, Problem: domain.EvidenceSHA256Mismatch},
			{ID: files[2].ID, SubjectType: domain.EvidenceVendor, SubjectID: v.ID, Problem: domain.EvidenceMissing},
		}, ver.FilesBroken)
	})
}

func TestEvidenceFailedTransactionDeletesTheBlob(t *testing.T) {
	runEvidence(t, func(t *testing.T, db *store.DB, blobs domain.BlobStore) {
		ctx, admin := outSeed(t, db)
		v, err := db.CreateVendor(ctx, domain.VendorInput{Name: "途中株式会社", OwnerID: admin.ID})
		require.NoError(t, err)
		// The vendor goes away while the file streams in: the transaction
		// refuses the row, and the bytes already written are deleted.
		body := io.MultiReader(bytes.NewReader(evidencePDF), readerFunc(func(p []byte) (int, error) {
			require.NoError(t, db.DeleteVendor(ctx, v.ID, nil))
			return 0, io.EOF
		}))
		_, err = db.UploadEvidenceFile(ctx, domain.EvidenceUpload{SubjectType: domain.EvidenceVendor, SubjectID: v.ID, FileName: "a.pdf", Content: body})
		require.Equal(t, domain.EINVALID, domain.ErrorCodeOf(err), "%v", err)
		require.Zero(t, evidenceCount(t, db))
		requireOnlyBlobs(t, blobs)
	})
}

type readerFunc func(p []byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func TestSanitizeFileName(t *testing.T) {
	for in, want := range map[string]string{
		"../../etc/passwd":                "passwd",
		`..\..\boot.ini`:                  "boot.ini",
		"報告書\u202Efdp.exe":                "報告書fdp.exe",
		"a\x00b\nc.txt":                   "abc.txt",
		"":                                "file",
		"...":                             "file",
		`say "hi".txt`:                    "say hi.txt",
		strings.Repeat("あ", 300) + ".pdf": strings.Repeat("あ", 196) + ".pdf",
	} {
		require.Equal(t, want, domain.SanitizeFileName(in), in)
	}
	_ = time.Now
}

func TestEvidenceKeepsItsVendor(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		db.UseBlobStore(blobtest.Disk(t))
		ctx, admin := outSeed(t, db)
		v, err := db.CreateVendor(ctx, domain.VendorInput{Name: "添付株式会社", OwnerID: admin.ID})
		require.NoError(t, err)
		f, err := db.UploadEvidenceFile(ctx, domain.EvidenceUpload{SubjectType: domain.EvidenceVendor, SubjectID: v.ID, FileName: "a.pdf", Content: bytes.NewReader(evidencePDF)})
		require.NoError(t, err)
		err = db.DeleteVendor(ctx, v.ID, nil)
		require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(err))
		require.ErrorContains(t, err, "1 evidence files are attached to it")
		_, err = db.DeleteEvidenceFile(ctx, f.ID, nil)
		require.NoError(t, err)
		require.NoError(t, db.DeleteVendor(ctx, v.ID, nil), "a deleted file no longer holds the vendor")
	})
}
