package domain

import (
	"context"
	"time"
)

// Department is an organisational unit of the body (部局). People belong to
// one; registers name the department that uses a service.
type Department struct {
	ID        string    `json:"id" doc:"UUIDv7 of the department."`
	Name      string    `json:"name" doc:"Name in Japanese, unique." example:"管理者事務部局"`
	NameEn    string    `json:"name_en,omitempty" doc:"Name in English." example:"Administrator's Secretariat"`
	Version   int       `json:"version" doc:"Increases with every change; sent back in If-Match."`
	CreatedAt time.Time `json:"created_at" doc:"When it was created (RFC 3339, UTC)."`
	UpdatedAt time.Time `json:"updated_at" doc:"When it last changed (RFC 3339, UTC)."`
}

// DepartmentInput is what a client writes when creating or replacing a department.
type DepartmentInput struct {
	Name   string `json:"name" minLength:"1" maxLength:"200" doc:"Name in Japanese, unique." example:"管理者事務部局" validate:"required,max=200"`
	NameEn string `json:"name_en,omitempty" maxLength:"200" doc:"Name in English." example:"Administrator's Secretariat" validate:"max=200"`
}

// DepartmentFilter narrows ListDepartments.
type DepartmentFilter struct {
	// Q matches part of the Japanese or English name, case-insensitively.
	Q string
}

// SeedDepartments are the two departments named by the policy, created on the
// first start of an empty database.
var SeedDepartments = []DepartmentInput{
	{Name: "管理者事務部局", NameEn: "Administrator's Secretariat"},
	{Name: "議会事務局", NameEn: "Assembly Secretariat"},
}

// DepartmentService manages departments.
type DepartmentService interface {
	// FindDepartment returns one department. ENOTFOUND if there is none.
	FindDepartment(ctx context.Context, id string) (*Department, error)
	// ListDepartments returns a page of departments ordered by creation.
	// EINVALID for a malformed cursor.
	ListDepartments(ctx context.Context, f DepartmentFilter, p PageRequest) (Page[*Department], error)
	// CreateDepartment creates a department. EINVALID for bad input,
	// ECONFLICT when the name is taken.
	CreateDepartment(ctx context.Context, in DepartmentInput) (*Department, error)
	// ReplaceDepartment replaces a department's fields. ENOTFOUND, EINVALID,
	// ECONFLICT for a taken name or a concurrent change, ESTALE when ifVersion
	// is set and is not the current version.
	ReplaceDepartment(ctx context.Context, id string, ifVersion *int, in DepartmentInput) (*Department, error)
	// DeleteDepartment deletes a department. ENOTFOUND, ESTALE, and ECONFLICT
	// while people belong to it.
	DeleteDepartment(ctx context.Context, id string, ifVersion *int) error
}
