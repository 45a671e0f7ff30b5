package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func requireProblem(t *testing.T, r response, status int) map[string]any {
	t.Helper()
	require.Equal(t, status, r.Status, "body: %s", r.Body)
	require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
	p := r.JSON(t)
	require.EqualValues(t, status, p["status"])
	require.NotEmpty(t, p["title"])
	return p
}

// problemLocations returns the locations of a problem's field errors.
func problemLocations(p map[string]any) []string {
	var out []string
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		out = append(out, e.(map[string]any)["location"].(string))
	}
	return out
}

func TestEveryStatusOfTheConventions(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		viewer := e.token(domain.RoleViewer)

		t.Run("200 with ETag", func(t *testing.T) {
			r := e.must(http.StatusOK, "GET", "/v1/people/"+e.person.ID, e.admin, nil)
			require.Equal(t, `"1"`, r.Header.Get("ETag"))
		})
		var dept domain.Department
		t.Run("201 with ETag", func(t *testing.T) {
			r := e.must(http.StatusCreated, "POST", "/v1/departments", e.admin, map[string]any{"name": "環境課"})
			require.Equal(t, `"1"`, r.Header.Get("ETag"))
			r.Decode(t, &dept)
		})
		t.Run("204", func(t *testing.T) {
			e.must(http.StatusNoContent, "DELETE", "/v1/departments/"+dept.ID, e.admin, nil, "If-Match", `"1"`)
			e.must(http.StatusNotFound, "GET", "/v1/departments/"+dept.ID, e.admin, nil)
		})
		t.Run("400 malformed JSON", func(t *testing.T) {
			requireProblem(t, e.do("POST", "/v1/departments", e.admin, `{"name":`), http.StatusBadRequest)
		})
		t.Run("401 without token", func(t *testing.T) {
			r := e.do("GET", "/v1/people", "", nil)
			requireProblem(t, r, http.StatusUnauthorized)
			require.Contains(t, r.Header.Get("WWW-Authenticate"), "Bearer")
		})
		t.Run("401 unknown token", func(t *testing.T) {
			requireProblem(t, e.do("GET", "/v1/people", "vw_not-a-token", nil), http.StatusUnauthorized)
		})
		t.Run("403 role too low", func(t *testing.T) {
			requireProblem(t, e.do("POST", "/v1/departments", viewer, map[string]any{"name": "x"}), http.StatusForbidden)
		})
		t.Run("404", func(t *testing.T) {
			requireProblem(t, e.do("GET", "/v1/people/"+uuid.Must(uuid.NewV7()).String(), e.admin, nil), http.StatusNotFound)
		})
		t.Run("409 duplicate e-mail regardless of case", func(t *testing.T) {
			e.createPerson("佐藤 花子", "sato@example.lg.jp", nil)
			p := requireProblem(t, e.do("POST", "/v1/people", e.admin, map[string]any{
				"name": "佐藤 花子", "email": "SATO@example.lg.jp", "department_id": e.departmentID()}), http.StatusConflict)
			require.Contains(t, p["detail"], "e-mail")
		})
		t.Run("412 stale If-Match", func(t *testing.T) {
			r := e.do("PUT", "/v1/people/"+e.person.ID, e.admin, map[string]any{
				"name": "x", "email": e.person.Email, "department_id": e.person.DepartmentID}, "If-Match", `"99"`)
			requireProblem(t, r, http.StatusPreconditionFailed)
		})
		t.Run("422 lists every offending field", func(t *testing.T) {
			p := requireProblem(t, e.do("POST", "/v1/people", e.admin, map[string]any{
				"name": "", "email": "not-an-address", "department_id": "x", "security_roles": []string{"boss"}}), http.StatusUnprocessableEntity)
			require.Subset(t, problemLocations(p), []string{"body.name", "body.email", "body.department_id", "body.security_roles[0]"})
		})
		t.Run("422 from a rule in the store names the field", func(t *testing.T) {
			p := requireProblem(t, e.do("POST", "/v1/people", e.admin, map[string]any{
				"name": "x", "email": "x@example.lg.jp", "department_id": uuid.Must(uuid.NewV7()).String(),
				"supervisor_id": uuid.Must(uuid.NewV7()).String()}), http.StatusUnprocessableEntity)
			require.ElementsMatch(t, []string{"body.department_id", "body.supervisor_id"}, problemLocations(p))
		})
		t.Run("422 bad cursor", func(t *testing.T) {
			p := requireProblem(t, e.do("GET", "/v1/people?cursor=garbage", e.admin, nil), http.StatusUnprocessableEntity)
			require.Equal(t, []string{"query.cursor"}, problemLocations(p))
		})
		t.Run("500 carries no internal text", func(t *testing.T) {
			_, err := e.db.SQL().Exec(`ALTER TABLE departments RENAME TO departments_gone`)
			require.NoError(t, err)
			r := e.do("GET", "/v1/departments", e.admin, nil)
			p := requireProblem(t, r, http.StatusInternalServerError)
			body := strings.ToLower(string(r.Body))
			for _, leak := range []string{"departments", "table", "sql", "relation", ".go", "/"} {
				require.NotContains(t, body, leak, "500 body leaks %q: %s", leak, r.Body)
			}
			require.Nil(t, p["errors"])
			require.Contains(t, e.logs.String(), "departments", "the log keeps the real error")
		})
	})
}

