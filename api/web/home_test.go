package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/api"
	"github.com/vendorwatch/vendorwatch/api/web"
	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// homeDate parses YYYY-MM-DD.
func homeDate(tb testing.TB, s string) domain.Date {
	tb.Helper()
	d, err := domain.ParseDate(s)
	require.NoError(tb, err)
	return d
}

// homeApprover is a context acting as a new manager: the second person a
// vendor approval needs.
func homeApprover(tb testing.TB, ctx context.Context, db *store.DB, dept string) context.Context {
	tb.Helper()
	p, err := db.CreatePerson(ctx, domain.PersonInput{Name: "承認 課長", Email: fmt.Sprintf("approver-%d@example.lg.jp", time.Now().UnixNano()),
		DepartmentID: dept, SecurityRoles: []domain.SecurityRole{domain.SecurityRoleManager}})
	require.NoError(tb, err)
	return domain.WithActor(context.Background(), domain.Actor{PersonID: p.ID, Role: domain.RoleEditor, Name: p.Name})
}

// homeVendor registers a vendor owned by owner with the certifications,
// records a complete selection and has approve (a second person) approve it.
func homeVendor(tb testing.TB, ctx, approve context.Context, db *store.DB, owner *domain.Person, name string, certs ...domain.Certification) *domain.Vendor {
	tb.Helper()
	v, err := db.CreateVendor(ctx, domain.VendorInput{Name: name, OwnerID: owner.ID, Certifications: certs})
	require.NoError(tb, err)
	criteria, err := db.ListCatalogueItems(ctx, domain.CatalogueSelectionCriteria, false)
	require.NoError(tb, err)
	rec := domain.SelectionRecord{SelectedBy: owner.ID, SelectedOn: homeDate(tb, "2026-04-15")}
	for _, c := range criteria {
		rec.Results = append(rec.Results, domain.SelectionResult{Criterion: c.Code, Result: domain.SelectionMet, Note: "確認済み"})
	}
	_, err = db.RecordSelection(ctx, v.ID, nil, rec)
	require.NoError(tb, err)
	v, err = db.ChangeVendorStatus(approve, v.ID, nil, domain.VendorApproved, "")
	require.NoError(tb, err)
	return v
}

// homeContract registers an active contract with the vendor, ending on
// end, every mandatory clause included.
func homeContract(tb testing.TB, ctx context.Context, db *store.DB, v *domain.Vendor, owner *domain.Person, title, end string) *domain.Contract {
	tb.Helper()
	c, err := db.CreateContract(ctx, domain.ContractInput{VendorID: v.ID, OwnerID: owner.ID, Title: title,
		StartDate: homeDate(tb, "2026-04-01"), EndDate: homeDate(tb, end)})
	require.NoError(tb, err)
	clauses, err := db.ListCatalogueItems(ctx, domain.CatalogueClauses, false)
	require.NoError(tb, err)
	for i, cl := range clauses {
		if cl.Mandatory {
			_, err := db.SetContractClause(ctx, c.ID, cl.Code, domain.ClauseCoverageInput{Status: domain.ClauseIncluded, ArticleRef: fmt.Sprintf("第%d条", 10+i)})
			require.NoError(tb, err)
		}
	}
	c, err = db.ActivateContract(ctx, c.ID, nil)
	require.NoError(tb, err)
	return c
}

func homeCert(tb testing.TB, kind domain.CertificationKind, number, until string) domain.Certification {
	return domain.Certification{Kind: kind, Number: number, ValidUntil: homeDate(tb, until)}
}

