package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// TokenOutput is one token with its ETag.
type TokenOutput struct {
	ETag string `header:"ETag" doc:"The token's version as a strong ETag; send it back in If-Match."`
	Body *domain.Token
}

// CreatedToken is a new token with its secret, shown this once.
type CreatedToken struct {
	*domain.Token
	Secret string `json:"secret" pattern:"^vw_[A-Za-z0-9_-]{43}$" doc:"The secret to send as Authorization: Bearer <secret>. Shown only in this response; only its SHA-256 is stored."`
}

// CreatedTokenOutput is the response to create-token.
type CreatedTokenOutput struct {
	ETag         string `header:"ETag" doc:"The token's version as a strong ETag."`
	CacheControl string `header:"Cache-Control" doc:"no-store: the secret must not be cached."`
	Body         CreatedToken
}

// MeOutput is the caller's identity.
type MeOutput struct {
	Body struct {
		Person  *domain.Person `json:"person" doc:"The person the token belongs to."`
		Role    domain.Role    `json:"role" enum:"admin,editor,viewer,auditor" doc:"The role of the token used for this request."`
		TokenID string         `json:"token_id" doc:"The token used for this request."`
	}
}

func (s *Server) registerTokens() {
	const tag = "Tokens"
	huma.Register(s.api, operation{
		ID: "list-tokens", Method: http.MethodGet, Path: "/v1/tokens", Tag: tag,
		Summary: "List tokens", Description: "Lists API tokens, oldest first, without their secrets. Admin only.",
		Permission: domain.PermAdmin, Errors: errsList,
	}.huma(), func(ctx context.Context, in *struct {
		PageParams
		PersonID string `query:"person_id" format:"uuid" doc:"Only tokens of this person."`
		Revoked  string `query:"revoked" enum:"true,false" doc:"Only revoked (true) or usable (false) tokens."`
	}) (*ListOutput[*domain.Token], error) {
		f := domain.TokenFilter{PersonID: in.PersonID}
		if in.Revoked != "" {
			revoked := in.Revoked == "true"
			f.Revoked = &revoked
		}
		return listed(ctx, s, in.PageParams, func(page domain.PageRequest) (domain.Page[*domain.Token], error) {
			return s.Tokens.ListTokens(ctx, f, page)
		})
	})

	huma.Register(s.api, operation{
		ID: "get-token", Method: http.MethodGet, Path: "/v1/tokens/{id}", Tag: tag,
		Summary: "Get a token", Description: "Returns one token without its secret. Admin only.",
		Permission: domain.PermAdmin, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *IDParam) (*TokenOutput, error) {
		t, err := s.Tokens.FindToken(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return &TokenOutput{ETag: etag(t.Version), Body: t}, nil
	})

	huma.Register(s.api, operation{
		ID: "create-token", Method: http.MethodPost, Path: "/v1/tokens", Tag: tag,
		Summary: "Create a token",
		Description: "Creates a token for a person with one role: admin (everything), editor (procurement staff: all registers), " +
			"viewer (read) or auditor (read and the audit log). The secret is in this response only. Admin only.",
		Permission: domain.PermAdmin, Status: http.StatusCreated, Errors: errsCreate,
	}.huma(), func(ctx context.Context, in *struct {
		Body domain.TokenInput
	}) (*CreatedTokenOutput, error) {
		t, secret, err := s.Tokens.CreateToken(ctx, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return &CreatedTokenOutput{ETag: etag(t.Version), CacheControl: "no-store", Body: CreatedToken{Token: t, Secret: secret}}, nil
	})

	huma.Register(s.api, operation{
		ID: "revoke-token", Method: http.MethodDelete, Path: "/v1/tokens/{id}", Tag: tag,
		Summary:     "Revoke a token",
		Description: "Revokes a token for good; it authenticates nothing afterwards (401). The record stays for the audit trail. 409 when already revoked. Admin only.",
		Permission:  domain.PermAdmin, Errors: errsDelete,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
	}) (*TokenOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		t, err := s.Tokens.RevokeToken(ctx, in.ID, v)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return &TokenOutput{ETag: etag(t.Version), Body: t}, nil
	})

	huma.Register(s.api, operation{
		ID: "get-me", Method: http.MethodGet, Path: "/v1/me", Tag: tag,
		Summary: "Who am I", Description: "Returns the person behind the token used, and the token's role. Any role.",
		Permission: domain.PermRead,
	}.huma(), func(ctx context.Context, _ *struct{}) (*MeOutput, error) {
		actor, _ := domain.ActorFrom(ctx)
		p, err := s.People.FindPerson(ctx, actor.PersonID)
		if err != nil {
			return nil, s.problem(ctx, "header", err)
		}
		out := &MeOutput{}
		out.Body.Person, out.Body.Role, out.Body.TokenID = p, actor.Role, actor.TokenID
		return out, nil
	})
}
