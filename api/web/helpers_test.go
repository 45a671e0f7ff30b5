package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/api"
	"github.com/vendorwatch/vendorwatch/api/web"
	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// testEpoch is the store's "now" when the tests start, as in the API tests:
// 2026-12-01 09:00 JST, moving on in real time.
var testEpoch, processStart = time.Date(2026, time.December, 1, 9, 0, 0, 0, time.FixedZone("JST", 9*3600)), time.Now()

func testNow() time.Time { return testEpoch.Add(time.Since(processStart)) }

// links records the sign-in links the pages send, as the outbox would.
type links struct {
	mu   sync.Mutex
	sent map[string][]string // e-mail → links, oldest first
}

func (l *links) SendSignInLink(_ context.Context, to *domain.Person, link string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sent == nil {
		l.sent = map[string][]string{}
	}
	l.sent[to.Email] = append(l.sent[to.Email], link)
	return nil
}

func (l *links) count(email string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.sent[email])
}

func (l *links) last(email string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.sent[email]
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1]
}

// env is the pages and the API on one real database.
type env struct {
	t     *testing.T
	db    *store.DB
	url   string
	admin *domain.Person
	// adminToken is the first administrator's API token, for setting up
	// data through the API.
	adminToken string
	links      *links
	pages      *web.Handler
	logs       *storetest.LogBuffer
}

// run runs fn against fresh pages on every test database.
func run(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	storetest.Run(t, storetest.Options{Now: testNow}, func(t *testing.T, db *store.DB) {
		first, err := db.SeedIfEmpty(context.Background())
		require.NoError(t, err)
		logs := &storetest.LogBuffer{}
		log := slog.New(slog.NewTextHandler(logs, nil))
		l := &links{}
		svc := api.ServicesOf(db)
		mux := http.NewServeMux()
		ts := httptest.NewServer(mux)
		t.Cleanup(ts.Close)
		pages, err := web.New(web.Config{Services: svc, Logger: log, PublicURL: ts.URL, Mailer: l,
			Today: func() domain.Date { return domain.DateOf(db.Now(), db.Location()) }})
		require.NoError(t, err)
		mux.Handle("/", api.New(api.Config{Services: svc, Logger: log, Pages: pages}))
		fn(t, &env{t: t, db: db, url: ts.URL, admin: first.Person, adminToken: first.Secret, links: l, pages: pages, logs: logs})
	})
}

// browser is one browser: a cookie jar that does not follow redirects, so
// tests see each 303.
type browser struct {
	e      *env
	client *http.Client
}

// page is one answer.
type page struct {
	Status   int
	Header   http.Header
	Body     string
	Location string
}

func (e *env) browser() *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(e.t, err)
	return &browser{e: e, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browser) do(req *http.Request) page {
	b.e.t.Helper()
	req.Header.Set("Accept-Language", "ja")
	res, err := b.client.Do(req)
	require.NoError(b.e.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(b.e.t, err)
	return page{Status: res.StatusCode, Header: res.Header, Body: string(raw), Location: res.Header.Get("Location")}
}

// get opens path.
func (b *browser) get(path string) page {
	b.e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.e.url+path, nil)
	require.NoError(b.e.t, err)
	return b.do(req)
}

// post sends a form as-is (no CSRF token added).
func (b *browser) post(path string, form url.Values) page {
	b.e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.e.url+path, strings.NewReader(form.Encode()))
	require.NoError(b.e.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// submit opens formPage as a person would, takes its CSRF token and posts
// form to action.
func (b *browser) submit(formPage, action string, form url.Values) page {
	b.e.t.Helper()
	p := b.get(formPage)
	m := csrfField.FindStringSubmatch(p.Body)
	require.NotNil(b.e.t, m, "no CSRF token on %s (%d): %s", formPage, p.Status, p.Body)
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", m[1])
	return b.post(action, form)
}

// signIn signs the browser in as the person with this e-mail by the
// e-mailed link.
func (b *browser) signIn(email string) {
	b.e.t.Helper()
	before := b.e.links.count(email)
	p := b.post("/sign-in", url.Values{"email": {email}, "next": {"/"}})
	require.Equal(b.e.t, http.StatusOK, p.Status, p.Body)
	link := b.e.waitLink(email, before)
	u, err := url.Parse(link)
	require.NoError(b.e.t, err)
	confirm := b.get(u.RequestURI())
	require.Equal(b.e.t, http.StatusOK, confirm.Status)
	done := b.post("/sign-in/link", url.Values{"t": {u.Query().Get("t")}, "next": {u.Query().Get("next")}})
	require.Equal(b.e.t, http.StatusSeeOther, done.Status, done.Body)
}

// waitLink waits for the link e-mailed after the before-th one.
func (e *env) waitLink(email string, before int) string {
	e.t.Helper()
	require.Eventually(e.t, func() bool { return e.links.count(email) > before }, 10*time.Second, 10*time.Millisecond, "no sign-in link sent to %s", email)
	return e.links.last(email)
}

// signedIn returns a browser signed in as the first administrator.
func (e *env) signedIn() *browser {
	b := e.browser()
	b.signIn(e.admin.Email)
	return b
}

// asAdmin is a context acting as the first administrator, for setting up
// data through the store's services.
func (e *env) asAdmin() context.Context {
	return domain.WithActor(context.Background(), domain.Actor{PersonID: e.admin.ID, Role: domain.RoleAdmin, Name: e.admin.Name})
}

// person creates an active person with the security roles and, unless
// tokenRole is empty, an API token of that role (which is their role on the
// pages).
func (e *env) person(name, email string, tokenRole domain.Role, roles ...domain.SecurityRole) *domain.Person {
	e.t.Helper()
	ctx := e.asAdmin()
	deps, err := e.db.ListDepartments(ctx, domain.DepartmentFilter{}, domain.PageRequest{Limit: 1})
	require.NoError(e.t, err)
	require.NotEmpty(e.t, deps.Items)
	p, err := e.db.CreatePerson(ctx, domain.PersonInput{Name: name, Email: email, DepartmentID: deps.Items[0].ID, SecurityRoles: roles})
	require.NoError(e.t, err)
	if tokenRole != "" {
		_, _, err := e.db.CreateToken(ctx, domain.TokenInput{PersonID: p.ID, Role: tokenRole})
		require.NoError(e.t, err)
	}
	return p
}