func TestHomeShowsMyWorkOverdueFirst(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		ctx := e.asAdmin()
		approve := homeApprover(t, ctx, e.db, e.admin.DepartmentID)
		// Today is 2026-12-01 in the tests.
		v := homeVendor(t, ctx, approve, e.db, e.admin, "クリーン環境サービス",
			homeCert(t, domain.CertISMAP, "C 3", "2026-12-20"),
			homeCert(t, domain.CertPrivacyMark, "PM 1", "2026-11-01"),
			homeCert(t, domain.CertSOC2, "S 4", "2027-06-30"))
		staff := e.person("部下 一郎", "staff@example.lg.jp", domain.RoleEditor)
		_, err := e.db.ReplacePerson(ctx, staff.ID, nil, domain.PersonInput{Name: staff.Name, Email: staff.Email, DepartmentID: staff.DepartmentID, SupervisorID: &e.admin.ID})
		require.NoError(t, err)
		sv := homeVendor(t, ctx, approve, e.db, staff, "部下の委託先", homeCert(t, domain.CertISO27001, "IS 7", "2026-10-01"))

		p := e.signedIn().get("/")
		require.Equal(t, http.StatusOK, p.Status)
		require.Contains(t, p.Body, "<h1>私の対応事項</h1>")
		require.Contains(t, p.Body, "期限超過 2件・30日以内 1件・承認待ち 0件")
		require.Contains(t, p.Body, `class="table-wrap"`)
		require.Contains(t, p.Body, `<a href="/vendors/`+v.ID+`">クリーン環境サービス プライバシーマーク PM 1</a>`)
		require.Contains(t, p.Body, `<a href="/vendors/`+sv.ID+`">部下の委託先 ISO/IEC 27001 IS 7</a>`)
		require.Contains(t, p.Body, "部下の案件")
		require.Contains(t, p.Body, "担当：部下 一郎")
		require.Contains(t, p.Body, "2026年11月1日（日）")
		require.Contains(t, p.Body, `<td class="days--overdue">期限を30日超過</td>`)
		require.Contains(t, p.Body, "あと19日")
		require.NotContains(t, p.Body, "S 4", "beyond the horizon")
		staffAt, overdueAt, dueAt := strings.Index(p.Body, "IS 7"), strings.Index(p.Body, "PM 1"), strings.Index(p.Body, "C 3")
		require.True(t, staffAt < overdueAt && overdueAt < dueAt, "overdue first, oldest first, then coming due")
		require.Equal(t, 2, strings.Count(p.Body, `<span class="badge badge--overdue">期限超過</span>`), "overdue says so in words")

		// The staff member sees their own item, not the supervisor's.
		b := e.browser()
		b.signIn(staff.Email)
		mine := b.get("/")
		require.Contains(t, mine.Body, "期限超過 1件・30日以内 0件・承認待ち 0件")
		require.NotContains(t, mine.Body, "PM 1")
		require.NotContains(t, mine.Body, "部下の案件")
	})
}

func TestHomeShowsApprovalsAndAnEmptyState(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		ctx := e.asAdmin()
		viewer := e.person("閲覧 花子", "viewer@example.lg.jp", domain.RoleViewer)
		b := e.browser()
		b.signIn(viewer.Email)
		empty := b.get("/")
		require.Equal(t, http.StatusOK, empty.Status)
		require.Contains(t, empty.Body, "現在、対応が必要な事項はありません。")
		require.NotContains(t, empty.Body, "<table")

		manager := e.person("課長 次郎", "manager@example.lg.jp", domain.RoleEditor, domain.SecurityRoleManager)
		cand, err := e.db.CreateVendor(ctx, domain.VendorInput{Name: "候補株式会社", OwnerID: e.admin.ID})
		require.NoError(t, err)
		_, err = e.db.RecordSelection(ctx, cand.ID, nil, domain.SelectionRecord{SelectedBy: e.admin.ID, SelectedOn: homeDate(t, "2026-11-20")})
		require.NoError(t, err)
		mb := e.browser()
		mb.signIn(manager.Email)
		p := mb.get("/")
		require.Contains(t, p.Body, "期限超過 0件・30日以内 0件・承認待ち 1件")
		require.Contains(t, p.Body, `<a href="/vendors/`+cand.ID+`">候補株式会社</a>`)
		require.Contains(t, p.Body, "委託事業者の承認")
		require.Contains(t, p.Body, `<span class="badge badge--pending">承認待ち</span>`)
	})
}

