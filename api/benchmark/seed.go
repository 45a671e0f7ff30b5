// Package benchmark compares vendorwatch's reads with a hand-written
// baseline doing the same queries (package baseline): the Go benchmarks of
// this folder run both in one process, and run.sh runs the real binary and
// the baseline server under wrk. Seed makes the data both read.
package benchmark

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/google/uuid"

	"github.com/vendorwatch/vendorwatch/api/benchmark/baseline"
	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
)

// Fixture is what Seed made: the administrator's token, the contracts' ids
// in list order, and the owner whose contracts the owner_id page lists.
type Fixture struct {
	Secret string
	IDs    []string
	Owner  string
}

// Seed makes, in an empty migrated database, the first administrator, two
// more owners, a vendor and n contracts, owned in turn by the three
// people. The first contract is made through the store; the rest are
// copies of its row under new ids (UUIDv7, so list order is insertion
// order), which is quicker than n audited writes and reads the same.
func Seed(ctx context.Context, db *store.DB, n int) (Fixture, error) {
	first, err := db.SeedIfEmpty(ctx)
	if err != nil {
		return Fixture{}, err
	}
	if first.Secret == "" {
		return Fixture{}, fmt.Errorf("benchmark: the database is not empty")
	}
	ctx = domain.WithActor(ctx, domain.Actor{PersonID: first.Person.ID, TokenID: first.Token.ID, Role: domain.RoleAdmin, Name: "bench"})
	owners := []string{first.Person.ID}
	for i := range 2 {
		p, err := db.CreatePerson(ctx, domain.PersonInput{Name: fmt.Sprintf("担当 %d", i), Email: fmt.Sprintf("owner%d@example.lg.jp", i),
			DepartmentID: first.Person.DepartmentID})
		if err != nil {
			return Fixture{}, err
		}
		owners = append(owners, p.ID)
	}
	v, err := db.CreateVendor(ctx, domain.VendorInput{Name: "株式会社ベンチマーク", OwnerID: first.Person.ID})
	if err != nil {
		return Fixture{}, err
	}
	c, err := db.CreateContract(ctx, domain.ContractInput{VendorID: v.ID, Title: "粗大ごみ受付システム運用保守業務委託",
		Scope: "粗大ごみ受付システムの運用保守及び障害対応", StartDate: domain.NewDate(2026, 4, 1), EndDate: domain.NewDate(2027, 3, 31),
		NoticePeriodDays: 30, WorkLocation: "受託者本社（東京都千代田区）", VendorManagerName: "山田 太郎", SubcontractingAllowed: true,
		Subcontractors: []string{"株式会社下請", "合同会社保守"}, OwnerID: owners[0],
		InformationAssets: []domain.InformationAsset{
			{Name: "住民からの粗大ごみ収集申込情報", Classification: domain.Classification{Confidentiality: "2", Integrity: 2, Availability: 1}},
			{Name: "収集日程", Classification: domain.Classification{Confidentiality: "1", Integrity: 1, Availability: 1}},
		}})
	if err != nil {
		return Fixture{}, err
	}
	cols, err := contractColumns(ctx, db)
	if err != nil {
		return Fixture{}, err
	}
	// INSERT INTO contracts (id, owner_id, rest) SELECT ?, ?, rest FROM contracts WHERE id = ?
	var rest []string
	for _, col := range cols {
		if col != "id" && col != "owner_id" {
			rest = append(rest, col)
		}
	}
	ph := func(i int) string {
		if db.Kind() == store.Postgres {
			return fmt.Sprintf("$%d", i)
		}
		return "?"
	}
	insert := fmt.Sprintf("INSERT INTO contracts (id, owner_id, %s) SELECT %s, %s, %s FROM contracts WHERE id = %s",
		strings.Join(rest, ", "), ph(1), ph(2), strings.Join(rest, ", "), ph(3))
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		return Fixture{}, err
	}
	defer func() { _ = tx.Rollback() }()
	ids := []string{c.ID}
	for i := 1; i < n; i++ {
		id := uuid.Must(uuid.NewV7()).String()
		if _, err := tx.ExecContext(ctx, insert, id, owners[i%len(owners)], c.ID); err != nil {
			return Fixture{}, fmt.Errorf("benchmark: copy contract: %w", err)
		}
		ids = append(ids, id)
	}
	if err := tx.Commit(); err != nil {
		return Fixture{}, err
	}
	if _, err := db.SQL().ExecContext(ctx, "ANALYZE"); err != nil {
		return Fixture{}, err
	}
	sort.Strings(ids)
	return Fixture{Secret: first.Secret, IDs: ids, Owner: owners[1]}, nil
}

func contractColumns(ctx context.Context, db *store.DB) ([]string, error) {
	rows, err := db.SQL().QueryContext(ctx, "SELECT * FROM contracts WHERE 1 = 0")
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	return rows.Columns()
}

// Cursor is the list's cursor after the contract with id: the service's
// encoding (domain/store/cursor.go), which the baseline reads too.
func Cursor(id string) string { return baseline.EncodeCursor(id) }
