package api_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// departmentCount counts the departments.
func (e *env) departmentCount() int {
	e.t.Helper()
	var page struct {
		Items []domain.Department `json:"items"`
	}
	e.must(http.StatusOK, "GET", "/v1/departments?limit=200", e.admin, nil).Decode(e.t, &page)
	return len(page.Items)
}

func TestIdempotencyKey(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		editor := e.token(domain.RoleEditor)
		before := e.departmentCount()
		body := map[string]any{"name": "冪等 課"}
		first := e.must(http.StatusCreated, "POST", "/v1/departments", editor, body, "Idempotency-Key", "key-1")
		require.Empty(t, first.Header.Get("Idempotent-Replayed"))
		require.NotEmpty(t, first.Header.Get("Location"))

		t.Run("a retry gets the first answer", func(t *testing.T) {
			again := e.must(http.StatusCreated, "POST", "/v1/departments", editor, body, "Idempotency-Key", "key-1")
			require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
			require.JSONEq(t, string(first.Body), string(again.Body))
			for _, h := range []string{"Location", "ETag", "Content-Type"} {
				require.Equal(t, first.Header.Get(h), again.Header.Get(h), h)
			}
			require.Equal(t, before+1, e.departmentCount(), "created once")
		})
		t.Run("another body or path is a 422 naming the header", func(t *testing.T) {
			p := requireProblem(t, e.do("POST", "/v1/departments", editor, map[string]any{"name": "別の 課"}, "Idempotency-Key", "key-1"), http.StatusUnprocessableEntity)
			require.Equal(t, []string{"header.Idempotency-Key"}, problemLocations(p))
			p = requireProblem(t, e.do("POST", "/v1/people", editor, body, "Idempotency-Key", "key-1"), http.StatusUnprocessableEntity)
			require.Equal(t, []string{"header.Idempotency-Key"}, problemLocations(p))
			require.Equal(t, before+1, e.departmentCount())
		})
		t.Run("keys are per token", func(t *testing.T) {
			other := e.must(http.StatusCreated, "POST", "/v1/departments", e.admin, map[string]any{"name": "冪等 二課"}, "Idempotency-Key", "key-1")
			require.Empty(t, other.Header.Get("Idempotent-Replayed"))
			require.NotEqual(t, first.Header.Get("Location"), other.Header.Get("Location"))
		})
		t.Run("a 4xx is kept, so its retry gets it again", func(t *testing.T) {
			bad := map[string]any{"name": "冪等 課"} // a duplicate name: 409
			r := e.do("POST", "/v1/departments", editor, bad, "Idempotency-Key", "key-dup")
			require.Equal(t, http.StatusConflict, r.Status, "%s", r.Body)
			again := e.do("POST", "/v1/departments", editor, bad, "Idempotency-Key", "key-dup")
			require.Equal(t, http.StatusConflict, again.Status)
			require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
			require.Equal(t, "application/problem+json", again.Header.Get("Content-Type"))
		})
		t.Run("a malformed key is a 400", func(t *testing.T) {
			for _, key := range []string{strings.Repeat("k", 256), "with space", "キー"} {
				p := requireProblem(t, e.do("POST", "/v1/departments", editor, map[string]any{"name": "x"}, "Idempotency-Key", key), http.StatusBadRequest)
				require.Equal(t, []string{"header.Idempotency-Key"}, problemLocations(p))
			}
		})
		t.Run("multipart uploads refuse the key", func(t *testing.T) {
			p := requireProblem(t, e.do("POST", "/v1/evidence-files", editor, "--x--\r\n", "Content-Type", "multipart/form-data; boundary=x", "Idempotency-Key", "up-1"), http.StatusBadRequest)
			require.Equal(t, []string{"header.Idempotency-Key"}, problemLocations(p))
		})
		t.Run("POST without a body", func(t *testing.T) {
			v := e.vendorID()
			r1 := e.do("POST", "/v1/vendors/"+v+"/approve", e.approver(), nil, "Idempotency-Key", "approve-1")
			r2 := e.do("POST", "/v1/vendors/"+v+"/approve", e.approver(), nil, "Idempotency-Key", "approve-1")
			require.Equal(t, r1.Status, r2.Status)
			require.Equal(t, string(r1.Body), string(r2.Body))
			require.Equal(t, "true", r2.Header.Get("Idempotent-Replayed"))
		})
	})
}

