package domain_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

// Every importable register has columns with unique headers in both
// languages, and a header is found whatever its width or case.
func TestColumnsOfEveryRegister(t *testing.T) {
	for _, reg := range domain.ImportRegisters {
		cols := domain.ColumnsOf(reg)
		require.NotEmpty(t, cols, reg)
		seen := map[string]bool{}
		for _, c := range cols {
			for _, h := range []string{c.Key, c.Ja} {
				require.False(t, seen[h], "%s: header %q twice", reg, h)
				seen[h] = true
				got, ok := domain.ColumnByHeader(reg, h)
				require.True(t, ok, "%s: %q", reg, h)
				require.Equal(t, c, got)
			}
			require.Equal(t, c.Ja, c.Header(domain.LocaleJa))
			require.Equal(t, c.Key, c.Header(domain.LocaleEn))
		}
	}
	c, ok := domain.ColumnByHeader(domain.RegisterVendors, " ＯＷＮＥＲ_ＥＭＡＩＬ ")
	require.True(t, ok, "full-width and upper case")
	require.Equal(t, "owner_id", c.Field)
	require.Equal(t, domain.RefPersonEmail, c.Ref)
	_, ok = domain.ColumnByHeader(domain.RegisterVendors, "電話")
	require.False(t, ok)

	clauses := []*domain.CatalogueItem{{Code: "confidentiality", TitleJa: "業務上知り得た情報の守秘義務"}}
	c, ok = domain.ClauseColumnByHeader("条項：業務上知り得た情報の守秘義務", clauses)
	require.True(t, ok)
	require.Equal(t, "clause.confidentiality", c.Key)
	c, ok = domain.ColumnByHeader(domain.RegisterContracts, "clause.confidentiality")
	require.True(t, ok)
	require.Equal(t, "clause.confidentiality", c.Field)
}
