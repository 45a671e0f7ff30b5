package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// Tests of "input that cannot hurt" (issue 10): normalisation, search that
// ignores width and kana, unsafe text, bounded errors and unknown query
// parameters.

func TestIdentifiersAreNormalisedBeforeValidation(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		var v domain.Vendor
		e.must(http.StatusCreated, "POST", "/v1/vendors", e.admin, map[string]any{
			"name": "株式会社クリーン環境サービス", "corporate_number": "７００００１２０５０００２", "owner_id": e.person.ID,
			"contact": map[string]any{"phone": "０３－１２３４－５６７８", "email": "tanaka@example.co.jp"},
		}).Decode(t, &v)
		require.Equal(t, "7000012050002", v.CorporateNumber, "stored in half-width")
		require.Equal(t, "03-1234-5678", v.Contact.Phone)
		require.Equal(t, "tanaka@example.co.jp", v.Contact.Email)

		// The check digit is verified on the normalised number, and the
		// duplicate check sees the two spellings as one number.
		p := requireProblem(t, e.do("POST", "/v1/vendors", e.admin, map[string]any{
			"name": "別会社", "corporate_number": "８００００１２０５０００２", "owner_id": e.person.ID}), http.StatusUnprocessableEntity)
		require.Equal(t, []string{"body.corporate_number"}, problemLocations(p))
		requireProblem(t, e.do("POST", "/v1/vendors", e.admin, map[string]any{
			"name": "別会社", "corporate_number": "7000012050002", "owner_id": e.person.ID}), http.StatusConflict)

		var a domain.SocialAccount
		e.must(http.StatusCreated, "POST", "/v1/social-accounts", e.admin, map[string]any{
			"platform": "x", "handle": "＠ｃｌｅａｎ＿ｋｕｍｉａｉ", "purpose": "お知らせ",
			"department_id": e.departmentID(), "responsible_person_id": e.person.ID, "operating_procedure": saProcedure,
		}).Decode(t, &a)
		require.Equal(t, "clean_kumiai", a.Handle)
		require.Equal(t, "https://x.com/clean_kumiai", a.ProfileURL)
	})
}

func TestQSearchIgnoresWidthKanaAndCase(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		var v domain.Vendor
		e.must(http.StatusCreated, "POST", "/v1/vendors", e.admin, map[string]any{"name": "株式会社クリーン環境サービス", "owner_id": e.person.ID}).Decode(t, &v)
		e.must(http.StatusCreated, "POST", "/v1/vendors", e.admin, map[string]any{"name": "北部リサイクル株式会社", "owner_id": e.person.ID})
		for _, q := range []string{"くりーん", "ｸﾘｰﾝ", "クリーン"} {
			var page struct {
				Items []domain.Vendor `json:"items"`
			}
			e.must(http.StatusOK, "GET", "/v1/vendors?q="+url.QueryEscape(q), e.admin, nil).Decode(t, &page)
			require.Len(t, page.Items, 1, "q=%s", q)
			require.Equal(t, v.ID, page.Items[0].ID)
		}
	})
}