// BenchmarkHomePage renders the home page of a person with 100 items due
// (90 certifications, 10 contract renewal reviews) on SQLite, through the
// session middleware, and reports the page's size.
func BenchmarkHomePage(b *testing.B) {
	// A fresh database for every run of a sub-benchmark: b.Run calls it
	// more than once, and each run seeds its own.
	for i, tg := range storetest.Targets(b) {
		b.Run(tg.Name, func(b *testing.B) { benchmarkHomePage(b, storetest.Targets(b)[i]) })
	}
}

// benchmarkHomePage measures the whole handler (session, MyWork, template)
// for a person with 100 items due, on one database.
func benchmarkHomePage(b *testing.B, tg storetest.Target) {
	db := storetest.Open(b, tg, storetest.Options{Now: testNow})
	first, err := db.SeedIfEmpty(context.Background())
	require.NoError(b, err)
	me := first.Person
	ctx := domain.WithActor(context.Background(), domain.Actor{PersonID: me.ID, Role: domain.RoleAdmin, Name: me.Name})
	approve := homeApprover(b, ctx, db, me.DepartmentID)
	kinds := []domain.CertificationKind{domain.CertISO27001, domain.CertISMAP, domain.CertPrivacyMark, domain.CertSOC2}
	today := domain.DateOf(db.Now(), db.Location())
	for i := range 10 {
		var certs []domain.Certification
		for j := range 9 {
			n := i*9 + j
			certs = append(certs, domain.Certification{Kind: kinds[n%len(kinds)], Number: fmt.Sprintf("No. %03d", n), ValidUntil: today.AddDays(n%45 - 15)})
		}
		v := homeVendor(b, ctx, approve, db, me, fmt.Sprintf("委託先 %02d 株式会社", i), certs...)
		homeContract(b, ctx, db, v, me, fmt.Sprintf("庁内システム運用保守業務委託 %02d", i), "2027-02-15")
	}
	l := &links{}
	svc := api.ServicesOf(db)
	pages, err := web.New(web.Config{Services: svc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), PublicURL: "http://vw.test", Mailer: l,
		Today: func() domain.Date { return domain.DateOf(db.Now(), db.Location()) }})
	require.NoError(b, err)
	cookie := benchSignIn(b, pages, l, me.Email)
	w, err := db.MyWork(ctx, today)
	require.NoError(b, err)
	require.Len(b, w.Items, 100)

	size := 0
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		pages.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("home page: %d %s", rec.Code, rec.Body.String())
		}
		size = rec.Body.Len()
	}
	b.ReportMetric(float64(size), "page-bytes")
}

// benchSignIn signs in by the e-mailed link, straight through the handler,
// and returns the session cookie.
func benchSignIn(b *testing.B, pages http.Handler, l *links, email string) *http.Cookie {
	b.Helper()
	req := httptest.NewRequest(http.MethodPost, "/sign-in", strings.NewReader(url.Values{"email": {email}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	pages.ServeHTTP(httptest.NewRecorder(), req)
	require.Eventually(b, func() bool { return l.count(email) > 0 }, 10*time.Second, 10*time.Millisecond)
	u, err := url.Parse(l.last(email))
	require.NoError(b, err)
	req = httptest.NewRequest(http.MethodPost, "/sign-in/link", strings.NewReader(url.Values{"t": {u.Query().Get("t")}, "next": {"/"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	pages.ServeHTTP(rec, req)
	require.Equal(b, http.StatusSeeOther, rec.Code, rec.Body.String())
	for _, c := range rec.Result().Cookies() {
		if c.Name == "vw_session" {
			return c
		}
	}
	b.Fatal("no session cookie")
	return nil
}
