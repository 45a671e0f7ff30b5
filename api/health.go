package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// HealthStatus is what a health probe answers: ok or unavailable.
type HealthStatus string

// HealthOutput answers the health probes.
type HealthOutput struct {
	Body struct {
		Status HealthStatus `json:"status" enum:"ok,unavailable" doc:"ok, or unavailable with the reason."`
		Reason string       `json:"reason,omitempty" doc:"Why the service is not ready."`
	}
}

func (s *Server) registerHealth() {
	huma.Register(s.api, operation{
		ID: "get-health", Method: http.MethodGet, Path: "/healthz", Tag: "Health",
		Summary: "Liveness", Description: "Answers 200 while the process serves requests. No token needed.",
	}.huma(), func(context.Context, *struct{}) (*HealthOutput, error) {
		out := &HealthOutput{}
		out.Body.Status = "ok"
		return out, nil
	})

	huma.Register(s.api, operation{
		ID: "get-readiness", Method: http.MethodGet, Path: "/readyz", Tag: "Health",
		Summary:     "Readiness",
		Description: "Answers 200 when the database answers and every migration is applied, else 503. No token needed.",
		Errors:      []int{http.StatusServiceUnavailable},
	}.huma(), func(ctx context.Context, _ *struct{}) (*HealthOutput, error) {
		if s.Ready == nil {
			return nil, huma.Error503ServiceUnavailable("no database configured")
		}
		if err := s.Ready(ctx); err != nil {
			s.log.WarnContext(ctx, "not ready", "error", err)
			return nil, huma.Error503ServiceUnavailable("the database is not reachable or migrations are pending")
		}
		out := &HealthOutput{}
		out.Body.Status = "ok"
		return out, nil
	})
}
