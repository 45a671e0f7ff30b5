package store_test

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// The missing_clause filter reads contract_missing_clauses, which the store
// keeps in step with every write that can change it. After each step of a
// sequence of such writes (contracts created, clauses included, waived,
// approved and set back to missing, a clause added to the catalogue, one
// retired, a contract imported, one deleted), the table holds exactly the
// pairs that the filter's definition gives (no clause row of the code in a
// status domain.ClauseStatus.Addressed accepts), and the list under every
// clause code returns those contracts, page after page; a code outside
// the catalogue lists every contract. A rebuild leaves the table as it is.
func TestMissingClausesFollowEveryWrite(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		ctx, admin := outSeed(t, db)
		vendor := outApprovedVendor(t, ctx, db, admin, "株式会社 条項テスト", nil)
		in := domain.ContractInput{VendorID: vendor.ID, Title: "条項の委託", StartDate: outDate(t, "2026-04-01"),
			EndDate: outDate(t, "2027-03-31"), OwnerID: admin.ID, InformationAssets: outAssets(domain.Confidentiality2)}
		agree := func(step string) {
			t.Helper()
			requireMissingClausesAgree(t, ctx, db, step)
		}
		agree("seeded, no contract")

		var ids []string
		for i := range 4 {
			c, err := db.CreateContract(ctx, in)
			require.NoError(t, err, i)
			ids = append(ids, c.ID)
		}
		agree("four drafts")

		set := func(id, code string, st domain.ClauseStatus) {
			t.Helper()
			cv := domain.ClauseCoverageInput{Status: st}
			switch st {
			case domain.ClauseIncluded:
				cv.ArticleRef = "第12条"
			case domain.ClauseWaived:
				cv.WaiverReason = "業務上扱う情報がないため"
			}
			_, err := db.SetContractClause(ctx, id, code, cv)
			require.NoError(t, err)
		}
		set(ids[0], "confidentiality", domain.ClauseIncluded)
		set(ids[1], "confidentiality", domain.ClauseWaived) // a request, waiting for approval
		set(ids[2], "confidentiality", domain.ClauseMissing)
		set(ids[3], "staff_training", domain.ClauseIncluded)
		agree("included, waived, missing")

		_, err := db.ApproveClauseWaiver(outApprover(t, ctx, db), ids[1], "confidentiality")
		require.NoError(t, err)
		set(ids[0], "confidentiality", domain.ClauseMissing)
		set(ids[2], "confidentiality", domain.ClauseIncluded)
		agree("approved, and set back to missing")

		// A contract with every mandatory clause, activated.
		active := outActiveContract(t, ctx, db, in)
		ids = append(ids, active.ID)
		agree("activated")

		// A clause added to the catalogue: every contract misses it.
		_, err = db.CreateCatalogueItem(ctx, domain.CatalogueClauses, domain.CatalogueItemInput{Code: "ai_usage",
			TitleJa: "生成AIの利用に関する事項", TitleEn: "Use of generative AI", Mandatory: false})
		require.NoError(t, err)
		agree("new clause")
		set(ids[0], "ai_usage", domain.ClauseIncluded)
		set(ids[3], "ai_usage", domain.ClauseWaived) // not mandatory: in force at once
		agree("new clause set")

		// Retiring a clause changes nothing for the filter.
		_, err = db.RetireCatalogueItem(ctx, domain.CatalogueClauses, "ai_usage", nil)
		require.NoError(t, err)
		agree("retired")

		// A contract imported with some of its clauses.
		csv := "vendor,title,start_date,end_date,owner_email,clause.confidentiality,clause.staff_training\n" +
			vendor.Name + ",取込みの委託,2026-04-01,2027-03-31," + admin.Email + ",included 第9条,missing\n"
		im, err := db.CreateImport(ctx, domain.ImportUpload{Register: domain.RegisterContracts, FileName: "contracts.csv", Content: bytes.NewReader([]byte(csv))})
		require.NoError(t, err)
		require.Equal(t, domain.ImportSummary{Create: 1}, im.Summary, "%+v", im)
		_, err = db.CommitImport(ctx, im.ID, &im.Version, im.SHA256)
		require.NoError(t, err)
		agree("imported")

		// A draft deleted takes its rows along.
		require.NoError(t, db.DeleteContract(ctx, ids[2], nil))
		agree("deleted")

		require.NoError(t, db.RebuildMissingClauses(ctx))
		agree("rebuilt")
	})
}

// requireMissingClausesAgree checks contract_missing_clauses, and the list
// under every clause code, against the filter's definition.
func requireMissingClausesAgree(t *testing.T, ctx context.Context, db *store.DB, step string) {
	t.Helper()
	pairs := func(query string, args ...any) []string {
		t.Helper()
		rows, err := db.SQL().QueryContext(ctx, query, args...)
		require.NoError(t, err)
		defer func() { _ = rows.Close() }()
		var out []string
		for rows.Next() {
			var code, id string
			require.NoError(t, rows.Scan(&code, &id))
			out = append(out, code+" "+id)
		}
		require.NoError(t, rows.Err())
		sort.Strings(out)
		return out
	}
	ph := func(i int) string {
		if db.Kind() == store.Postgres {
			return fmt.Sprintf("$%d", i)
		}
		return "?"
	}
	var args []any
	var in string
	for i, s := range domain.AddressedClauseStatuses() {
		if i > 0 {
			in += ", "
		}
		in += ph(i + 1)
		args = append(args, string(s))
	}
	// The filter's definition, over every clause of the catalogue.
	want := pairs(`SELECT k.code, c.id FROM catalogue_items k CROSS JOIN contracts c
		WHERE k.catalogue = 'clauses' AND NOT EXISTS (SELECT 1 FROM contract_clauses cc
			WHERE cc.contract_id = c.id AND cc.code = k.code AND cc.status IN (`+in+`))`, args...)
	have := pairs(`SELECT code, contract_id FROM contract_missing_clauses`)
	require.Equal(t, want, have, "%s: contract_missing_clauses", step)

	clauses, err := db.ListCatalogueItems(ctx, domain.CatalogueClauses, true)
	require.NoError(t, err)
	all := listAllContracts(t, ctx, db, "")
	for _, c := range clauses {
		var expect []string
		for _, p := range want {
			if code, id, _ := strings.Cut(p, " "); code == c.Code {
				expect = append(expect, id)
			}
		}
		require.Equal(t, expect, listAllContracts(t, ctx, db, c.Code), "%s: missing_clause=%s", step, c.Code)
	}
	require.Equal(t, all, listAllContracts(t, ctx, db, "no_such_clause"), "%s: a code outside the catalogue", step)
}

// listAllContracts pages through the contract list, two a page so that
// the cursor is used, under missing_clause=code ("" for no filter).
func listAllContracts(t *testing.T, ctx context.Context, db *store.DB, code string) []string {
	t.Helper()
	var out []string
	cursor := ""
	for {
		p, err := db.ListContracts(ctx, domain.ContractFilter{MissingClause: code}, domain.PageRequest{Limit: 2, Cursor: cursor})
		require.NoError(t, err)
		for _, c := range p.Items {
			out = append(out, c.ID)
		}
		if p.NextCursor == "" {
			return out
		}
		cursor = p.NextCursor
	}
}
