package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// revocationWithin is how soon a change through one replica must stop a
// token on every other: the cache's promise.
const revocationWithin = time.Second

// refusedWithin waits, up to revocationWithin, until replica refuses secret.
func refusedWithin(t *testing.T, replica *store.DB, secret string) {
	t.Helper()
	require.Eventually(t, func() bool {
		_, err := replica.Authenticate(context.Background(), secret)
		return domain.ErrorCodeOf(err) == domain.EUNAUTHORIZED
	}, revocationWithin, 5*time.Millisecond, "the other replica still accepts the token")
}

// TestTokenCacheAcrossReplicas runs two stores ("replicas") on one
// database: a token revoked, or its person set inactive, through one is
// refused by that one at once and by the other within a second, although
// the other has just cached it.
func TestTokenCacheAcrossReplicas(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			a := storetest.Open(t, tg, storetest.Options{})
			b := storetest.Open(t, tg, storetest.Options{NoMigrate: true})
			first, err := a.SeedIfEmpty(context.Background())
			require.NoError(t, err)
			ctx := domain.WithActor(context.Background(), domain.Actor{PersonID: first.Person.ID, TokenID: first.Token.ID, Role: domain.RoleAdmin, Name: "admin"})

			// A revoked token.
			tok, secret, err := a.CreateToken(ctx, domain.TokenInput{PersonID: first.Person.ID, Role: domain.RoleViewer})
			require.NoError(t, err)
			for _, r := range []*store.DB{a, b, b} { // b's second call is served from its cache
				actor, err := r.Authenticate(context.Background(), secret)
				require.NoError(t, err)
				require.Equal(t, tok.ID, actor.TokenID)
				require.Equal(t, domain.RoleViewer, actor.Role)
			}
			_, err = a.RevokeToken(ctx, tok.ID, nil)
			require.NoError(t, err)
			_, err = a.Authenticate(context.Background(), secret)
			require.Equal(t, domain.EUNAUTHORIZED, domain.ErrorCodeOf(err), "the replica that revoked refuses at once")
			refusedWithin(t, b, secret)

			// A person set inactive.
			in := domain.PersonInput{Name: "退職 予定", Email: "leaving@example.lg.jp", DepartmentID: first.Person.DepartmentID}
			p, err := a.CreatePerson(ctx, in)
			require.NoError(t, err)
			_, secret, err = a.CreateToken(ctx, domain.TokenInput{PersonID: p.ID, Role: domain.RoleEditor})
			require.NoError(t, err)
			for _, r := range []*store.DB{a, b} {
				_, err := r.Authenticate(context.Background(), secret)
				require.NoError(t, err)
			}
			inactive := false
			in.Active = &inactive
			_, err = a.ReplacePerson(ctx, p.ID, nil, in)
			require.NoError(t, err)
			_, err = a.Authenticate(context.Background(), secret)
			require.Equal(t, domain.EUNAUTHORIZED, domain.ErrorCodeOf(err))
			refusedWithin(t, b, secret)
		})
	}
}
