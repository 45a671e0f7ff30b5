package e2e_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/api"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/openapi/sdk"
)

// The server's real problems read through sdk.ProblemOf as the SDK's
// example (openapi/sdk/example_errors_test.go, which serves copies of them)
// shows: a 422 lists each field, a 404, a 412 and a 401 have no errors, and
// a plain client's answer reads the same.
func TestProblemsOfTheServerThroughTheSDK(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		first, err := db.SeedIfEmpty(ctx)
		require.NoError(t, err)
		srv := httptest.NewServer(api.New(api.Config{Services: api.ServicesOf(db)}))
		t.Cleanup(srv.Close)
		bearer := sdk.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+first.Secret)
			return nil
		})
		client, err := sdk.NewClientWithResponses(srv.URL, bearer)
		require.NoError(t, err)

		created, err := client.CreateVendorWithResponse(ctx, nil, sdk.VendorInput{Name: "", CorporateNumber: ptr("123")})
		require.NoError(t, err)
		p, ok := sdk.ProblemOf(created.HTTPResponse, created.Body)
		require.True(t, ok)
		require.Equal(t, http.StatusUnprocessableEntity, p.Status)
		require.Equal(t, "validation failed", p.Detail)
		var locations []string
		for _, f := range p.Errors {
			require.NotEmpty(t, f.Message)
			locations = append(locations, f.Location)
		}
		require.ElementsMatch(t, []string{"body.corporate_number", "body.name"}, locations)
		require.Contains(t, p.Error(), "body.name: ")

		missing := uuid.New()
		got, err := client.GetVendorWithResponse(ctx, missing)
		require.NoError(t, err)
		p, ok = sdk.ProblemOf(got.HTTPResponse, got.Body)
		require.True(t, ok)
		require.Equal(t, http.StatusNotFound, p.Status)
		require.Equal(t, "Not Found", p.Title)
		require.Contains(t, p.Detail, missing.String())
		require.Nil(t, p.Errors)
		require.Nil(t, got.ApplicationproblemJSON404.Errors)

		dept, err := uuid.Parse(first.Person.DepartmentID)
		require.NoError(t, err)
		stale := `"7"`
		replaced, err := client.ReplaceDepartmentWithResponse(ctx, dept, &sdk.ReplaceDepartmentParams{IfMatch: &stale}, sdk.DepartmentInput{Name: "管理者事務部局"})
		require.NoError(t, err)
		p, ok = sdk.ProblemOf(replaced.HTTPResponse, replaced.Body)
		require.True(t, ok)
		require.Equal(t, http.StatusPreconditionFailed, p.Status)
		require.Contains(t, p.Detail, "not 7")
		require.Nil(t, p.Errors)

		// A plain client without a token: ProblemOf reads the body itself.
		plain, err := sdk.NewClient(srv.URL)
		require.NoError(t, err)
		res, err := plain.GetVendor(ctx, missing)
		require.NoError(t, err)
		defer func() { _ = res.Body.Close() }()
		p, ok = sdk.ProblemOf(res, nil)
		require.True(t, ok)
		require.Equal(t, http.StatusUnauthorized, p.Status)
		require.NotEmpty(t, p.Detail)
		require.Nil(t, p.Errors)
	})
}
