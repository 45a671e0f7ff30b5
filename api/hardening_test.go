package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func TestOnlyAdminsGrantSecurityRoles(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		clerk := e.createPerson("事務員", "clerk@example.lg.jp", nil)
		editor := saTokenFor(e, clerk.ID, domain.RoleEditor)
		body := func(roles []string) map[string]any {
			return map[string]any{"name": clerk.Name, "email": clerk.Email, "department_id": clerk.DepartmentID, "security_roles": roles}
		}

		p := requireProblem(t, e.do("PUT", "/v1/people/"+clerk.ID, editor, body([]string{"supervisor"})), http.StatusForbidden)
		require.Contains(t, p["detail"], "only an admin")
		p = requireProblem(t, e.do("POST", "/v1/people", editor, map[string]any{
			"name": "新人", "email": "new@example.lg.jp", "department_id": clerk.DepartmentID, "security_roles": []string{"ciso"}}), http.StatusForbidden)
		require.Contains(t, p["detail"], "only an admin")

		// Nothing was written by the refused requests.
		var got domain.Person
		e.must(http.StatusOK, "GET", "/v1/people/"+clerk.ID, e.admin, nil).Decode(t, &got)
		require.Empty(t, got.SecurityRoles)
		require.Equal(t, 1, got.Version)

		// An editor may still edit people, as long as the roles stay.
		e.must(http.StatusOK, "PUT", "/v1/people/"+clerk.ID, editor, body(nil))
		e.must(http.StatusOK, "PUT", "/v1/people/"+clerk.ID, e.admin, body([]string{"supervisor"}))
		e.must(http.StatusOK, "PUT", "/v1/people/"+clerk.ID, editor, body([]string{"supervisor"}))
		requireProblem(t, e.do("PUT", "/v1/people/"+clerk.ID, editor, body(nil)), http.StatusForbidden)
	})
}

func TestResponsiblePersonOfAnAccountStaysActive(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner := e.createPerson("広報担当", "koho@example.lg.jp", nil)
		account := saCreateAccount(e, owner.ID, nil)
		inactive := map[string]any{"name": owner.Name, "email": owner.Email, "department_id": owner.DepartmentID, "active": false}

		p := requireProblem(t, e.do("PUT", "/v1/people/"+owner.ID, e.admin, inactive), http.StatusConflict)
		require.Contains(t, p["detail"], "responsible person")

		e.must(http.StatusOK, "POST", "/v1/social-accounts/"+account.ID+"/retire", e.admin, map[string]any{"reason": "閉鎖"})
		e.must(http.StatusOK, "PUT", "/v1/people/"+owner.ID, e.admin, inactive)
	})
}

func TestNULCharactersAreAClientError(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		dept := e.departmentID()
		person := func(name string) string {
			return `{"name":"` + name + `","email":"nul` + randomSuffix() + `@example.lg.jp","department_id":"` + dept + `"}`
		}
		p := requireProblem(t, e.do("POST", "/v1/people", e.admin, person(`a\u0000b`)), http.StatusBadRequest)
		require.Contains(t, p["detail"], "NUL")
		requireProblem(t, e.do("POST", "/v1/people", e.admin, person(`a\\\u0000b`)), http.StatusBadRequest)
		requireProblem(t, e.do("GET", "/v1/people?q=a%00b", e.admin, nil), http.StatusBadRequest)

		// An escaped backslash followed by "u0000" is ordinary text.
		var ok domain.Person
		e.must(http.StatusCreated, "POST", "/v1/people", e.admin, person(`C:\\u0000`)).Decode(t, &ok)
		require.Equal(t, `C:\u0000`, ok.Name)
	})
}

func TestDatesOutsideTheSupportedYearsAreRefused(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		p := requireProblem(t, e.do("GET", "/v1/contracts?confirmation_due_before=0000-01-01", e.admin, nil), http.StatusUnprocessableEntity)
		require.Equal(t, []string{"query.confirmation_due_before"}, problemLocations(p))
		require.True(t, strings.Contains(outProblemText(p), "1900"), "problem: %v", p)
	})
}

func TestPublishingRulesMayLeaveAListOut(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		owner := e.createPerson("広報", "pr@example.lg.jp", nil)
		account := saCreateAccount(e, owner.ID, map[string]any{
			"publishing_rules": map[string]any{"allowed_categories": []string{"お知らせ"}}})
		require.Equal(t, []string{"お知らせ"}, account.PublishingRules.AllowedCategories)
		require.NotNil(t, account.PublishingRules.ProhibitedTerms, "answered as an empty list, not left out")
		require.Empty(t, account.PublishingRules.ProhibitedTerms)

		r := e.must(http.StatusOK, "GET", "/v1/social-accounts/"+account.ID, e.admin, nil)
		require.Contains(t, string(r.Body), `"prohibited_terms":[]`)
	})
}
