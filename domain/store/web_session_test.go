package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// movableClock is a store clock a test moves by hand.
type movableClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *movableClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *movableClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// sessionSeed makes the first admin and a second person without a token.
func sessionSeed(t *testing.T, db *store.DB) (admin domain.FirstAdmin, plain *domain.Person, ctx context.Context) {
	t.Helper()
	first, err := db.SeedIfEmpty(context.Background())
	require.NoError(t, err)
	ctx = domain.WithActor(context.Background(), domain.Actor{PersonID: first.Person.ID, Role: domain.RoleAdmin, Name: first.Person.Name})
	deps, err := db.ListDepartments(ctx, domain.DepartmentFilter{}, domain.PageRequest{Limit: 1})
	require.NoError(t, err)
	p, err := db.CreatePerson(ctx, domain.PersonInput{Name: "鈴木 花子", Email: "Suzuki@example.lg.jp", DepartmentID: deps.Items[0].ID})
	require.NoError(t, err)
	return first, p, ctx
}

func TestSignInLinksWorkOnceForFifteenMinutes(t *testing.T) {
	clock := &movableClock{now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		_, p, ctx := sessionSeed(t, db)
		none, secret, err := db.RequestSignInLink(ctx, "nobody@example.lg.jp")
		require.NoError(t, err)
		require.Nil(t, none)
		require.Empty(t, secret)

		who, secret, err := db.RequestSignInLink(ctx, " SUZUKI@example.lg.jp ")
		require.NoError(t, err)
		require.Equal(t, p.ID, who.ID, "the address matches regardless of case")
		session, signedIn, err := db.RedeemSignInLink(ctx, secret)
		require.NoError(t, err)
		require.Equal(t, p.ID, signedIn.ID)
		actor, err := db.SessionActor(ctx, session)
		require.NoError(t, err)
		require.Equal(t, p.ID, actor.PersonID)
		require.Equal(t, domain.RoleViewer, actor.Role, "no token: viewer")
		require.NotEmpty(t, actor.SessionID)

		_, _, err = db.RedeemSignInLink(ctx, secret)
		require.Equal(t, domain.EUNAUTHORIZED, domain.ErrorCodeOf(err), "a link works once")

		_, late, err := db.RequestSignInLink(ctx, p.Email)
		require.NoError(t, err)
		clock.Add(domain.SignInLinkTTL)
		_, _, err = db.RedeemSignInLink(ctx, late)
		require.Equal(t, domain.EUNAUTHORIZED, domain.ErrorCodeOf(err), "a link is good for 15 minutes")

		_, _, err = db.RedeemSignInLink(ctx, "vws_made-up")
		require.Equal(t, domain.EUNAUTHORIZED, domain.ErrorCodeOf(err))
	})
}

func TestSignInLinksAreBoundedPerPerson(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		_, p, ctx := sessionSeed(t, db)
		for range domain.MaxLiveSignInLinks {
			_, secret, err := db.RequestSignInLink(ctx, p.Email)
			require.NoError(t, err)
			require.NotEmpty(t, secret)
		}
		who, secret, err := db.RequestSignInLink(ctx, p.Email)
		require.NoError(t, err)
		require.Nil(t, who, "no more links while five are live")
		require.Empty(t, secret)
	})
}

