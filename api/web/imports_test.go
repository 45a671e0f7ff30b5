package web_test

import (
	"bytes"
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
)

// importUpload fills the import form as a browser does: csrf first, the
// register, then the file.
func (b *browser) importUpload(register, fileName string, content []byte, withCSRF bool) page {
	b.e.t.Helper()
	p := b.get("/imports")
	require.Equal(b.e.t, http.StatusOK, p.Status, p.Body)
	form := regexp.MustCompile(`(?s)<form method="post" action="/imports" enctype="multipart/form-data">(.*?)</form>`).FindStringSubmatch(p.Body)
	require.NotNil(b.e.t, form, "no upload form")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if withCSRF {
		m := regexp.MustCompile(`<input type="hidden" name="csrf" value="([^"]*)">`).FindStringSubmatch(form[1])
		require.NotNil(b.e.t, m)
		require.NoError(b.e.t, mw.WriteField("csrf", m[1]))
	}
	require.NoError(b.e.t, mw.WriteField("register", register))
	require.NoError(b.e.t, mw.WriteField("encoding", ""))
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, fileName))
	h.Set("Content-Type", "text/csv")
	w, err := mw.CreatePart(h)
	require.NoError(b.e.t, err)
	_, err = w.Write(content)
	require.NoError(b.e.t, err)
	require.NoError(b.e.t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, b.e.url+"/imports", &body)
	require.NoError(b.e.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func TestImportPagesDryRunAndCommit(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner, b := confSignedIn(e, "取込 担当", "torikomi@example.lg.jp", domain.RoleEditor)
		p := b.get("/")
		require.Contains(t, p.Body, `href="/imports"`, "a nav entry")
		p = b.get("/imports")
		require.Contains(t, p.Body, "表計算ファイルからの取込み")

		csv := "名称,所管職員メールアドレス\n画面取込株式会社," + owner.Email + "\n誤り株式会社,nobody@example.lg.jp\n"
		require.Equal(t, http.StatusForbidden, b.importUpload("vendors", "v.csv", []byte(csv), false).Status, "the CSRF token is checked")
		done := b.importUpload("vendors", "v.csv", []byte(csv), true)
		require.Equal(t, http.StatusSeeOther, done.Status, done.Body)
		show := b.get(done.Location)
		require.Equal(t, http.StatusOK, show.Status, show.Body)
		require.Contains(t, show.Body, "試行しました")
		require.Contains(t, show.Body, "メールアドレスnobody@example.lg.jpの職員は登録されていません。")
		require.Contains(t, show.Body, "誤りのある行をCSVでダウンロード")
		id := strings.TrimPrefix(strings.Split(done.Location, "?")[0], "/imports/")
		rej := b.get("/imports/" + id + "/rejected.csv")
		require.Equal(t, http.StatusOK, rej.Status)
		require.True(t, strings.HasPrefix(rej.Body, "\ufeff名称,所管職員メールアドレス,エラー"), rej.Body)

		im, err := e.db.FindImport(e.asAdmin(), id)
		require.NoError(t, err)
		require.Contains(t, show.Body, `name="sha256" value="`+im.SHA256+`"`)
		committed := b.submit("/imports/"+id, "/imports/"+id+"/commit", url.Values{"version": {"1"}, "sha256": {im.SHA256}})
		require.Equal(t, http.StatusSeeOther, committed.Status, committed.Body)
		require.Contains(t, b.get(committed.Location).Body, "取込みを確定しました。")
		page, err := e.db.ListVendors(e.asAdmin(), domain.VendorFilter{Q: "画面取込"}, domain.PageRequest{})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		require.Equal(t, http.StatusConflict, b.submit("/imports/"+id, "/imports/"+id+"/commit", url.Values{"version": {"2"}, "sha256": {strings.Repeat("0", 64)}}).Status)

		// People need an admin.
		done = b.importUpload("people", "p.csv", []byte("氏名,メールアドレス\n新人,new@example.lg.jp\n"), true)
		require.Equal(t, http.StatusForbidden, done.Status)
	})
}
