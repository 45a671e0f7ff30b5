package domain_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

func person(id string, active bool, roles ...domain.SecurityRole) *domain.Person {
	if roles == nil {
		roles = []domain.SecurityRole{}
	}
	return &domain.Person{ID: id, Name: id, Email: id + "@example.lg.jp", Active: active, SecurityRoles: roles}
}

func inputOf(p *domain.Person) domain.PersonInput {
	active := p.Active
	in := domain.PersonInput{Name: p.Name, Email: p.Email, SecurityRoles: append([]domain.SecurityRole{}, p.SecurityRoles...), Active: &active, SupervisorID: p.SupervisorID}
	in.Normalize()
	return in
}

func TestMayApproveVendor(t *testing.T) {
	sel := &domain.SelectionRecord{SelectedBy: "buyer"}
	require.NoError(t, domain.MayApproveVendor(person("mgr", true, domain.SecurityRoleManager), sel, "clerk"))
	for name, p := range map[string]*domain.Person{
		"the selector, even as ciso": person("buyer", true, domain.SecurityRoleCISO),
		"who wrote the record":       person("clerk", true, domain.SecurityRoleManager),
		"no security role":           person("other", true),
		"inactive":                   person("old", false, domain.SecurityRoleSupervisor),
		"no person (the system)":     nil,
	} {
		require.Equal(t, domain.EFORBIDDEN, domain.ErrorCodeOf(domain.MayApproveVendor(p, sel, "clerk")), name)
	}
}

func TestReinstatementRefusal(t *testing.T) {
	suspended := mustTime(t, "2026-06-01T00:00:00Z")
	before, after := mustTime(t, "2026-05-01T00:00:00Z"), mustTime(t, "2026-06-02T00:00:00Z")
	require.NoError(t, domain.ReinstatementRefusal(&suspended, &after, ""), "a selection recorded after the suspension")
	require.NoError(t, domain.ReinstatementRefusal(&suspended, &before, "改善報告を確認"), "an explicit reason")
	err := domain.ReinstatementRefusal(&suspended, &before, "  ")
	require.Equal(t, domain.EINVALID, domain.ErrorCodeOf(err))
	require.Equal(t, "reason", err.(*domain.Error).Fields[0].Field)
	require.Error(t, domain.ReinstatementRefusal(&suspended, nil, ""), "no selection at all")
}

func TestPersonChangeRefusal(t *testing.T) {
	sup := person("sup", true, domain.SecurityRoleSupervisor)
	clerk := person("clerk", true)
	for _, c := range []struct {
		name      string
		role      domain.Role
		before    *domain.Person
		admin     bool
		change    func(in *domain.PersonInput)
		forbidden bool
	}{
		{"an editor renames a supervisor", domain.RoleEditor, sup, false, func(in *domain.PersonInput) { in.Name = "新しい名前" }, false},
		{"an editor changes a supervisor's e-mail", domain.RoleEditor, sup, false, func(in *domain.PersonInput) { in.Email = "x@example.lg.jp" }, true},
		{"an editor deactivates a supervisor", domain.RoleEditor, sup, false, func(in *domain.PersonInput) { f := false; in.Active = &f }, true},
		{"an editor re-points a supervisor's supervisor", domain.RoleEditor, sup, false, func(in *domain.PersonInput) { s := "other"; in.SupervisorID = &s }, true},
		{"an editor changes an admin's e-mail", domain.RoleEditor, clerk, true, func(in *domain.PersonInput) { in.Email = "x@example.lg.jp" }, true},
		{"an editor changes a clerk's e-mail", domain.RoleEditor, clerk, false, func(in *domain.PersonInput) { in.Email = "x@example.lg.jp" }, false},
		{"e-mail case is no change", domain.RoleEditor, sup, false, func(in *domain.PersonInput) { in.Email = "SUP@example.lg.jp" }, false},
		{"an editor grants a role", domain.RoleEditor, clerk, false, func(in *domain.PersonInput) { in.SecurityRoles = []domain.SecurityRole{domain.SecurityRoleManager} }, true},
		{"an admin does all", domain.RoleAdmin, sup, true, func(in *domain.PersonInput) { f := false; in.Active = &f; in.Email = "y@example.lg.jp" }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := inputOf(c.before)
			c.change(&in)
			err := domain.PersonChangeRefusal(c.role, c.before, c.admin, in)
			if !c.forbidden {
				require.NoError(t, err)
				return
			}
			require.Equal(t, domain.EFORBIDDEN, domain.ErrorCodeOf(err), "%v", err)
		})
	}
}

func TestLastAdminRefusal(t *testing.T) {
	admin := person("admin", true)
	off := inputOf(admin)
	f := false
	off.Active = &f
	err := domain.LastAdminRefusal(admin, off, true, 0)
	require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(err))
	require.NoError(t, domain.LastAdminRefusal(admin, off, true, 1), "another active admin remains")
	require.NoError(t, domain.LastAdminRefusal(admin, off, false, 0), "not an admin")
	require.NoError(t, domain.LastAdminRefusal(admin, inputOf(admin), true, 0), "staying active")
}

func TestRiskAcceptanceRefusal(t *testing.T) {
	p := domain.DefaultPolicySettings
	today := date(t, "2026-12-01")
	action := &domain.CorrectiveAction{OwnerID: "owner"}
	sup := person("sup", true, domain.SecurityRoleSupervisor)

	until, err := domain.RiskAcceptanceRefusal(sup, action, domain.RiskAcceptance{Resolution: "理由"}, today, p)
	require.NoError(t, err)
	require.Equal(t, "2027-12-01", until.String(), "12 months by default")
	until, err = domain.RiskAcceptanceRefusal(sup, action, domain.RiskAcceptance{Resolution: "理由", AcceptedUntil: date(t, "2027-03-31")}, today, p)
	require.NoError(t, err)
	require.Equal(t, "2027-03-31", until.String())

	_, err = domain.RiskAcceptanceRefusal(sup, action, domain.RiskAcceptance{AcceptedUntil: date(t, "2028-01-01")}, today, p)
	require.Equal(t, domain.EINVALID, domain.ErrorCodeOf(err), "beyond risk_acceptance_months")
	_, err = domain.RiskAcceptanceRefusal(sup, action, domain.RiskAcceptance{AcceptedUntil: today}, today, p)
	require.Equal(t, domain.EINVALID, domain.ErrorCodeOf(err), "must end after today")
	_, err = domain.RiskAcceptanceRefusal(person("owner", true, domain.SecurityRoleCISO), action, domain.RiskAcceptance{}, today, p)
	require.Equal(t, domain.EFORBIDDEN, domain.ErrorCodeOf(err), "the owner cannot accept their own action's risk")
	_, err = domain.RiskAcceptanceRefusal(person("mgr", true, domain.SecurityRoleManager), action, domain.RiskAcceptance{}, today, p)
	require.Equal(t, domain.EFORBIDDEN, domain.ErrorCodeOf(err), "a manager may not accept risks")
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return v
}