// N identical requests with one key at once: exactly one department is
// created, and every answer is that first answer or a 409 (still in
// flight).
func TestIdempotencyKeyConcurrentRetries(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		editor := e.token(domain.RoleEditor)
		before := e.departmentCount()
		const n = 8
		var wg sync.WaitGroup
		answers := make([]response, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, err := http.NewRequest("POST", e.url+"/v1/departments", bytes.NewBufferString(`{"name":"同時 課"}`))
				if err != nil {
					errs[i] = err
					return
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+editor)
				req.Header.Set("Idempotency-Key", "concurrent-1")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					errs[i] = err
					return
				}
				defer res.Body.Close()
				raw, err := io.ReadAll(res.Body)
				answers[i], errs[i] = response{Status: res.StatusCode, Header: res.Header, Body: raw}, err
			}()
		}
		wg.Wait()
		var created []response
		for i, r := range answers {
			require.NoError(t, errs[i])
			switch r.Status {
			case http.StatusCreated:
				created = append(created, r)
			case http.StatusConflict:
				p := requireProblem(t, r, http.StatusConflict)
				require.Equal(t, []string{"header.Idempotency-Key"}, problemLocations(p))
			default:
				t.Fatalf("answer %d: %d %s", i, r.Status, r.Body)
			}
		}
		require.NotEmpty(t, created)
		t.Logf("%d created or replayed, %d in flight", len(created), n-len(created))
		for _, r := range created[1:] {
			require.JSONEq(t, string(created[0].Body), string(r.Body))
		}
		require.Equal(t, before+1, e.departmentCount(), "exactly one created")
		// Once done, every retry is the first answer.
		again := e.must(http.StatusCreated, "POST", "/v1/departments", editor, map[string]any{"name": "同時 課"}, "Idempotency-Key", "concurrent-1")
		require.JSONEq(t, string(created[0].Body), string(again.Body))
	})
}

// Every create answers 201 with the Location of what it created, which a
// GET then reads.
func TestCreatedHasLocation(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		p := e.createPerson("場所 太郎", "location-"+randomSuffix()+"@example.lg.jp", nil)
		v := e.vendorID()
		inc := e.must(http.StatusCreated, "POST", "/v1/incidents", e.admin, incBody(e, v, nil))
		var incID struct {
			ID string `json:"id"`
		}
		inc.Decode(t, &incID)
		for _, tc := range []struct {
			path   string
			body   map[string]any
			prefix string
		}{
			{"/v1/departments", map[string]any{"name": "場所 課"}, "/v1/departments/"},
			{"/v1/people", map[string]any{"name": "場所 花子", "email": "hanako-" + randomSuffix() + "@example.lg.jp", "department_id": e.departmentID()}, "/v1/people/"},
			{"/v1/tokens", map[string]any{"person_id": p.ID, "role": "viewer"}, "/v1/tokens/"},
			{"/v1/vendors", map[string]any{"name": "場所株式会社", "owner_id": e.person.ID}, "/v1/vendors/"},
			{"/v1/clauses", map[string]any{"code": "location_clause", "title_ja": "場所", "title_en": "Location", "mandatory": false}, "/v1/clauses/location_clause"},
			{"/v1/incidents/" + incID.ID + "/corrective-actions", map[string]any{"description": "場所の措置", "severity": "low", "due_date": "2027-01-29"}, "/v1/corrective-actions/"},
		} {
			r := e.do("POST", tc.path, e.admin, tc.body)
			require.Equal(t, http.StatusCreated, r.Status, "%s: %s", tc.path, r.Body)
			loc := r.Header.Get("Location")
			require.True(t, strings.HasPrefix(loc, tc.prefix), "%s: Location %q", tc.path, loc)
			e.must(http.StatusOK, "GET", loc, e.admin, nil)
		}
		require.True(t, strings.HasPrefix(inc.Header.Get("Location"), "/v1/incidents/"))
	})
}

