package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// spellings are three ways of typing クリーン: hiragana, half-width katakana
// and full-width katakana.
var spellings = []string{"くりーん", "ｸﾘｰﾝ", "クリーン"}

func TestSearchIgnoresWidthKanaAndCase(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		ctx, admin := outSeed(t, db)
		page := domain.PageRequest{}
		vendor, err := db.CreateVendor(ctx, domain.VendorInput{Name: "株式会社クリーン環境サービス", Kana: "カブシキガイシャクリーンカンキョウサービス", OwnerID: admin.ID})
		require.NoError(t, err)
		other, err := db.CreateVendor(ctx, domain.VendorInput{Name: "北部リサイクル株式会社", Kana: "ホクブリサイクル", OwnerID: admin.ID})
		require.NoError(t, err)
		contract, err := db.CreateContract(ctx, domain.ContractInput{VendorID: vendor.ID, OwnerID: admin.ID, Title: "クリーンセンター運転管理業務委託",
			StartDate: outDate(t, "2026-04-01"), EndDate: outDate(t, "2027-03-31")})
		require.NoError(t, err)
		dept, err := db.CreateDepartment(ctx, domain.DepartmentInput{Name: "クリーン推進課", NameEn: "Clean Promotion"})
		require.NoError(t, err)
		person, err := db.CreatePerson(ctx, domain.PersonInput{Name: "栗林 クリーン", Email: "kuri@example.lg.jp", DepartmentID: dept.ID})
		require.NoError(t, err)
		service, err := db.CreateCloudService(ctx, domain.CloudServiceInput{Name: "クリーンファイル便", Provider: "Example Cloud株式会社",
			TermsURL: "https://files.example.com/terms", TermsVersion: "2026-04-01版", ResponsiblePersonID: admin.ID, DepartmentID: dept.ID})
		require.NoError(t, err)
		account, err := db.CreateSocialAccount(ctx, domain.SocialAccountInput{Platform: domain.PlatformX, Handle: "clean_kumiai",
			Purpose: "クリーンセンターのお知らせ", DepartmentID: dept.ID, ResponsiblePersonID: admin.ID,
			OperatingProcedure: domain.OperatingProcedure{DocumentRef: "広報-SNS-001", ApprovedOn: outDate(t, "2026-04-01")}})
		require.NoError(t, err)

		for _, q := range spellings {
			vs, err := db.ListVendors(ctx, domain.VendorFilter{Q: q}, page)
			require.NoError(t, err)
			require.Equal(t, []string{vendor.ID}, ids(vs.Items, func(v *domain.Vendor) string { return v.ID }), "q=%s", q)
			cs, err := db.ListContracts(ctx, domain.ContractFilter{Q: q}, page)
			require.NoError(t, err)
			require.Equal(t, []string{contract.ID}, ids(cs.Items, func(c *domain.Contract) string { return c.ID }), "q=%s", q)
			ds, err := db.ListDepartments(ctx, domain.DepartmentFilter{Q: q}, page)
			require.NoError(t, err)
			require.Equal(t, []string{dept.ID}, ids(ds.Items, func(d *domain.Department) string { return d.ID }), "q=%s", q)
			ps, err := db.ListPeople(ctx, domain.PersonFilter{Q: q}, page)
			require.NoError(t, err)
			require.Equal(t, []string{person.ID}, ids(ps.Items, func(p *domain.Person) string { return p.ID }), "q=%s", q)
			ss, err := db.ListCloudServices(ctx, domain.CloudServiceFilter{Q: q}, page)
			require.NoError(t, err)
			require.Equal(t, []string{service.ID}, ids(ss.Items, func(s *domain.CloudService) string { return s.ID }), "q=%s", q)
			as, err := db.ListSocialAccounts(ctx, domain.SocialAccountFilter{Q: q}, page)
			require.NoError(t, err)
			require.Equal(t, []string{account.ID}, ids(as.Items, func(a *domain.SocialAccount) string { return a.ID }), "q=%s", q)
		}
		// Width and case of Latin letters, the kana reading, and wildcards
		// taken literally.
		for q, want := range map[string][]string{"かんきょう": {vendor.ID}, "ﾎｸﾌﾞ": {other.ID}, "%": nil, "_": nil} {
			vs, err := db.ListVendors(ctx, domain.VendorFilter{Q: q}, page)
			require.NoError(t, err)
			require.Equal(t, want, nilIfEmpty(ids(vs.Items, func(v *domain.Vendor) string { return v.ID })), "q=%s", q)
		}
		ss, err := db.ListCloudServices(ctx, domain.CloudServiceFilter{Q: "ＥＸＡＭＰＬＥ cloud"}, page)
		require.NoError(t, err)
		require.Len(t, ss.Items, 1)
		ds, err := db.ListDepartments(ctx, domain.DepartmentFilter{Q: "CLEAN"}, page)
		require.NoError(t, err)
		require.Len(t, ds.Items, 1)

		// A rename is searched by its new name: the search text follows
		// every update.
		in := domain.VendorInput{Name: "株式会社グリーン環境", OwnerID: admin.ID}
		_, err = db.ReplaceVendor(ctx, vendor.ID, nil, in)
		require.NoError(t, err)
		vs, err := db.ListVendors(ctx, domain.VendorFilter{Q: "クリーン"}, page)
		require.NoError(t, err)
		require.Empty(t, vs.Items)
		vs, err = db.ListVendors(ctx, domain.VendorFilter{Q: "ぐりーん"}, page)
		require.NoError(t, err)
		require.Len(t, vs.Items, 1)
	})
}

func TestSearchTextOfOlderRowsIsFilledAtStart(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		ctx, admin := outSeed(t, db)
		vendor, err := db.CreateVendor(ctx, domain.VendorInput{Name: "株式会社クリーン環境サービス", OwnerID: admin.ID})
		require.NoError(t, err)
		// What a database migrated from before 0010 holds: no search text.
		for _, table := range []string{"vendors", "contracts", "cloud_services", "social_accounts", "people", "departments"} {
			_, err = db.SQL().ExecContext(context.Background(), "UPDATE "+table+" SET search_text = NULL")
			require.NoError(t, err)
		}
		vs, err := db.ListVendors(ctx, domain.VendorFilter{Q: "ｸﾘｰﾝ"}, domain.PageRequest{})
		require.NoError(t, err)
		require.Empty(t, vs.Items)

		_, err = db.SeedIfEmpty(context.Background())
		require.NoError(t, err)
		vs, err = db.ListVendors(ctx, domain.VendorFilter{Q: "ｸﾘｰﾝ"}, domain.PageRequest{})
		require.NoError(t, err)
		require.Len(t, vs.Items, 1)
		require.Equal(t, vendor.ID, vs.Items[0].ID)
		ps, err := db.ListPeople(ctx, domain.PersonFilter{Q: "ＡＤＭＩＮ"}, domain.PageRequest{})
		require.NoError(t, err)
		require.NotEmpty(t, ps.Items)
		n, err := db.FillSearchText(context.Background())
		require.NoError(t, err)
		require.Zero(t, n, "nothing is left to fill")
	})
}

func ids[T any](items []T, id func(T) string) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
