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
			"times, the escalation delay, the overdue repeat and the repeat from which every ciso is told, the default review " +
			"interval, the days before its end that a one-year contract is confirmed, the longest risk acceptance, the body's " +
			"closure days, and whether Japanese dates carry the era. Any role may read.",
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
		Description: "Replaces the policy parameters. The fields added later (confirmation_before_end_days, overdue_repeat_days, " +
			"ciso_escalation_after_repeats, risk_acceptance_months, closure_days, japanese_era_dates) may be left out and keep " +
			"their defaults; closure_days [] means none, and each entry is MM-DD or YYYY-MM-DD (422 naming it otherwise). Every " +
			"contract's derived due dates are recomputed in the same transaction, every due date moves to the business day the new " +
			"calendar gives, and the change is audited. Admin only.",
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
