package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// The store's refusals reach the pages in the person's language: Japanese
// by default, English for a person whose locale is en (the JSON API keeps
// the English).
func TestStoreRefusalsInThePersonsLanguage(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		cast := osrcCast(e)
		v := osrcCandidate(t, e, cast, domain.VendorInput{Name: "候補システム株式会社"})
		c := osrcDraft(t, e, cast, v.ID, "窓口業務")
		path := "/contracts/" + c.ID
		version := url.Values{"version": {strconv.Itoa(c.Version)}}

		ja := osrcBrowser(e, cast.editor)
		refused := ja.submit(path, path+"/activate", version)
		require.Equal(t, http.StatusConflict, refused.Status, refused.Body)
		require.Contains(t, refused.Body, `id="error-summary"`)
		require.Contains(t, refused.Body, "委託事業者「候補システム株式会社」は「候補」です。契約を実施にできるのは、承認済みの委託事業者の契約だけです")
		require.NotContains(t, refused.Body, "a contract can be activated only with an approved vendor")

		stale := ja.submit(path, path+"/activate", url.Values{"version": {strconv.Itoa(c.Version + 7)}})
		require.Equal(t, http.StatusPreconditionFailed, stale.Status, stale.Body)
		require.Contains(t, stale.Body, "この契約は、表示した後に別の人が更新しました")

		field := ja.submit(path, path+"/clauses", url.Values{"code": {"confidentiality"}, "status": {"included"}})
		require.Equal(t, http.StatusUnprocessableEntity, field.Status, field.Body)
		require.Contains(t, field.Body, `id="e-article_ref"`)
		require.Contains(t, field.Body, "条項を含める場合は、その条項を定める契約書の条を入力してください。")
		require.NotContains(t, field.Body, "an included clause needs the article")

		p, err := e.db.FindPerson(e.asAdmin(), cast.approver.ID)
		require.NoError(t, err)
		_, err = e.db.ReplacePerson(e.asAdmin(), p.ID, nil,
			domain.PersonInput{Name: p.Name, Email: p.Email, DepartmentID: p.DepartmentID, SecurityRoles: p.SecurityRoles, Locale: domain.LocaleEn})
		require.NoError(t, err)
		en := osrcBrowser(e, cast.approver)
		refusedEn := en.submit(path, path+"/activate", version)
		require.Equal(t, http.StatusConflict, refusedEn.Status, refusedEn.Body)
		require.Contains(t, refusedEn.Body, "vendor 候補システム株式会社 is candidate; a contract can be activated only with an approved vendor")
		require.NotContains(t, refusedEn.Body, "承認済みの委託事業者の契約だけです")

		fieldEn := en.submit(path, path+"/clauses", url.Values{"code": {"confidentiality"}, "status": {"included"}})
		require.Equal(t, http.StatusUnprocessableEntity, fieldEn.Status, fieldEn.Body)
		require.Contains(t, fieldEn.Body, "an included clause needs the article of the contract that states it")

		got, err := e.db.FindContract(e.asAdmin(), c.ID)
		require.NoError(t, err)
		require.Equal(t, domain.ContractDraft, got.Status, "nothing was written")
	})
}
