package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store/blob/blobtest"
)

var apiPDF = []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")

// evidenceForm builds a multipart body: the fields in order, then the
// file with the part Content-Type given (which the server ignores).
func evidenceForm(t *testing.T, fields [][2]string, fileName, partType string, content []byte) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, f := range fields {
		require.NoError(t, mw.WriteField(f[0], f[1]))
	}
	if content != nil {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, fileName))
		h.Set("Content-Type", partType)
		w, err := mw.CreatePart(h)
		require.NoError(t, err)
		_, err = w.Write(content)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return mw.FormDataContentType(), b.Bytes()
}

// upload posts a file for a subject.
func (e *env) upload(token, subjectType, subjectID, fileName string, content []byte) response {
	e.t.Helper()
	ct, body := evidenceForm(e.t, [][2]string{{"subject_type", subjectType}, {"subject_id", subjectID}}, fileName, "text/html", content)
	return e.do("POST", "/v1/evidence-files", token, string(body), "Content-Type", ct)
}

func (e *env) vendorID() string {
	e.t.Helper()
	var v domain.Vendor
	e.must(http.StatusCreated, "POST", "/v1/vendors", e.admin, map[string]any{"name": "証跡株式会社" + randomSuffix(), "owner_id": e.person.ID}).Decode(e.t, &v)
	return v.ID
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestEvidenceFilesRoundTrip(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		blobs := blobtest.Disk(t)
		e.db.UseBlobStore(blobs)
		vendor := e.vendorID()
		editor := e.token(domain.RoleEditor)

		r := e.upload(editor, "vendor", vendor, "ISMS認証書 2026.pdf", apiPDF)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		var f domain.EvidenceFile
		r.Decode(t, &f)
		require.Equal(t, "/v1/evidence-files/"+f.ID, r.Header.Get("Location"))
		require.Equal(t, `"1"`, r.Header.Get("ETag"))
		require.Equal(t, "application/pdf", f.MediaType, "sniffed, not the part's text/html")
		require.Equal(t, hexSHA(apiPDF), f.SHA256)
		require.Equal(t, "ISMS認証書 2026.pdf", f.FileName)

		meta := e.must(http.StatusOK, "GET", "/v1/evidence-files/"+f.ID, e.token(domain.RoleViewer), nil)
		require.Equal(t, `"1"`, meta.Header.Get("ETag"))

		dl := e.must(http.StatusOK, "GET", "/v1/evidence-files/"+f.ID+"/content", e.token(domain.RoleAuditor), nil)
		require.Equal(t, apiPDF, dl.Body)
		require.Equal(t, "application/pdf", dl.Header.Get("Content-Type"))
		require.Equal(t, fmt.Sprint(len(apiPDF)), dl.Header.Get("Content-Length"))
		require.Equal(t, "nosniff", dl.Header.Get("X-Content-Type-Options"))
		require.Equal(t, `"`+hexSHA(apiPDF)+`"`, dl.Header.Get("ETag"))
		require.Equal(t, `attachment; filename="ISMS___ 2026.pdf"; filename*=UTF-8''ISMS%E8%AA%8D%E8%A8%BC%E6%9B%B8%202026.pdf`, dl.Header.Get("Content-Disposition"))

		// A PNG holds NUL bytes, which JSON bodies may not.
		png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde")
		r = e.upload(editor, "vendor", vendor, "photo.png", png)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		var p domain.EvidenceFile
		r.Decode(t, &p)
		require.Equal(t, "image/png", p.MediaType)
		require.Equal(t, png, e.must(http.StatusOK, "GET", "/v1/evidence-files/"+p.ID+"/content", editor, nil).Body)

		// The list pages with a cursor and a Link.
		page := e.must(http.StatusOK, "GET", "/v1/evidence-files?subject_type=vendor&subject_id="+vendor+"&limit=1", e.token(domain.RoleViewer), nil)
		var list struct {
			Items      []domain.EvidenceFile `json:"items"`
			NextCursor string                `json:"next_cursor"`
		}
		page.Decode(t, &list)
		require.Len(t, list.Items, 1)
		require.Equal(t, f.ID, list.Items[0].ID)
		require.Contains(t, page.Header.Get("Link"), "cursor="+list.NextCursor)
		e.must(http.StatusOK, "GET", "/v1/evidence-files?subject_type=vendor&subject_id="+vendor+"&cursor="+list.NextCursor, editor, nil).Decode(t, &list)
		require.Len(t, list.Items, 1)
		require.Equal(t, p.ID, list.Items[0].ID)

		// The audit trail has the file's hash, and the verification checks it.
		var v domain.AuditVerification
		e.must(http.StatusOK, "GET", "/v1/audit-events/verify", e.token(domain.RoleAuditor), nil).Decode(t, &v)
		require.True(t, v.OK)
		require.Equal(t, 2, v.FilesChecked)
		_, err := blobs.Put(context.Background(), f.ID, strings.NewReader("%PDF-1.7 changed"))
		require.NoError(t, err)
		e.must(http.StatusOK, "GET", "/v1/audit-events/verify", e.admin, nil).Decode(t, &v)
		require.False(t, v.OK)
		require.Equal(t, []domain.EvidenceBrokenFile{{ID: f.ID, SubjectType: "vendor", SubjectID: vendor, Problem: "sha256_mismatch"}}, v.FilesBroken)
	})
}

