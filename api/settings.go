package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// SettingsOutput is the settings resource with its ETag.
type SettingsOutput struct {
	ETag string `header:"ETag" doc:"The settings' version as a strong ETag; send it back in If-Match."`
	Body *domain.Settings
}

func (s *Server) registerSettings() {
	const tag = "Settings"
	huma.Register(s.api, operation{
		ID: "get-settings", Method: http.MethodGet, Path: "/v1/settings", Tag: tag,
		Summary: "Get the policy settings",
		Description: "Returns the policy parameters: confirmation intervals per risk tier, the renewal review lead, reminder lead " +
			"times, the escalation delay and the default review interval. Any role may read.",
		Permission: domain.PermRead,
	}.huma(), func(ctx context.Context, _ *struct{}) (*SettingsOutput, error) {
		st, err := s.Settings.GetSettings(ctx)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return &SettingsOutput{ETag: etag(st.Version), Body: st}, nil
	})

	huma.Register(s.api, operation{
		ID: "replace-settings", Method: http.MethodPut, Path: "/v1/settings", Tag: tag,
		Summary: "Change the policy settings",
		Description: "Replaces the policy parameters. Every contract's derived due dates are recomputed in the same transaction, " +
			"and the change is audited. Admin only.",
		Permission: domain.PermAdmin, Errors: []int{http.StatusBadRequest, http.StatusConflict, http.StatusPreconditionFailed, http.StatusUnprocessableEntity},
	}.huma(), func(ctx context.Context, in *struct {
		IfMatchParam
		Body domain.PolicySettings
	}) (*SettingsOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		st, err := s.Settings.ReplaceSettings(ctx, v, in.Body)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return &SettingsOutput{ETag: etag(st.Version), Body: st}, nil
	})
}
