package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/api"
	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// env is one running API on one real database.
type env struct {
	t      *testing.T
	db     *store.DB
	url    string
	admin  string // admin token secret
	logs   *bytes.Buffer
	person *domain.Person // the first administrator
	// approverToken is a manager's editor token, made by approver.
	approverToken string
}

// testEpoch is the store's "now" when the tests start: a fixed day, so that
// the fixed dates of the tests (contracts from 2026-04-01 to 2027-03-31)
// keep their meaning whenever the tests run. The clock moves on in real
// time from there.
var testEpoch, processStart = time.Date(2026, time.December, 1, 9, 0, 0, 0, time.FixedZone("JST", 9*3600)), time.Now()

// testNow is the clock of the store under test.
func testNow() time.Time { return testEpoch.Add(time.Since(processStart)) }

// run runs fn against a fresh API on every test database.
func run(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	storetest.Run(t, storetest.Options{Now: testNow}, func(t *testing.T, db *store.DB) {
		first, err := db.SeedIfEmpty(context.Background())
		require.NoError(t, err)
		logs := &bytes.Buffer{}
		srv := api.New(api.Config{
			Services: api.ServicesOf(db),
			Logger:   slog.New(slog.NewTextHandler(logs, nil)),
			// The deadline is tested on its own (outage_test.go); here it
			// only must not cut a large request short on a loaded machine,
			// where every package's tests run at once.
			RequestTimeout: time.Minute,
		})
		ts := httptest.NewServer(srv)
		t.Cleanup(ts.Close)
		fn(t, &env{t: t, db: db, url: ts.URL, admin: first.Secret, logs: logs, person: first.Person})
	})
}

// approver returns the token of a second person holding the manager
// security role, made on first use: who approves vendors and waivers that
// the administrator selected or asked for.
func (e *env) approver() string {
	e.t.Helper()
	if e.approverToken == "" {
		p := e.createPerson("承認 課長", "approver-"+randomSuffix()+"@example.lg.jp", map[string]any{"security_roles": []string{"manager"}})
		var tok struct {
			Secret string `json:"secret"`
		}
		e.must(http.StatusCreated, "POST", "/v1/tokens", e.admin, map[string]any{"person_id": p.ID, "role": domain.RoleEditor}).Decode(e.t, &tok)
		e.approverToken = tok.Secret
	}
	return e.approverToken
}

// response is a decoded answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a map.
func (r response) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &m), "body: %s", r.Body)
	return m
}

// Decode decodes the body into v.
func (r response) Decode(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, v), "body: %s", r.Body)
}

// do sends a request with an optional token, JSON body and extra headers.
func (e *env) do(method, path, token string, body any, headers ...string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	require.NoError(e.t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(e.t, err)
	return response{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// must sends a request and requires the status.
func (e *env) must(status int, method, path, token string, body any, headers ...string) response {
	e.t.Helper()
	r := e.do(method, path, token, body, headers...)
	require.Equal(e.t, status, r.Status, "%s %s: %s", method, path, r.Body)
	return r
}

// departmentID returns the id of the first seeded department.
func (e *env) departmentID() string {
	e.t.Helper()
	var page struct {
		Items []domain.Department `json:"items"`
	}
	e.must(http.StatusOK, "GET", "/v1/departments", e.admin, nil).Decode(e.t, &page)
	require.NotEmpty(e.t, page.Items)
	return page.Items[0].ID
}

// createPerson creates a person and returns it.
func (e *env) createPerson(name, email string, extra map[string]any) domain.Person {
	e.t.Helper()
	body := map[string]any{"name": name, "email": email, "department_id": e.departmentID()}
	for k, v := range extra {
		body[k] = v
	}
	var p domain.Person
	e.must(http.StatusCreated, "POST", "/v1/people", e.admin, body).Decode(e.t, &p)
	return p
}

// token creates a token with a role for a new person and returns its secret.
func (e *env) token(role domain.Role) string {
	e.t.Helper()
	p := e.createPerson(string(role)+" user", string(role)+"-"+randomSuffix()+"@example.lg.jp", nil)
	var tok struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	e.must(http.StatusCreated, "POST", "/v1/tokens", e.admin, map[string]any{"person_id": p.ID, "role": role}).Decode(e.t, &tok)
	require.NotEmpty(e.t, tok.Secret)
	return tok.Secret
}

var suffix int

func randomSuffix() string {
	suffix++
	return string(rune('a'+suffix%26)) + string(rune('a'+(suffix/26)%26))
}