func TestEvidenceFilesRefusals(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		blobs := blobtest.Disk(t)
		e.db.UseBlobStore(blobs)
		vendor := e.vendorID()
		nothingStored := func() {
			t.Helper()
			keys, err := blobs.Keys(context.Background())
			require.NoError(t, err)
			require.Empty(t, keys, "nothing left in the blob store")
			var list struct {
				Items []domain.EvidenceFile `json:"items"`
			}
			e.must(http.StatusOK, "GET", "/v1/evidence-files?include_deleted=true", e.admin, nil).Decode(t, &list)
			require.Empty(t, list.Items, "no row")
		}

		t.Run("415 names the file", func(t *testing.T) {
			p := requireProblem(t, e.upload(e.admin, "vendor", vendor, "page.pdf", []byte("<!DOCTYPE html><html><body>x</body></html>")), http.StatusUnsupportedMediaType)
			require.Equal(t, []string{"body.file"}, problemLocations(p))
			require.Contains(t, p["detail"], "text/html")
			nothingStored()
		})
		t.Run("413 names the file", func(t *testing.T) {
			s, err := e.db.GetSettings(context.Background())
			require.NoError(t, err)
			ps := s.PolicySettings
			ps.EvidenceMaxBytes = 1000
			_, err = e.db.ReplaceSettings(context.Background(), nil, ps)
			require.NoError(t, err)
			big := append(append([]byte{}, apiPDF...), bytes.Repeat([]byte("x"), 1000)...)
			p := requireProblem(t, e.upload(e.admin, "vendor", vendor, "big.pdf", big), http.StatusRequestEntityTooLarge)
			require.Equal(t, []string{"body.file"}, problemLocations(p))
			require.Contains(t, p["detail"], "1000 bytes")
			nothingStored()
			// A body whose Content-Length is beyond the limit is refused unread.
			huge := append(append([]byte{}, apiPDF...), bytes.Repeat([]byte("x"), 200<<10)...)
			p = requireProblem(t, e.upload(e.admin, "vendor", vendor, "huge.pdf", huge), http.StatusRequestEntityTooLarge)
			require.Equal(t, []string{"body.file"}, problemLocations(p))
			nothingStored()
			ps.EvidenceMaxBytes = 0 // back to the default
			_, err = e.db.ReplaceSettings(context.Background(), nil, ps)
			require.NoError(t, err)
		})
		t.Run("422 for the fields", func(t *testing.T) {
			p := requireProblem(t, e.upload(e.admin, "invoice", "not-a-uuid", "a.pdf", apiPDF), http.StatusUnprocessableEntity)
			require.ElementsMatch(t, []string{"body.subject_type", "body.subject_id"}, problemLocations(p))
			p = requireProblem(t, e.upload(e.admin, "contract", vendor, "a.pdf", apiPDF), http.StatusUnprocessableEntity)
			require.Equal(t, []string{"body.subject_id"}, problemLocations(p), "no contract has a vendor's id")
			nothingStored()
		})
		t.Run("415 for JSON, 400 for a form without its file", func(t *testing.T) {
			p := requireProblem(t, e.do("POST", "/v1/evidence-files", e.admin, map[string]any{"subject_type": "vendor"}), http.StatusUnsupportedMediaType)
			require.Equal(t, []string{"header.Content-Type"}, problemLocations(p))
			ct, body := evidenceForm(t, [][2]string{{"subject_type", "vendor"}, {"subject_id", vendor}}, "", "", nil)
			p = requireProblem(t, e.do("POST", "/v1/evidence-files", e.admin, string(body), "Content-Type", ct), http.StatusBadRequest)
			require.Equal(t, []string{"body.file"}, problemLocations(p))
			ct, body = evidenceForm(t, nil, "a.pdf", "application/pdf", apiPDF)
			requireProblem(t, e.do("POST", "/v1/evidence-files", e.admin, string(body), "Content-Type", ct), http.StatusBadRequest)
			nothingStored()
		})
		t.Run("roles", func(t *testing.T) {
			requireProblem(t, e.upload(e.token(domain.RoleViewer), "vendor", vendor, "a.pdf", apiPDF), http.StatusForbidden)
			requireProblem(t, e.upload(e.token(domain.RoleAuditor), "vendor", vendor, "a.pdf", apiPDF), http.StatusForbidden)
			requireProblem(t, e.upload("", "vendor", vendor, "a.pdf", apiPDF), http.StatusUnauthorized)
			nothingStored()
		})
	})
}

func TestEvidenceFilesDeleteWithIfMatch(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.db.UseBlobStore(blobtest.Disk(t))
		vendor := e.vendorID()
		editor := e.token(domain.RoleEditor)
		r := e.upload(editor, "vendor", vendor, "a.pdf", apiPDF)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		var f domain.EvidenceFile
		r.Decode(t, &f)
		path := "/v1/evidence-files/" + f.ID

		requireProblem(t, e.do("DELETE", path, e.token(domain.RoleViewer), nil, "If-Match", `"1"`), http.StatusForbidden)
		requireProblem(t, e.do("DELETE", path, editor, nil, "If-Match", `"9"`), http.StatusPreconditionFailed)
		gone := e.must(http.StatusOK, "DELETE", path, editor, nil, "If-Match", `"1"`)
		require.Equal(t, `"2"`, gone.Header.Get("ETag"))
		var d domain.EvidenceFile
		gone.Decode(t, &d)
		require.NotNil(t, d.DeletedAt)
		requireProblem(t, e.do("DELETE", path, editor, nil), http.StatusConflict)
		requireProblem(t, e.do("GET", path+"/content", editor, nil), http.StatusNotFound)
		e.must(http.StatusOK, "GET", path, editor, nil).Decode(t, &d)
		require.NotNil(t, d.DeletedAt, "the record stays")

		var events struct {
			Items []domain.AuditEvent `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/audit-events?entity_type=evidence_file&entity_id="+f.ID, e.token(domain.RoleAuditor), nil).Decode(t, &events)
		require.Len(t, events.Items, 2)
		require.Equal(t, "delete", events.Items[1].Action)
	})
}