func TestUnsafeTextIsRefusedNamingTheField(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		vendor := func(extra map[string]any) map[string]any {
			b := map[string]any{"name": "株式会社クリーン環境サービス", "owner_id": e.person.ID}
			for k, v := range extra {
				b[k] = v
			}
			return b
		}
		for _, c := range []struct {
			name  string
			extra map[string]any
			loc   string
		}{
			{"bidi override in the name", map[string]any{"name": "株式会社\u202Eスビーサ"}, "body.name"},
			{"tab in the name", map[string]any{"name": "株式会社\tクリーン"}, "body.name"},
			{"newline in the name", map[string]any{"name": "株式会社\nクリーン"}, "body.name"},
			{"whitespace-only notes", map[string]any{"notes": " \n\t "}, "body.notes"},
			{"escape in the notes", map[string]any{"notes": "色\x1b[31m付き"}, "body.notes"},
			{"zero-width space in the contact name", map[string]any{"contact": map[string]any{"name": "田中\u200B三郎"}}, "body.contact.name"},
			{"isolate in a certification number", map[string]any{"certifications": []map[string]any{{"kind": "iso27001", "number": "IS\u2066 1", "valid_until": "2030-01-01"}}}, "body.certifications[0].number"},
		} {
			t.Run(c.name, func(t *testing.T) {
				p := requireProblem(t, e.do("POST", "/v1/vendors", e.admin, vendor(c.extra)), http.StatusUnprocessableEntity)
				require.Equal(t, []string{c.loc}, problemLocations(p))
			})
		}
		var v domain.Vendor
		e.must(http.StatusCreated, "POST", "/v1/vendors", e.admin, vendor(map[string]any{"notes": "一行目\n\t二行目\r\n三行目"})).Decode(t, &v)
		require.Equal(t, "一行目\n\t二行目\r\n三行目", v.Notes)

		// A zero-width space in a contract title, a subcontractor with an
		// isolate.
		contract := map[string]any{"vendor_id": v.ID, "owner_id": e.person.ID, "title": "運用保守\u200B業務委託", "start_date": "2026-04-01",
			"subcontracting_allowed": true, "subcontractors": []string{"A社", "B社", "C社\u2067"}}
		p := requireProblem(t, e.do("POST", "/v1/contracts", e.admin, contract), http.StatusUnprocessableEntity)
		require.ElementsMatch(t, []string{"body.title", "body.subcontractors[2]"}, problemLocations(p))

		// Bare reasons: whitespace only, or with a bidi override.
		e.must(http.StatusOK, "POST", "/v1/vendors/"+v.ID+"/terminate", e.admin, map[string]any{"reason": "取引終了のため\n（詳細は別紙）"})
		var w domain.Vendor
		e.must(http.StatusCreated, "POST", "/v1/vendors", e.admin, vendor(map[string]any{"name": "別会社"})).Decode(t, &w)
		for _, reason := range []string{"   ", "\u3000", "理由\u202D"} {
			p = requireProblem(t, e.do("POST", "/v1/vendors/"+w.ID+"/terminate", e.admin, map[string]any{"reason": reason}), http.StatusUnprocessableEntity)
			require.Equal(t, []string{"body.reason"}, problemLocations(p), "reason %q", reason)
		}
		p = requireProblem(t, e.do("PUT", "/v1/departments/"+e.departmentID(), e.admin, map[string]any{"name": "管理者事務部局", "name_en": "\uFEFFSecretariat"}), http.StatusUnprocessableEntity)
		require.Equal(t, []string{"body.name_en"}, problemLocations(p))
	})
}

func TestErrorsAreBounded(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		// A 20 KB security_roles array.
		roles := make([]string, 0, 4000)
		for len(strings.Join(roles, `","`)) < 20<<10 {
			roles = append(roles, "ciso", "superuser")
		}
		r := e.do("POST", "/v1/people", e.admin, map[string]any{"name": "山田 太郎", "email": "yamada@example.lg.jp",
			"department_id": e.departmentID(), "security_roles": roles})
		p := requireProblem(t, r, http.StatusUnprocessableEntity)
		require.Less(t, len(r.Body), 20<<10, "the answer is smaller than the request")
		errs := p["errors"].([]any)
		require.LessOrEqual(t, len(errs), 101)
		for _, x := range errs {
			_, isArray := x.(map[string]any)["value"].([]any)
			require.False(t, isArray, "no array is echoed: %v", x)
		}
		require.Contains(t, locationsOf(p), "body.security_roles")
		t.Logf("20 KB security_roles: %d bytes, %d errors", len(r.Body), len(errs))

		// 150 bad fields from huma's schema: 100 entries and one that counts
		// the rest.
		results := make([]map[string]any, 150)
		for i := range results {
			results[i] = map[string]any{"code": "staff_training", "result": "maybe"}
		}
		r = e.do("POST", "/v1/confirmations/"+uuid.Must(uuid.NewV7()).String()+"/complete", e.admin,
			map[string]any{"performed_by": e.person.ID, "performed_on": "2026-11-20", "results": results})
		p = requireProblem(t, r, http.StatusUnprocessableEntity)
		requireHundredAndMore(t, p, 50)

		// 150 bad fields from the domain's rules.
		terms := make([]string, 150)
		for i := range terms {
			terms[i] = fmt.Sprintf("語%d\u200B", i)
		}
		r = e.do("POST", "/v1/social-accounts", e.admin, map[string]any{"platform": "x", "handle": "clean", "purpose": "お知らせ",
			"department_id": e.departmentID(), "responsible_person_id": e.person.ID, "publishing_rules": map[string]any{"prohibited_terms": terms}})
		p = requireProblem(t, r, http.StatusUnprocessableEntity)
		locs := requireHundredAndMore(t, p, 50)
		require.Equal(t, "body.publishing_rules.prohibited_terms[0]", locs[0])

		// A long value is cut.
		r = e.do("GET", "/v1/vendors?owner_id="+strings.Repeat("x", 1000), e.admin, nil)
		p = requireProblem(t, r, http.StatusUnprocessableEntity)
		value := p["errors"].([]any)[0].(map[string]any)["value"].(string)
		require.LessOrEqual(t, len([]rune(value)), 201)
	})
}

