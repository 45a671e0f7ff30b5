package e2e_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/vendorwatch/vendorwatch/api"
	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/migrations"
	"github.com/vendorwatch/vendorwatch/openapi/sdk"
)

// A tool that lists the contracts whose security confirmation is due this
// month, as an internal tool would run it against vendorwatch.
func Example_confirmationsDueThisMonth() {
	baseURL, token, stop := demoServer() // a vendorwatch with one contract due this month
	defer stop()

	client, err := sdk.NewClientWithResponses(baseURL, sdk.WithRequestEditorFn(
		func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
	if err != nil {
		log.Fatal(err)
	}

	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	now := time.Now().In(tokyo)
	firstOfMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, tokyo)
	status := sdk.ContractStatusActive
	params := &sdk.ListContractsParams{
		Status:                &status,
		ConfirmationDueBefore: &openapi_types.Date{Time: firstOfMonth.AddDate(0, 1, 0)},
	}
	for {
		res, err := client.ListContractsWithResponse(context.Background(), params)
		if err != nil {
			log.Fatal(err)
		}
		if res.JSON200 == nil {
			log.Fatalf("list-contracts answered %s", res.Status())
		}
		for _, c := range *res.JSON200.Items {
			if c.NextConfirmationDue != nil && !c.NextConfirmationDue.Before(firstOfMonth) {
				fmt.Printf("%s: confirmation due this month\n", c.Title)
			}
		}
		if res.JSON200.NextCursor == nil {
			break
		}
		params.Cursor = res.JSON200.NextCursor
	}
	// Output:
	// 収集運搬システム保守業務委託: confirmation due this month
}

// demoServer runs vendorwatch in-process on a temporary SQLite database
// with one active contract whose confirmation falls due this month, and
// returns its URL, an admin token and a function that stops it.
func demoServer() (string, string, func()) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "vendorwatch-example")
	if err != nil {
		log.Fatal(err)
	}
	db, err := store.Open(ctx, filepath.Join(dir, "v.db"), store.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := migrations.Apply(ctx, db.MigrationTarget()); err != nil {
		log.Fatal(err)
	}
	first, err := db.SeedIfEmpty(ctx)
	if err != nil {
		log.Fatal(err)
	}
	as := domain.WithActor(ctx, domain.Actor{PersonID: first.Person.ID, Role: domain.RoleAdmin, Name: "example"})
	must := func(err error) {
		if err != nil {
			log.Fatal(err)
		}
	}
	v, err := db.CreateVendor(as, domain.VendorInput{Name: "株式会社クリーン環境サービス", OwnerID: first.Person.ID})
	must(err)
	criteria, err := db.ListCatalogueItems(as, domain.CatalogueSelectionCriteria, false)
	must(err)
	today := domain.DateOf(time.Now(), db.Location())
	rec := domain.SelectionRecord{SelectedBy: first.Person.ID, SelectedOn: today}
	for _, c := range criteria {
		rec.Results = append(rec.Results, domain.SelectionResult{Criterion: c.Code, Result: domain.SelectionMet})
	}
	_, err = db.RecordSelection(as, v.ID, nil, rec)
	must(err)
	// A second person with a security role approves (separation of duties).
	mgr, err := db.CreatePerson(as, domain.PersonInput{Name: "承認 課長", Email: "manager@example.lg.jp", DepartmentID: first.Person.DepartmentID,
		SecurityRoles: []domain.SecurityRole{domain.SecurityRoleManager}})
	must(err)
	_, err = db.ChangeVendorStatus(domain.WithActor(ctx, domain.Actor{PersonID: mgr.ID, Role: domain.RoleEditor, Name: mgr.Name}), v.ID, nil, domain.VendorApproved, "")
	must(err)
	// Low risk: 24 months between confirmations, so a start two years ago
	// puts the next one this month.
	c, err := db.CreateContract(as, domain.ContractInput{VendorID: v.ID, Title: "収集運搬システム保守業務委託",
		StartDate: today.AddMonths(-24), OwnerID: first.Person.ID})
	must(err)
	clauses, err := db.ListCatalogueItems(as, domain.CatalogueClauses, false)
	must(err)
	for _, cl := range clauses {
		_, err = db.SetContractClause(as, c.ID, cl.Code, domain.ClauseCoverageInput{Status: domain.ClauseIncluded, ArticleRef: "第8条"})
		must(err)
	}
	_, err = db.ActivateContract(as, c.ID, nil)
	must(err)

	srv := httptest.NewServer(api.New(api.Config{Services: api.ServicesOf(db)}))
	return srv.URL, first.Secret, func() {
		srv.Close()
		_ = db.Close()
		_ = os.RemoveAll(dir)
	}
}
