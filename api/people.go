package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// PersonOutput is one person with their ETag.
type PersonOutput struct {
	ETag string `header:"ETag" doc:"The person's version as a strong ETag; send it back in If-Match."`
	Body *domain.Person
}

func personOutput(p *domain.Person) *PersonOutput {
	return &PersonOutput{ETag: etag(p.Version), Body: p}
}

func (s *Server) registerPeople() {
	const tag = "People"
	huma.Register(s.api, operation{
		ID: "list-people", Method: http.MethodGet, Path: "/v1/people", Tag: tag,
		Summary:     "List people",
		Description: "Lists staff, oldest first, filtered by department, activity, security role (ciso 最高情報セキュリティ責任者, supervisor 統括情報セキュリティ責任者, manager 情報セキュリティ責任者) or a text in the name or e-mail. Any role may read.",
		Permission:  domain.PermRead, Errors: errsList,
	}.huma(), func(ctx context.Context, in *struct {
		PageParams
		DepartmentID string              `query:"department_id" format:"uuid" doc:"Only people of this department."`
		Active       string              `query:"active" enum:"true,false" doc:"Only active (true) or inactive (false) people."`
		SecurityRole domain.SecurityRole `query:"security_role" enum:"ciso,supervisor,manager" doc:"Only people holding this security role."`
		Email        string              `query:"email" maxLength:"254" doc:"Only the person with this e-mail address, regardless of case."`
		Q            string              `query:"q" maxLength:"200" doc:"Part of the name or e-mail; width, hiragana/katakana and case do not matter."`
	}) (*ListOutput[*domain.Person], error) {
		f := domain.PersonFilter{DepartmentID: in.DepartmentID, SecurityRole: in.SecurityRole, Email: in.Email, Q: in.Q}
		if in.Active != "" {
			active := in.Active == "true"
			f.Active = &active
		}
		return listed(ctx, s, in.PageParams, func(page domain.PageRequest) (domain.Page[*domain.Person], error) {
			return s.People.ListPeople(ctx, f, page)
		})
	})

	huma.Register(s.api, operation{
		ID: "get-person", Method: http.MethodGet, Path: "/v1/people/{id}", Tag: tag,
		Summary: "Get a person", Description: "Returns one person and their ETag.",
		Permission: domain.PermRead, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *IDParam) (*PersonOutput, error) {
		p, err := s.People.FindPerson(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return personOutput(p), nil
	})

	huma.Register(s.api, operation{
		ID: "create-person", Method: http.MethodPost, Path: "/v1/people", Tag: tag,
		Summary: "Create a person",
		Description: "Creates a person. The e-mail must be unique regardless of case (409), the department and supervisor must exist (422). " +
			"employment_type defaults to regular, locale to ja, active to true. Needs the editor or admin role; security_roles may only be given by an admin (403).",
		Permission: domain.PermWrite, Status: http.StatusCreated, Errors: errsCreate,
	}.huma(), func(ctx context.Context, in *struct {
		Body domain.PersonInput
	}) (*PersonOutput, error) {
		p, err := s.People.CreatePerson(ctx, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return personOutput(p), nil
	})

	huma.Register(s.api, operation{
		ID: "replace-person", Method: http.MethodPut, Path: "/v1/people/{id}", Tag: tag,
		Summary: "Replace a person",
		Description: "Replaces the person's fields; omitted optional fields take their defaults (an omitted supervisor_id clears it). " +
			"A supervisor chain that loops back is refused (422). Only an admin may change security_roles (403). " +
			"Separation of duties: active, email, supervisor_id and security_roles of a person who holds a security role or an " +
			"admin token are changed by an admin only (403). Nobody may set the last active person with an admin token inactive " +
			"(409). A changed e-mail sends a notice to the old address. " +
			"A person who is the responsible person of a social-media account that is not retired cannot be set inactive (409): hand the account over first. " +
			"With If-Match, a stale version is refused with 412. Needs the editor or admin role.",
		Permission: domain.PermWrite, Errors: errsWrite,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body domain.PersonInput
	}) (*PersonOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		p, err := s.People.ReplacePerson(ctx, in.ID, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return personOutput(p), nil
	})

	huma.Register(s.api, operation{
		ID: "delete-person", Method: http.MethodDelete, Path: "/v1/people/{id}", Tag: tag,
		Summary: "Delete a person",
		Description: "Deletes a person. Refused with 409, naming every reason, while the person is responsible for anything " +
			"(supervises someone, holds an unrevoked token, owns a register entry); set active to false instead. Needs the editor or admin role.",
		Permission: domain.PermWrite, Status: http.StatusNoContent, Errors: errsDelete,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
	}) (*struct{}, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		if err := s.People.DeletePerson(ctx, in.ID, v); err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return nil, nil
	})
}