func TestPagingWhileInsertingSkipsAndRepeatsNothing(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		want := map[string]bool{e.person.ID: true}
		for i := range 23 {
			p := e.createPerson(fmt.Sprintf("職員 %02d", i), fmt.Sprintf("staff%02d@example.lg.jp", i), nil)
			want[p.ID] = true
		}
		seen := map[string]int{}
		path := "/v1/people?limit=7"
		pages := 0
		for path != "" {
			r := e.must(http.StatusOK, "GET", path, e.admin, nil)
			var page struct {
				Items      []domain.Person `json:"items"`
				NextCursor string          `json:"next_cursor"`
			}
			r.Decode(t, &page)
			require.LessOrEqual(t, len(page.Items), 7)
			for _, p := range page.Items {
				seen[p.ID]++
			}
			// Insert while paging: the new rows may appear later, never twice.
			for j := range 2 {
				e.createPerson("途中", fmt.Sprintf("mid%d-%d@example.lg.jp", pages, j), nil)
			}
			pages++
			require.Less(t, pages, 50, "paging does not end")
			path = ""
			if page.NextCursor != "" {
				link := r.Header.Get("Link")
				require.Contains(t, link, `rel="next"`)
				require.Contains(t, link, "cursor="+page.NextCursor)
				require.Contains(t, link, "limit=7")
				path = strings.TrimPrefix(strings.Split(link, ">")[0], "<")
			} else {
				require.Empty(t, r.Header.Get("Link"))
			}
		}
		for id := range want {
			require.Equal(t, 1, seen[id], "person %s seen %d times", id, seen[id])
		}
		for id, n := range seen {
			require.Equal(t, 1, n, "person %s repeated", id)
		}
	})
}

func TestTwoWritersWithTheSameETag(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		p := e.createPerson("鈴木 一郎", "suzuki@example.lg.jp", nil)
		tag := e.must(http.StatusOK, "GET", "/v1/people/"+p.ID, e.admin, nil).Header.Get("ETag")

		statuses := make([]int, 2)
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Go(func() {
				statuses[i] = e.do("PUT", "/v1/people/"+p.ID, e.admin, map[string]any{
					"name": fmt.Sprintf("writer %d", i), "email": p.Email, "department_id": p.DepartmentID}, "If-Match", tag).Status
			})
		}
		wg.Wait()
		require.ElementsMatch(t, []int{http.StatusOK, http.StatusPreconditionFailed}, statuses)

		r := e.must(http.StatusOK, "GET", "/v1/people/"+p.ID, e.admin, nil)
		require.Equal(t, `"2"`, r.Header.Get("ETag"))
	})
}

