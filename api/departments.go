package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// IDParam addresses one resource by its UUID.
type IDParam struct {
	ID string `path:"id" format:"uuid" doc:"UUID of the resource."`
}

// DepartmentOutput is one department with its ETag.
type DepartmentOutput struct {
	ETag string `header:"ETag" doc:"The department's version as a strong ETag; send it back in If-Match."`
	Body *domain.Department
}

func departmentOutput(d *domain.Department) *DepartmentOutput {
	return &DepartmentOutput{ETag: etag(d.Version), Body: d}
}

func (s *Server) registerDepartments() {
	const tag = "Departments"
	huma.Register(s.api, operation{
		ID: "list-departments", Method: http.MethodGet, Path: "/v1/departments", Tag: tag,
		Summary:     "List departments",
		Description: "Lists the body's departments (部局), oldest first. Any role may read.",
		Permission:  domain.PermRead, Errors: errsList,
	}.huma(), func(ctx context.Context, in *struct {
		PageParams
		Q string `query:"q" maxLength:"200" doc:"Part of the Japanese or English name; width, hiragana/katakana and case do not matter."`
	}) (*ListOutput[*domain.Department], error) {
		return listed(ctx, s, in.PageParams, func(page domain.PageRequest) (domain.Page[*domain.Department], error) {
			return s.Departments.ListDepartments(ctx, domain.DepartmentFilter{Q: in.Q}, page)
		})
	})

	huma.Register(s.api, operation{
		ID: "get-department", Method: http.MethodGet, Path: "/v1/departments/{id}", Tag: tag,
		Summary: "Get a department", Description: "Returns one department and its ETag.",
		Permission: domain.PermRead, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *IDParam) (*DepartmentOutput, error) {
		d, err := s.Departments.FindDepartment(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return departmentOutput(d), nil
	})

	huma.Register(s.api, operation{
		ID: "create-department", Method: http.MethodPost, Path: "/v1/departments", Tag: tag,
		Summary: "Create a department", Description: "Creates a department. The name must be unique (409 otherwise). Needs the editor or admin role.",
		Permission: domain.PermWrite, Status: http.StatusCreated, Errors: errsCreate,
	}.huma(), func(ctx context.Context, in *struct {
		Body domain.DepartmentInput
	}) (*DepartmentOutput, error) {
		d, err := s.Departments.CreateDepartment(ctx, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return departmentOutput(d), nil
	})

	huma.Register(s.api, operation{
		ID: "replace-department", Method: http.MethodPut, Path: "/v1/departments/{id}", Tag: tag,
		Summary:     "Replace a department",
		Description: "Replaces the department's fields. With If-Match, a stale version is refused with 412. Needs the editor or admin role.",
		Permission:  domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body domain.DepartmentInput
	}) (*DepartmentOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		d, err := s.Departments.ReplaceDepartment(ctx, in.ID, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return departmentOutput(d), nil
	})

	huma.Register(s.api, operation{
		ID: "delete-department", Method: http.MethodDelete, Path: "/v1/departments/{id}", Tag: tag,
		Summary:     "Delete a department",
		Description: "Deletes a department. Refused with 409 while people belong to it. Needs the editor or admin role.",
		Permission:  domain.PermWrite, Status: http.StatusNoContent, Errors: errsDelete,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
	}) (*struct{}, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		if err := s.Departments.DeleteDepartment(ctx, in.ID, v); err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return nil, nil
	})
}
