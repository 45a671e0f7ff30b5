package api

import (
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// permissionKey is the operation metadata key holding the permission an
// operation needs; operations without it are public.
const permissionKey = "permission"

// authenticate resolves the bearer token to an actor, checks the operation's
// permission against the actor's role and puts the actor in the context.
func (s *Server) authenticate(ctx huma.Context, next func(huma.Context)) {
	perm, ok := ctx.Operation().Metadata[permissionKey].(domain.Permission)
	if !ok {
		next(ctx)
		return
	}
	scheme, secret, _ := strings.Cut(ctx.Header("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="vendorwatch"`)
		_ = huma.WriteErr(s.api, ctx, http.StatusUnauthorized, "send Authorization: Bearer <token>")
		return
	}
	actor, err := s.Tokens.Authenticate(ctx.Context(), secret)
	if err != nil {
		if domain.ErrorCodeOf(err) == domain.EUNAUTHORIZED {
			ctx.SetHeader("WWW-Authenticate", `Bearer realm="vendorwatch", error="invalid_token"`)
			_ = huma.WriteErr(s.api, ctx, http.StatusUnauthorized, domain.ErrorMessageOf(err))
			return
		}
		status, headers, msg := problemParts(s.problem(ctx.Context(), "header", err))
		for k, vs := range headers {
			for _, v := range vs {
				ctx.AppendHeader(k, v)
			}
		}
		_ = huma.WriteErr(s.api, ctx, status, msg)
		return
	}
	markAuthenticated(ctx.Context())
	NoteActor(ctx.Context(), actor)
	if !actor.Role.Allows(perm) {
		_ = huma.WriteErr(s.api, ctx, http.StatusForbidden,
			"a token with role "+string(actor.Role)+" may not do this; it needs "+string(perm)+" permission")
		return
	}
	next(huma.WithContext(ctx, domain.WithActor(ctx.Context(), actor)))
}