// locationsOf returns the locations of a problem's errors, "" for an entry
// without one.
func locationsOf(p map[string]any) []string {
	var out []string
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		loc, _ := e.(map[string]any)["location"].(string)
		out = append(out, loc)
	}
	return out
}

// requireHundredAndMore checks that a problem lists 100 field errors and a
// last entry saying how many more there were, and returns the locations.
func requireHundredAndMore(t *testing.T, p map[string]any, more int) []string {
	t.Helper()
	errs := p["errors"].([]any)
	require.Len(t, errs, 101)
	last := errs[100].(map[string]any)
	require.Contains(t, last["message"], fmt.Sprintf("and %d more", more))
	var locs []string
	for _, x := range errs[:100] {
		locs = append(locs, x.(map[string]any)["location"].(string))
	}
	return locs
}

func TestUnknownQueryParametersAreRefused(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		for _, c := range []struct{ path, loc string }{
			{"/v1/vendors?sort=name", "query.sort"},
			{"/v1/contracts?fiscal_yaer=2026", "query.fiscal_yaer"},
			{"/v1/people?Q=yamada", "query.Q"},
			{"/v1/people/" + e.person.ID + "?expand=all", "query.expand"},
			{"/v1/settings?x=1", "query.x"},
			{"/v1/me?debug", "query.debug"},
		} {
			r := e.do("GET", c.path, e.admin, nil)
			p := requireProblem(t, r, http.StatusBadRequest)
			require.Equal(t, []string{c.loc}, problemLocations(p), c.path)
			require.Contains(t, p["detail"], strings.TrimPrefix(c.loc, "query."))
		}
		p := requireProblem(t, e.do("GET", "/v1/vendors?sort=name&order=desc&status=approved", e.admin, nil), http.StatusBadRequest)
		require.Equal(t, []string{"query.order", "query.sort"}, problemLocations(p))
		require.Contains(t, p["detail"], "status", "the answer names the parameters the operation takes")
		requireProblem(t, e.do("POST", "/v1/vendors?dry_run=true", e.admin, map[string]any{"name": "x", "owner_id": e.person.ID}), http.StatusBadRequest)

		// Declared parameters, page parameters included, pass.
		e.must(http.StatusOK, "GET", "/v1/vendors?status=approved&q=a&limit=10", e.admin, nil)
		e.must(http.StatusOK, "GET", "/v1/contracts?limit=5&owner_id="+e.person.ID, e.admin, nil)
		e.must(http.StatusOK, "GET", "/v1/selection-criteria?include_retired=true", e.admin, nil)
		e.must(http.StatusOK, "GET", "/healthz", "", nil)
		requireProblem(t, e.do("GET", "/healthz?verbose=1", "", nil), http.StatusBadRequest)
	})
}

func TestAHugeUnknownPropertyNameIsNotEchoed(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		name := strings.Repeat("x", 100<<10)
		r := e.do("POST", "/v1/departments", e.admin, `{"name":"環境課","`+name+`":1}`)
		require.GreaterOrEqual(t, r.Status, 400)
		require.Less(t, len(r.Body), 4<<10, "%.300s", r.Body)
	})
}
