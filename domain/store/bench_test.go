package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// benchDBs opens every test database for a benchmark, seeded.
func benchDBs(b *testing.B, fn func(b *testing.B, ctx context.Context, db *store.DB, dept string)) {
	for _, tg := range storetest.Targets(b) {
		b.Run(tg.Name, func(b *testing.B) {
			db := storetest.Open(b, tg, storetest.Options{})
			first, err := db.SeedIfEmpty(context.Background())
			require.NoError(b, err)
			ctx := domain.WithActor(context.Background(), domain.Actor{PersonID: first.Person.ID, Role: domain.RoleAdmin, Name: "bench"})
			fn(b, ctx, db, first.Person.DepartmentID)
		})
	}
}

func newPerson(i int, dept string) domain.PersonInput {
	return domain.PersonInput{Name: fmt.Sprintf("職員 %d", i), Email: fmt.Sprintf("p%d@example.lg.jp", i), DepartmentID: dept}
}

// BenchmarkCreatePerson measures one audited write: insert, audit append.
func BenchmarkCreatePerson(b *testing.B) {
	benchDBs(b, func(b *testing.B, ctx context.Context, db *store.DB, dept string) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			_, err := db.CreatePerson(ctx, newPerson(i, dept))
			require.NoError(b, err)
			i++
		}
	})
}

// BenchmarkListPeoplePage measures one filtered page of 50 out of 5,000.
func BenchmarkListPeoplePage(b *testing.B) {
	benchDBs(b, func(b *testing.B, ctx context.Context, db *store.DB, dept string) {
		for i := range 5000 {
			_, err := db.CreatePerson(ctx, newPerson(i, dept))
			require.NoError(b, err)
		}
		active := true
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			page, err := db.ListPeople(ctx, domain.PersonFilter{Active: &active}, domain.PageRequest{Limit: 50})
			require.NoError(b, err)
			require.Len(b, page.Items, 50)
		}
	})
}

// BenchmarkVerifyAuditChain measures recomputing a 5,000-event chain.
func BenchmarkVerifyAuditChain(b *testing.B) {
	benchDBs(b, func(b *testing.B, ctx context.Context, db *store.DB, dept string) {
		for i := range 5000 {
			_, err := db.CreatePerson(ctx, newPerson(i, dept))
			require.NoError(b, err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			v, err := db.VerifyAuditChain(ctx)
			require.NoError(b, err)
			require.True(b, v.OK)
		}
	})
}