func TestSessionsEndWhenIdleExpiredSignedOutOrInactive(t *testing.T) {
	clock := &movableClock{now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		_, p, ctx := sessionSeed(t, db)
		open := func() string {
			s, _, err := db.OpenSessionForEmail(ctx, p.Email, domain.SignInOIDC)
			require.NoError(t, err)
			return s
		}
		ended := func(s string) bool {
			_, err := db.SessionActor(ctx, s)
			return domain.ErrorCodeOf(err) == domain.EUNAUTHORIZED
		}
		limits := domain.SessionLimitsOf(domain.DefaultPolicySettings)

		busy := open()
		for elapsed := time.Duration(0); elapsed+limits.Idle/2 < limits.Absolute; elapsed += limits.Idle / 2 {
			clock.Add(limits.Idle / 2)
			require.False(t, ended(busy), "a session in use lasts (%s)", elapsed)
		}
		clock.Add(limits.Idle / 2)
		require.True(t, ended(busy), "however busy, a session ends %s after sign-in", limits.Absolute)

		idle := open()
		clock.Add(limits.Idle)
		require.True(t, ended(idle), "a session unused for %s ends", limits.Idle)

		one, two := open(), open()
		require.NoError(t, db.EndSession(ctx, one))
		require.True(t, ended(one))
		require.False(t, ended(two))
		n, err := db.EndAllSessions(domain.WithActor(ctx, domain.Actor{PersonID: p.ID, Role: domain.RoleViewer}), p.ID)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.True(t, ended(two))

		other := domain.WithActor(ctx, domain.Actor{PersonID: "someone-else", Role: domain.RoleEditor})
		_, err = db.EndAllSessions(other, p.ID)
		require.Equal(t, domain.EFORBIDDEN, domain.ErrorCodeOf(err))

		last := open()
		inactive := false
		_, err = db.ReplacePerson(ctx, p.ID, nil, domain.PersonInput{Name: p.Name, Email: p.Email, DepartmentID: p.DepartmentID, Active: &inactive})
		require.NoError(t, err)
		require.True(t, ended(last), "an inactive person's sessions sign in nothing")
		_, _, err = db.OpenSessionForEmail(ctx, p.Email, domain.SignInOIDC)
		require.Equal(t, domain.EUNAUTHORIZED, domain.ErrorCodeOf(err))
	})
}

func TestWebRoleIsTheBestTokenUnlessAnAdminSetsOne(t *testing.T) {
	storetest.Run(t, storetest.Options{}, func(t *testing.T, db *store.DB) {
		first, p, ctx := sessionSeed(t, db)
		role := func() domain.Role {
			r, _, err := db.PersonWebRole(ctx, p.ID)
			require.NoError(t, err)
			return r
		}
		require.Equal(t, domain.RoleViewer, role())
		_, _, err := db.CreateToken(ctx, domain.TokenInput{PersonID: p.ID, Role: domain.RoleAuditor})
		require.NoError(t, err)
		editor, _, err := db.CreateToken(ctx, domain.TokenInput{PersonID: p.ID, Role: domain.RoleEditor})
		require.NoError(t, err)
		require.Equal(t, domain.RoleEditor, role(), "the best unrevoked token")
		_, err = db.RevokeToken(ctx, editor.ID, nil)
		require.NoError(t, err)
		require.Equal(t, domain.RoleAuditor, role(), "a revoked token counts for nothing")

		viewer := domain.RoleViewer
		asEditor := domain.WithActor(ctx, domain.Actor{PersonID: p.ID, Role: domain.RoleEditor})
		require.Equal(t, domain.EFORBIDDEN, domain.ErrorCodeOf(db.SetWebRole(asEditor, p.ID, &viewer)), "admins only")
		require.NoError(t, db.SetWebRole(ctx, p.ID, &viewer))
		r, set, err := db.PersonWebRole(ctx, p.ID)
		require.NoError(t, err)
		require.True(t, set)
		require.Equal(t, domain.RoleViewer, r)
		require.NoError(t, db.SetWebRole(ctx, p.ID, nil))
		require.Equal(t, domain.RoleAuditor, role())

		events, err := db.ListAuditEvents(ctx, domain.AuditFilter{EntityType: "person", EntityID: p.ID}, domain.PageRequest{})
		require.NoError(t, err)
		found := 0
		for _, ev := range events.Items {
			if ev.Reason == "web role" {
				found++
				require.Equal(t, first.Person.ID, *ev.ActorID)
			}
		}
		require.Equal(t, 2, found, "both changes are audited")
	})
}
