package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store/blob/blobtest"
)

var webPDF = []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")

// upload fills the evidence form of formPage as a browser does: its fields
// in order (csrf first), the extra fields, then the file.
func (b *browser) upload(formPage string, extra map[string]string, fileName string, content []byte) page {
	b.e.t.Helper()
	p := b.get(formPage)
	require.Equal(b.e.t, http.StatusOK, p.Status, p.Body)
	form := regexp.MustCompile(`(?s)<form method="post" action="/evidence-files" enctype="multipart/form-data">(.*?)</form>`).FindStringSubmatch(p.Body)
	require.NotNil(b.e.t, form, "no upload form on %s", formPage)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`).FindAllStringSubmatch(form[1], -1) {
		require.NoError(b.e.t, mw.WriteField(m[1], m[2]))
	}
	for k, v := range extra {
		require.NoError(b.e.t, mw.WriteField(k, v))
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, fileName))
	h.Set("Content-Type", "application/octet-stream")
	w, err := mw.CreatePart(h)
	require.NoError(b.e.t, err)
	_, err = w.Write(content)
	require.NoError(b.e.t, err)
	require.NoError(b.e.t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, b.e.url+"/evidence-files", &body)
	require.NoError(b.e.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func evidenceRows(t *testing.T, e *env, st domain.EvidenceSubject, id string) []*domain.EvidenceFile {
	t.Helper()
	page, err := e.db.ListEvidenceFiles(context.Background(), domain.EvidenceFilter{SubjectType: st, SubjectID: id, IncludeDeleted: true}, domain.PageRequest{})
	require.NoError(t, err)
	return page.Items
}

func TestEvidencePagesUploadDownloadDelete(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		blobs := blobtest.Disk(t)
		e.db.UseBlobStore(blobs)
		owner, b := confSignedIn(e, "証跡 担当", "shoseki@example.lg.jp", domain.RoleEditor)
		v := confApprovedVendor(e, owner, "証跡株式会社")
		path := "/vendors/" + v.ID

		p := b.get(path)
		require.Contains(t, p.Body, "証跡ファイル")
		require.Contains(t, p.Body, "添付されたファイルはありません。")
		require.Contains(t, p.Body, `enctype="multipart/form-data"`)
		require.Contains(t, p.Body, "20MBまで添付できます")

		done := b.upload(path, nil, "ISMS認証書.pdf", webPDF)
		require.Equal(t, http.StatusSeeOther, done.Status, done.Body)
		require.Equal(t, path+"?done=evidence_uploaded", done.Location)
		files := evidenceRows(t, e, domain.EvidenceVendor, v.ID)
		require.Len(t, files, 1)
		f := files[0]
		require.Equal(t, owner.ID, f.UploadedBy)

		p = b.get(done.Location)
		require.Contains(t, p.Body, "ファイルを添付しました。")
		require.Contains(t, p.Body, `<a href="/evidence-files/`+f.ID+`/content" download>ISMS認証書.pdf</a>`)
		require.Contains(t, p.Body, "<td>PDF</td>")
		require.Contains(t, p.Body, fmt.Sprintf("<td>%dバイト</td>", len(webPDF)))
		require.Contains(t, p.Body, "<td>証跡 担当</td>")
		require.Contains(t, p.Body, `action="/evidence-files/`+f.ID+`/delete"`)

		dl := b.get("/evidence-files/" + f.ID + "/content")
		require.Equal(t, http.StatusOK, dl.Status)
		require.Equal(t, string(webPDF), dl.Body)
		require.Equal(t, "application/pdf", dl.Header.Get("Content-Type"))
		require.Equal(t, "nosniff", dl.Header.Get("X-Content-Type-Options"))
		require.True(t, strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment; "), dl.Header.Get("Content-Disposition"))
		require.Contains(t, dl.Header.Get("Content-Disposition"), "filename*=UTF-8''ISMS%E8%AA%8D%E8%A8%BC%E6%9B%B8.pdf")

		// A viewer reads and downloads, but neither uploads nor deletes.
		_, viewer := confSignedIn(e, "閲覧 者", "etsuran@example.lg.jp", domain.RoleViewer)
		vp := viewer.get(path)
		require.Contains(t, vp.Body, "ISMS認証書.pdf")
		require.NotContains(t, vp.Body, `action="/evidence-files"`)
		require.NotContains(t, vp.Body, "/delete\"")
		require.Equal(t, http.StatusOK, viewer.get("/evidence-files/"+f.ID+"/content").Status)
		refused := viewer.post("/evidence-files/"+f.ID+"/delete", url.Values{"version": {"1"}})
		require.Equal(t, http.StatusForbidden, refused.Status)

		// Delete through the form: a stale version is refused.
		stale := b.submit(path, "/evidence-files/"+f.ID+"/delete", url.Values{"version": {"7"}, "back": {path}})
		require.Equal(t, http.StatusConflict, stale.Status, stale.Body)
		gone := b.submit(path, "/evidence-files/"+f.ID+"/delete", url.Values{"version": {"1"}, "back": {path}})
		require.Equal(t, http.StatusSeeOther, gone.Status, gone.Body)
		require.Equal(t, path+"?done=evidence_deleted", gone.Location)
		p = b.get(gone.Location)
		require.NotContains(t, p.Body, "ISMS認証書.pdf")
		require.Contains(t, p.Body, "削除の記録は監査ログに残ります")
		require.Equal(t, http.StatusNotFound, b.get("/evidence-files/"+f.ID+"/content").Status)
		require.NotNil(t, evidenceRows(t, e, domain.EvidenceVendor, v.ID)[0].DeletedAt)
	})
}

func TestEvidencePagesRefusals(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		blobs := blobtest.Disk(t)
		e.db.UseBlobStore(blobs)
		owner, b := confSignedIn(e, "証跡 担当", "shoseki@example.lg.jp", domain.RoleEditor)
		v := confApprovedVendor(e, owner, "上限株式会社")
		path := "/vendors/" + v.ID
		nothing := func() {
			t.Helper()
			require.Empty(t, evidenceRows(t, e, domain.EvidenceVendor, v.ID))
			keys, err := blobs.Keys(context.Background())
			require.NoError(t, err)
			require.Empty(t, keys)
		}

		p := b.upload(path, nil, "page.pdf", []byte("<!DOCTYPE html><html><body>x</body></html>"))
		require.Equal(t, http.StatusUnsupportedMediaType, p.Status, p.Body)
		require.Contains(t, p.Body, "この種類のファイル（text/html）は添付できません。")
		require.Contains(t, p.Body, `<a href="`+path+`">記録に戻る</a>`)
		nothing()

		s, err := e.db.GetSettings(e.asAdmin())
		require.NoError(t, err)
		ps := s.PolicySettings
		ps.EvidenceMaxBytes = 2 << 20
		_, err = e.db.ReplaceSettings(e.asAdmin(), nil, ps)
		require.NoError(t, err)
		big := append(append([]byte{}, webPDF...), bytes.Repeat([]byte(" "), 2<<20)...)
		p = b.upload(path, nil, "big.pdf", big)
		require.Equal(t, http.StatusRequestEntityTooLarge, p.Status, p.Body)
		require.Contains(t, p.Body, "ファイルが大きすぎます（上限2MB）。")
		nothing()

		// No CSRF token, or a wrong one: nothing is read or stored.
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		require.NoError(t, mw.WriteField("csrf", "0000"))
		require.NoError(t, mw.WriteField("subject_type", "vendor"))
		require.NoError(t, mw.WriteField("subject_id", v.ID))
		fw, err := mw.CreateFormFile("file", "a.pdf")
		require.NoError(t, err)
		_, _ = fw.Write(webPDF)
		require.NoError(t, mw.Close())
		req, err := http.NewRequest(http.MethodPost, e.url+"/evidence-files", &body)
		require.NoError(t, err)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		require.Equal(t, http.StatusForbidden, b.do(req).Status)
		nothing()

		// A viewer may not upload.
		_, viewer := confSignedIn(e, "閲覧 者", "etsuran@example.lg.jp", domain.RoleViewer)
		token := csrfField.FindStringSubmatch(viewer.get(path).Body)
		require.NotNil(t, token)
		body.Reset()
		mw = multipart.NewWriter(&body)
		require.NoError(t, mw.WriteField("csrf", token[1]))
		require.NoError(t, mw.WriteField("subject_type", "vendor"))
		require.NoError(t, mw.WriteField("subject_id", v.ID))
		fw, err = mw.CreateFormFile("file", "a.pdf")
		require.NoError(t, err)
		_, _ = fw.Write(webPDF)
		require.NoError(t, mw.Close())
		req, err = http.NewRequest(http.MethodPost, e.url+"/evidence-files", &body)
		require.NoError(t, err)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		require.Equal(t, http.StatusForbidden, viewer.do(req).Status)
		nothing()
	})
}

func TestEvidenceOnEveryDetailPage(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.db.UseBlobStore(blobtest.Disk(t))
		owner, b := confSignedIn(e, "証跡 担当", "shoseki@example.lg.jp", domain.RoleEditor)
		conf, actions := corrOpened(e, owner)
		a := actions[0]
		account := saAccount(t, e, owner)
		cs := b.submit("/cloud-services/new", "/cloud-services", csRequestForm(t, e, owner))
		require.Equal(t, http.StatusSeeOther, cs.Status, cs.Body)
		services := csServices(t, e)
		require.NotEmpty(t, services)
		asOwner := domain.WithActor(context.Background(), domain.Actor{PersonID: owner.ID, Role: domain.RoleEditor, Name: owner.Name})
		review, err := e.db.CreatePolicyReview(asOwner, domain.PolicyReviewInput{Trigger: domain.TriggerCircumstances,
			TriggerDescription: "新しいガイドライン", Decision: "様式を改める", NextReviewDue: domain.DateOf(e.db.Now(), e.db.Location()).AddDays(30)})
		require.NoError(t, err)

		for _, c := range []struct {
			path string
			st   domain.EvidenceSubject
			id   string
		}{
			{"/vendors/" + conf.VendorID, domain.EvidenceVendor, conf.VendorID},
			{"/contracts/" + conf.ContractID, domain.EvidenceContract, conf.ContractID},
			{"/confirmations/" + conf.ID, domain.EvidenceConfirmation, conf.ID},
			{"/corrective-actions/" + a.ID, domain.EvidenceCorrectiveAction, a.ID},
			{"/cloud-services/" + services[0].ID, domain.EvidenceCloudService, services[0].ID},
			{"/social-accounts/" + account.ID, domain.EvidenceSocialAccount, account.ID},
			{"/policy-reviews/" + review.ID, domain.EvidencePolicyReview, review.ID},
		} {
			p := b.get(c.path)
			require.Equal(t, http.StatusOK, p.Status, c.path)
			require.Contains(t, p.Body, `id="evidence"`, c.path)
			done := b.upload(c.path, nil, "report.txt", []byte("報告書\n"))
			require.Equal(t, http.StatusSeeOther, done.Status, "%s: %s", c.path, done.Body)
			require.Len(t, evidenceRows(t, e, c.st, c.id), 1, c.path)
			require.Contains(t, b.get(c.path).Body, ">report.txt</a>", c.path)
		}

		// A confirmation's file may be given for one checklist answer.
		p := b.get("/confirmations/" + conf.ID)
		require.Contains(t, p.Body, `<option value="`+conf.Checklist[1].Code+`">`+conf.Checklist[1].TitleJa+`</option>`)
		done := b.upload("/confirmations/"+conf.ID, map[string]string{"item_code": conf.Checklist[1].Code}, "item.txt", []byte("項目の証跡\n"))
		require.Equal(t, http.StatusSeeOther, done.Status, done.Body)
		files := evidenceRows(t, e, domain.EvidenceConfirmation, conf.ID)
		require.Len(t, files, 2)
		require.Equal(t, conf.Checklist[1].Code, files[1].ItemCode)
		require.Contains(t, b.get("/confirmations/"+conf.ID).Body, "<td>"+conf.Checklist[1].TitleJa+"</td>")
	})
}

func TestEvidenceSettingsOnTheSettingsPage(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		b := e.signedIn()
		p := b.get("/settings")
		require.Contains(t, p.Body, `<label for="f-evidence_max_mib">ファイルの大きさの上限</label>`)
		require.Contains(t, p.Body, `name="evidence_max_mib" type="number" inputmode="numeric" min="0" max="1024" value="20"`)
		require.Contains(t, p.Body, "application/pdf\nimage/png")

		form := settingsValues(e.settings())
		form.Set("evidence_max_mib", "5")
		form.Set("evidence_media_types", "application/pdf\ntext/csv\n")
		done := b.submit("/settings", "/settings", form)
		require.Equal(t, http.StatusSeeOther, done.Status, done.Body)
		s := e.settings()
		require.Equal(t, int64(5<<20), s.EvidenceMaxBytes)
		require.Equal(t, []string{"application/pdf", "text/csv"}, s.EvidenceMediaTypes)

		form = settingsValues(s)
		form.Set("evidence_media_types", "application/pdf\nnot a type")
		refused := b.submit("/settings", "/settings", form)
		require.Equal(t, http.StatusUnprocessableEntity, refused.Status, refused.Body)
		require.Contains(t, refused.Body, "2件目")
	})
}

func TestAuditPageNamesBrokenEvidenceFiles(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		blobs := blobtest.Disk(t)
		e.db.UseBlobStore(blobs)
		b := e.signedIn()
		v := confApprovedVendor(e, e.admin, "改ざん株式会社")
		done := b.upload("/vendors/"+v.ID, nil, "a.txt", []byte("原本\n"))
		require.Equal(t, http.StatusSeeOther, done.Status, done.Body)
		f := evidenceRows(t, e, domain.EvidenceVendor, v.ID)[0]

		ok := b.submit("/audit", "/audit/verify", nil)
		require.Equal(t, http.StatusOK, ok.Status, ok.Body)
		require.Contains(t, ok.Body, "証跡ファイル1件の内容も、記録したハッシュと一致しました。")

		_, err := blobs.Put(context.Background(), f.ID, strings.NewReader("改ざん\n"))
		require.NoError(t, err)
		broken := b.submit("/audit", "/audit/verify", nil)
		require.Equal(t, http.StatusOK, broken.Status, broken.Body)
		require.Contains(t, broken.Body, "検証の結果、問題はありませんでした", "the chain itself holds")
		require.Contains(t, broken.Body, "証跡ファイル1件の内容が、記録したハッシュと一致しません。")
		require.Contains(t, broken.Body, "委託事業者（ID "+v.ID+"）の証跡ファイル "+f.ID+"：内容が変更されています")
		require.Contains(t, b.get("/audit?entity_type=evidence_file").Body, f.ID)
	})
}
