package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

func TestSeedIfEmptyCreatesOneAdminOnce(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		first, err := db.SeedIfEmpty(ctx)
		require.NoError(t, err)
		require.NotEmpty(t, first.Secret, "first seed creates a token")
		require.Equal(t, domain.RoleAdmin, first.Token.Role)

		second, err := db.SeedIfEmpty(ctx)
		require.NoError(t, err)
		require.Empty(t, second.Secret, "second seed creates no token")

		actor, err := db.Authenticate(ctx, first.Secret)
		require.NoError(t, err)
		require.Equal(t, first.Person.ID, actor.PersonID)

		depts, err := db.ListDepartments(ctx, domain.DepartmentFilter{}, domain.PageRequest{})
		require.NoError(t, err)
		require.Len(t, depts.Items, len(domain.SeedDepartments))

		v, err := db.VerifyAuditChain(ctx)
		require.NoError(t, err)
		require.True(t, v.OK, "%+v", v.FirstBroken)
		require.Greater(t, v.Checked, len(domain.SeedCatalogue))
	})
}
