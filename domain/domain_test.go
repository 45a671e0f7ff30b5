package domain_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func TestRoleAllows(t *testing.T) {
	want := map[domain.Role][]domain.Permission{
		domain.RoleAdmin:   {domain.PermRead, domain.PermWrite, domain.PermAudit, domain.PermAdmin},
		domain.RoleEditor:  {domain.PermRead, domain.PermWrite},
		domain.RoleAuditor: {domain.PermRead, domain.PermAudit},
		domain.RoleViewer:  {domain.PermRead},
	}
	all := []domain.Permission{domain.PermRead, domain.PermWrite, domain.PermAudit, domain.PermAdmin}
	for role, allowed := range want {
		for _, p := range all {
			require.Equal(t, contains(allowed, p), role.Allows(p), "%s may %s", role, p)
		}
	}
	require.False(t, domain.Role("root").Allows(domain.PermRead))
	require.False(t, domain.Role("root").Valid())
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestPageRequestSize(t *testing.T) {
	for _, c := range []struct{ in, want int }{{0, 50}, {-3, 50}, {1, 1}, {200, 200}, {201, 200}} {
		require.Equal(t, c.want, domain.PageRequest{Limit: c.in}.Size(), "limit %d", c.in)
	}
}

func TestValidateNamesEveryFieldByItsJSONName(t *testing.T) {
	in := domain.PersonInput{Name: "", Email: "nope", DepartmentID: "x", SecurityRoles: []domain.SecurityRole{"ciso", "boss"}}
	in.Normalize()
	err := domain.Validate(in)
	require.Equal(t, domain.EINVALID, domain.ErrorCodeOf(err))
	var fields []string
	for _, f := range err.(*domain.Error).Fields {
		fields = append(fields, f.Field)
		require.NotEmpty(t, f.Message)
	}
	require.ElementsMatch(t, []string{"name", "email", "department_id", "security_roles[1]"}, fields)
}

func TestPersonInputDefaults(t *testing.T) {
	in := domain.PersonInput{SupervisorID: new(string)}
	in.Normalize()
	require.Equal(t, domain.EmploymentRegular, in.EmploymentType)
	require.Equal(t, domain.LocaleJa, in.Locale)
	require.True(t, *in.Active)
	require.Nil(t, in.SupervisorID, "an empty supervisor means none")
	require.NotNil(t, in.SecurityRoles)
}

func TestErrorHelpers(t *testing.T) {
	require.Equal(t, domain.ErrorCode(""), domain.ErrorCodeOf(nil))
	require.Equal(t, domain.EINTERNAL, domain.ErrorCodeOf(context.Canceled))
	require.Equal(t, "internal error", domain.ErrorMessageOf(context.Canceled), "internal text never becomes a message")
	require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(domain.Errorf(domain.ECONFLICT, "taken")))
	var fe domain.FieldErrors
	require.NoError(t, fe.Err("x"))
	fe.Add("email", "is taken", "a@b")
	require.Equal(t, domain.EINVALID, domain.ErrorCodeOf(fe.Err("x")))
}

func TestTokenSecrets(t *testing.T) {
	a, err := domain.NewTokenSecret()
	require.NoError(t, err)
	b, err := domain.NewTokenSecret()
	require.NoError(t, err)
	require.NotEqual(t, a, b)
	require.Regexp(t, `^vw_[A-Za-z0-9_-]{43}$`, a)
	require.Len(t, domain.HashTokenSecret(a), 64)
	require.Equal(t, domain.HashTokenSecret(a), domain.HashTokenSecret(" "+a+"\n"), "surrounding space is not part of a secret")
	require.Equal(t, a[:7], domain.TokenHint(a))
}

func chain(n int) []*domain.AuditEvent {
	var out []*domain.AuditEvent
	prev := ""
	for i := 1; i <= n; i++ {
		e := &domain.AuditEvent{Seq: int64(i), ID: "e" + string(rune('0'+i)), OccurredAt: time.Date(2026, 4, 1, 9, 0, i, 0, time.UTC),
			ActorName: "system", Action: domain.AuditCreate, EntityType: "person", EntityID: "p", After: []byte(`{"name":"x"}`), PrevHash: prev}
		e.Hash = e.ComputeHash(nil)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func TestAuditChainVerifier(t *testing.T) {
	cases := []struct {
		name   string
		tamper func([]*domain.AuditEvent) []*domain.AuditEvent
		want   string
		seq    int64
	}{
		{"intact", func(es []*domain.AuditEvent) []*domain.AuditEvent { return es }, "", 0},
		{"changed field", func(es []*domain.AuditEvent) []*domain.AuditEvent { es[2].After = []byte(`{"name":"y"}`); return es }, domain.AuditHashMismatch, 3},
		{"changed actor", func(es []*domain.AuditEvent) []*domain.AuditEvent { es[1].ActorName = "mallory"; return es }, domain.AuditHashMismatch, 2},
		{"removed event", func(es []*domain.AuditEvent) []*domain.AuditEvent { return append(es[:1], es[2:]...) }, domain.AuditSequenceGap, 3},
		{"rehashed event", func(es []*domain.AuditEvent) []*domain.AuditEvent {
			es[1].Reason = "edited"
			es[1].Hash = es[1].ComputeHash(nil)
			return es
		}, domain.AuditLinkMismatch, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var v domain.AuditChainVerifier
			for _, e := range c.tamper(chain(5)) {
				v.Check(e)
			}
			res := v.Result()
			if c.want == "" {
				require.True(t, res.OK)
				require.Equal(t, 5, res.Checked)
				return
			}
			require.False(t, res.OK)
			require.Equal(t, c.want, res.FirstBroken.Problem)
			require.Equal(t, c.seq, res.FirstBroken.Seq)
		})
	}
}

func TestSeedCatalogueMatchesTheDesign(t *testing.T) {
	count := map[domain.Catalogue]int{}
	codes := map[string]bool{}
	for _, s := range domain.SeedCatalogue {
		count[s.Catalogue]++
		require.False(t, codes[string(s.Catalogue)+s.Code], "duplicate %s", s.Code)
		codes[string(s.Catalogue)+s.Code] = true
		require.NotEmpty(t, s.TitleJa)
		require.NotEmpty(t, s.TitleEn)
		require.True(t, s.Mandatory)
	}
	require.Equal(t, 13, count[domain.CatalogueClauses])
	require.Equal(t, 10, count[domain.CatalogueSelectionCriteria])
	require.Equal(t, 5, count[domain.CatalogueTermsChecks])
}
