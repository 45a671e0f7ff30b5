package domain

import "context"

// Role is what a token may do. Each token has exactly one.
type Role string

// The four roles of the API.
const (
	// RoleAdmin may do everything, including tokens, catalogues and settings.
	RoleAdmin Role = "admin"
	// RoleEditor is procurement staff: read and write every register.
	RoleEditor Role = "editor"
	// RoleViewer may read the registers.
	RoleViewer Role = "viewer"
	// RoleAuditor may read the registers and the audit log.
	RoleAuditor Role = "auditor"
)

// Roles lists every role, in order of decreasing power.
var Roles = []Role{RoleAdmin, RoleEditor, RoleAuditor, RoleViewer}

// Permission is one kind of access an operation needs.
type Permission string

// Permissions checked by the API before it calls a service.
const (
	// PermRead: read the registers and catalogues.
	PermRead Permission = "read"
	// PermWrite: change the registers.
	PermWrite Permission = "write"
	// PermAudit: read the audit log.
	PermAudit Permission = "audit"
	// PermAdmin: manage tokens, catalogues and settings.
	PermAdmin Permission = "admin"
)

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleEditor, RoleViewer, RoleAuditor:
		return true
	}
	return false
}

// Allows reports whether a token with role r has permission p.
func (r Role) Allows(p Permission) bool {
	switch r {
	case RoleAdmin:
		return true
	case RoleEditor:
		return p == PermRead || p == PermWrite
	case RoleAuditor:
		return p == PermRead || p == PermAudit
	case RoleViewer:
		return p == PermRead
	}
	return false
}

// Actor is who performs a change: the person behind a token, or the system
// itself (seeding, scheduled jobs) when PersonID is empty.
type Actor struct {
	PersonID string
	TokenID  string
	// SessionID is the staff-page session of a change made through the
	// pages; empty for API calls.
	SessionID string
	Role      Role
	// Name is recorded in audit events so that they stay readable after the
	// person is deleted.
	Name string
}

// SystemActor is the actor of changes nobody requested: seeding on first start
// and scheduled jobs.
var SystemActor = Actor{Name: "system", Role: RoleAdmin}

type actorKey struct{}

// WithActor returns a context that carries the actor of the changes made with it.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor carried by ctx, or false when there is none.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}