func TestWritersWithoutIfMatchNeverLoseAChangeSilently(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		p := e.createPerson("高橋 次郎", "takahashi@example.lg.jp", nil)
		const writers = 6
		statuses := make([]int, writers)
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() {
				statuses[i] = e.do("PUT", "/v1/people/"+p.ID, e.admin, map[string]any{
					"name": fmt.Sprintf("writer %d", i), "email": p.Email, "department_id": p.DepartmentID}).Status
			})
		}
		wg.Wait()
		ok := 0
		for _, s := range statuses {
			require.Contains(t, []int{http.StatusOK, http.StatusConflict}, s)
			if s == http.StatusOK {
				ok++
			}
		}
		require.GreaterOrEqual(t, ok, 1)
		// Every success is one version and one audit event: none overwrote another unseen.
		var got domain.Person
		e.must(http.StatusOK, "GET", "/v1/people/"+p.ID, e.admin, nil).Decode(t, &got)
		require.Equal(t, 1+ok, got.Version)
		var events struct {
			Items []domain.AuditEvent `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/audit-events?entity_type=person&entity_id="+p.ID, e.admin, nil).Decode(t, &events)
		require.Len(t, events.Items, 1+ok)
	})
}

func TestRoleMatrix(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		tokens := map[domain.Role]string{
			domain.RoleAdmin: e.admin, domain.RoleEditor: e.token(domain.RoleEditor),
			domain.RoleViewer: e.token(domain.RoleViewer), domain.RoleAuditor: e.token(domain.RoleAuditor),
		}
		dept := e.departmentID()
		cases := []struct {
			method, path string
			body         func() any
			want         map[domain.Role]int
		}{
			{"GET", "/v1/people", nil, map[domain.Role]int{domain.RoleAdmin: 200, domain.RoleEditor: 200, domain.RoleViewer: 200, domain.RoleAuditor: 200}},
			{"POST", "/v1/people", func() any {
				return map[string]any{"name": "n", "email": "p" + randomSuffix() + "@example.lg.jp", "department_id": dept}
			}, map[domain.Role]int{domain.RoleAdmin: 201, domain.RoleEditor: 201, domain.RoleViewer: 403, domain.RoleAuditor: 403}},
			{"GET", "/v1/tokens", nil, map[domain.Role]int{domain.RoleAdmin: 200, domain.RoleEditor: 403, domain.RoleViewer: 403, domain.RoleAuditor: 403}},
			{"POST", "/v1/tokens", func() any { return map[string]any{"person_id": e.person.ID, "role": "viewer"} },
				map[domain.Role]int{domain.RoleAdmin: 201, domain.RoleEditor: 403, domain.RoleViewer: 403, domain.RoleAuditor: 403}},
			{"GET", "/v1/audit-events", nil, map[domain.Role]int{domain.RoleAdmin: 200, domain.RoleEditor: 403, domain.RoleViewer: 403, domain.RoleAuditor: 200}},
			{"GET", "/v1/audit-events/verify", nil, map[domain.Role]int{domain.RoleAdmin: 200, domain.RoleEditor: 403, domain.RoleViewer: 403, domain.RoleAuditor: 200}},
			{"GET", "/v1/me", nil, map[domain.Role]int{domain.RoleAdmin: 200, domain.RoleEditor: 200, domain.RoleViewer: 200, domain.RoleAuditor: 200}},
		}
		for _, c := range cases {
			for role, want := range c.want {
				var body any
				if c.body != nil {
					body = c.body()
				}
				r := e.do(c.method, c.path, tokens[role], body)
				require.Equal(t, want, r.Status, "%s %s as %s: %s", c.method, c.path, role, r.Body)
			}
		}

		t.Run("me names the role", func(t *testing.T) {
			me := e.must(http.StatusOK, "GET", "/v1/me", tokens[domain.RoleAuditor], nil).JSON(t)
			require.Equal(t, "auditor", me["role"])
		})
		t.Run("a revoked token gets 401", func(t *testing.T) {
			secret := e.token(domain.RoleEditor)
			e.must(http.StatusOK, "GET", "/v1/me", secret, nil)
			var list struct {
				Items []domain.Token `json:"items"`
			}
			e.must(http.StatusOK, "GET", "/v1/tokens?revoked=false&limit=200", e.admin, nil).Decode(t, &list)
			var id string
			for _, tok := range list.Items {
				if tok.Hint == domain.TokenHint(secret) {
					id = tok.ID
				}
			}
			require.NotEmpty(t, id)
			revoked := e.must(http.StatusOK, "DELETE", "/v1/tokens/"+id, e.admin, nil).JSON(t)
			require.NotEmpty(t, revoked["revoked_at"])
			require.NotContains(t, revoked, "secret")
			requireProblem(t, e.do("GET", "/v1/me", secret, nil), http.StatusUnauthorized)
			requireProblem(t, e.do("DELETE", "/v1/tokens/"+id, e.admin, nil), http.StatusConflict)
		})
		t.Run("token lists show no secrets", func(t *testing.T) {
			r := e.must(http.StatusOK, "GET", "/v1/tokens", e.admin, nil)
			require.NotContains(t, string(r.Body), "secret")
			require.NotContains(t, string(r.Body), e.admin)
		})
	})
}

func TestDeletesRefusedWhileReferenced(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		dept := e.departmentID()
		p := requireProblem(t, e.do("DELETE", "/v1/departments/"+dept, e.admin, nil), http.StatusConflict)
		require.Contains(t, p["detail"], "people belong to it")

		boss := e.createPerson("上司", "boss@example.lg.jp", map[string]any{"security_roles": []string{"supervisor"}})
		e.createPerson("部下", "staff@example.lg.jp", map[string]any{"supervisor_id": boss.ID})
		p = requireProblem(t, e.do("DELETE", "/v1/people/"+boss.ID, e.admin, nil), http.StatusConflict)
		require.Contains(t, p["detail"], "supervisor")

		p = requireProblem(t, e.do("DELETE", "/v1/people/"+e.person.ID, e.admin, nil), http.StatusConflict)
		require.Contains(t, p["detail"], "token")

		loner := e.createPerson("一人", "alone@example.lg.jp", nil)
		e.must(http.StatusNoContent, "DELETE", "/v1/people/"+loner.ID, e.admin, nil)
	})
}

func TestSupervisorChainMayNotLoop(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		a := e.createPerson("A", "a@example.lg.jp", nil)
		b := e.createPerson("B", "b@example.lg.jp", map[string]any{"supervisor_id": a.ID})
		p := requireProblem(t, e.do("PUT", "/v1/people/"+a.ID, e.admin, map[string]any{
			"name": "A", "email": a.Email, "department_id": a.DepartmentID, "supervisor_id": b.ID}), http.StatusUnprocessableEntity)
		require.Equal(t, []string{"body.supervisor_id"}, problemLocations(p))
	})
}