func TestConditionalGetHeadAndAllow(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		var d domain.Department
		r := e.must(http.StatusCreated, "POST", "/v1/departments", e.admin, map[string]any{"name": "条件 課"})
		r.Decode(t, &d)
		path := "/v1/departments/" + d.ID
		tag := e.must(http.StatusOK, "GET", path, e.admin, nil).Header.Get("ETag")
		require.Equal(t, `"1"`, tag)

		t.Run("If-None-Match", func(t *testing.T) {
			for _, inm := range []string{tag, `W/"1"`, `"9", "1"`, `*`} {
				r := e.do("GET", path, e.admin, nil, "If-None-Match", inm)
				require.Equal(t, http.StatusNotModified, r.Status, inm)
				require.Empty(t, r.Body, inm)
				require.Equal(t, tag, r.Header.Get("ETag"), inm)
			}
			for _, inm := range []string{`"2"`, `"1,2"`} {
				r := e.must(http.StatusOK, "GET", path, e.admin, nil, "If-None-Match", inm)
				require.NotEmpty(t, r.Body, inm)
			}
		})
		t.Run("HEAD wherever GET", func(t *testing.T) {
			for _, p := range []string{path, "/v1/departments", "/healthz", "/v1/me", "/openapi.json"} {
				get := e.must(http.StatusOK, "GET", p, e.admin, nil)
				head := e.must(http.StatusOK, "HEAD", p, e.admin, nil)
				require.Empty(t, head.Body, p)
				require.Equal(t, get.Header.Get("Content-Type"), head.Header.Get("Content-Type"), p)
				require.Equal(t, get.Header.Get("ETag"), head.Header.Get("ETag"), p)
			}
			requireStatus := e.do("HEAD", path, "", nil)
			require.Equal(t, http.StatusUnauthorized, requireStatus.Status)
		})
		t.Run("405 carries Allow", func(t *testing.T) {
			requireProblem(t, e.do("PATCH", path, e.admin, map[string]any{}), http.StatusMethodNotAllowed)
			res := e.do("PATCH", path, e.admin, map[string]any{})
			require.Equal(t, "GET, HEAD, PUT, DELETE", res.Header.Get("Allow"))
			res = e.do("DELETE", "/v1/audit-events", e.admin, nil)
			require.Equal(t, http.StatusMethodNotAllowed, res.Status)
			require.Equal(t, "GET, HEAD", res.Header.Get("Allow"))
		})
		t.Run("an If-Match tag with a comma is one tag", func(t *testing.T) {
			body := map[string]any{"name": "条件 課"}
			requireProblem(t, e.do("PUT", path, e.admin, body, "If-Match", `"1,2"`), http.StatusPreconditionFailed)
			requireProblem(t, e.do("PUT", path, e.admin, body, "If-Match", `W/"1"`), http.StatusPreconditionFailed)
			p := requireProblem(t, e.do("PUT", path, e.admin, body, "If-Match", `"1", "2"`), http.StatusBadRequest)
			require.Equal(t, []string{"header.If-Match"}, problemLocations(p))
			e.must(http.StatusOK, "PUT", path, e.admin, body, "If-Match", `W/"0", "1"`)
		})
	})
}

func TestRequestBodyMediaType(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "application/xml", ""} {
			r := e.do("POST", "/v1/departments", e.admin, `{"name":"型 課"}`, "Content-Type", ct)
			p := requireProblem(t, r, http.StatusUnsupportedMediaType)
			require.Equal(t, []string{"header.Content-Type"}, problemLocations(p), ct)
		}
		e.must(http.StatusCreated, "POST", "/v1/departments", e.admin, `{"name":"型 課"}`, "Content-Type", "application/json; charset=utf-8")
		t.Run("a body to an operation that takes none", func(t *testing.T) {
			for _, m := range []string{"GET", "DELETE"} {
				p := requireProblem(t, e.do(m, "/v1/departments/"+e.departmentID(), e.admin, map[string]any{"x": 1}), http.StatusUnsupportedMediaType)
				require.Equal(t, []string{"body"}, problemLocations(p), m)
			}
			v := e.vendorID()
			requireProblem(t, e.do("POST", "/v1/vendors/"+v+"/approve", e.approver(), map[string]any{}), http.StatusUnsupportedMediaType)
		})
	})
}
